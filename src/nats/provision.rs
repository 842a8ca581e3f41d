//! Keeps the streams declared in the config present: created when missing, updated when their
//! settings differ, never deleted or recreated (data already stored must survive).

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::Nats;
use super::wire::{WireStreamInfo, codes};
use crate::stream_spec::{StreamSpec, WireSpec};

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
                Err(message) => {
                    tracing::error!(stream = %name, error = %message, "could not provision stream");
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

    async fn provision_one(&self, spec: &StreamSpec) -> Result<Outcome, String> {
        let name = &spec.name;
        let current = match self
            .js_request::<WireStreamInfo>(&format!("STREAM.INFO.{name}"), None)
            .await
        {
            Ok(info) => info,
            Err(err) if err.err_code() == Some(codes::STREAM_NOT_FOUND) => {
                let body = serde_json::to_value(spec.to_wire()).map_err(|e| e.to_string())?;
                self.js_request::<Value>(&format!("STREAM.CREATE.{name}"), Some(&body))
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(stream = %name, subjects = ?spec.effective_subjects(), "configured stream created");
                return Ok(Outcome::Created);
            }
            Err(err) => return Err(err.to_string()),
        };
        let changes = spec.differences(&current.config);
        if changes.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        let body =
            serde_json::to_value(spec.apply_to(&current.config)).map_err(|e| e.to_string())?;
        self.js_request::<Value>(&format!("STREAM.UPDATE.{name}"), Some(&body))
            .await
            .map_err(|e| format!("update refused ({}): {e}", changes.join(", ")))?;
        tracing::info!(stream = %name, changes = %changes.join(", "), "configured stream updated");
        Ok(Outcome::Updated)
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
