//! Cluster-wide monitoring over NATS itself: `$SYS.REQ.SERVER.PING.<X>` asks every server of a
//! cluster at once, through one connection authenticated as a system-account user — no
//! monitoring port needed on any of them.

use std::time::Duration;

use futures::StreamExt;
use serde::Deserialize;
use serde_json::Value;

/// The part of every `$SYS` reply that says which server answered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReplyServer {
    pub name: String,
    pub id: String,
    pub cluster: String,
    pub ver: String,
    pub jetstream: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SysReply {
    #[serde(default)]
    pub server: ReplyServer,
    #[serde(default)]
    pub data: Value,
    #[serde(default)]
    pub error: Option<Value>,
}

/// Replies kept from one ping; a cluster is far smaller.
const MAX_REPLIES: usize = 512;

/// Asks every server for `what` (`VARZ`, `JSZ`, `ROUTEZ`, `HEALTHZ`, …) and collects the replies
/// that arrive within `wait`, sorted by server name.
pub async fn ping_all(
    client: &async_nats::Client,
    what: &str,
    wait: Duration,
) -> Result<Vec<SysReply>, String> {
    let inbox = client.new_inbox();
    let mut replies = client
        .subscribe(inbox.clone())
        .await
        .map_err(|e| format!("cannot subscribe for $SYS replies: {e}"))?;
    client
        .publish_with_reply(format!("$SYS.REQ.SERVER.PING.{what}"), inbox, "{}".into())
        .await
        .map_err(|e| format!("cannot send the $SYS ping: {e}"))?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut collected = Vec::new();
    while collected.len() < MAX_REPLIES {
        match tokio::time::timeout_at(deadline, replies.next()).await {
            Ok(Some(message)) => {
                if let Ok(reply) = serde_json::from_slice::<SysReply>(&message.payload) {
                    collected.push(reply);
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
    let _ = replies.unsubscribe().await;
    if collected.is_empty() {
        return Err(format!(
            "no server answered $SYS.REQ.SERVER.PING.{what} within {wait:?}; is this connection \
             a system-account user?"
        ));
    }
    collected.sort_by(|a, b| a.server.name.cmp(&b.server.name));
    Ok(collected)
}
