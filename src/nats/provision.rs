//! Keeps the streams declared in the config present: created when missing, updated when their
//! settings differ, never deleted or recreated (data already stored must survive).

use tokio_util::sync::CancellationToken;

use super::{Nats, NatsError};
use crate::model::spec::StreamSpec;

/// What one provisioning pass did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProvisionReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    pub failed: Vec<String>,
}

impl Nats {
    pub async fn provision(&self, specs: &[StreamSpec]) -> ProvisionReport {
        let mut report = ProvisionReport::default();
        for spec in specs {
            let name = spec.name.clone();
            match self.provision_one(spec).await {
                Ok(Outcome::Created) => report.created.push(name),
                Ok(Outcome::Updated) => report.updated.push(name),
                Ok(Outcome::Unchanged) => report.unchanged.push(name),
                Err(err) => {
                    tracing::error!(stream = %name, error = %err, "could not provision stream");
                    report.failed.push(name);
                }
            }
        }
        tracing::info!(
            streams_created = report.created.len(),
            streams_updated = report.updated.len(),
            streams_unchanged = report.unchanged.len(),
            streams_failed = report.failed.len(),
            "configured streams provisioned"
        );
        report
    }

    /// Through the same create and update paths as the API, so a configured stream gets the same
    /// checks (subjects taken by another stream are named) and the same wire config.
    async fn provision_one(&self, spec: &StreamSpec) -> Result<Outcome, NatsError> {
        let current = match self.stream_info(&spec.name).await {
            Ok(info) => info,
            Err(NatsError::StreamNotFound(_)) => {
                self.create_stream(spec).await?;
                return Ok(Outcome::Created);
            }
            Err(err) => return Err(err),
        };
        let changes = self.update_stream(spec, &current).await?;
        Ok(if changes.is_empty() {
            Outcome::Unchanged
        } else {
            Outcome::Updated
        })
    }
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Provisions `specs` on every (re)connect until `cancel` fires.
pub fn provision_on_connect(nats: Nats, specs: Vec<StreamSpec>, cancel: CancellationToken) {
    if specs.is_empty() {
        return;
    }
    let mut connects = nats.tracker().connects();
    tokio::spawn(async move {
        loop {
            if *connects.borrow_and_update() > 0 || nats.is_connected() {
                nats.provision(&specs).await;
            }
            tokio::select! {
                _ = cancel.cancelled() => return,
                changed = connects.changed() => if changed.is_err() { return },
            }
        }
    });
}
