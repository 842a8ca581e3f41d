//! `message-broker health [--url URL]`: asks a running service's `/health` and exits 0 when it
//! answers `healthy`, 1 otherwise — for a container `HEALTHCHECK` or a script.

use std::time::Duration;

use serde::Deserialize;

use crate::config::Settings;

/// The answer of one probe, worded for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Healthy(String),
    /// The service answered, but not `healthy` (NATS not connected).
    Degraded(String),
    /// Nothing usable answered.
    Unreachable(String),
}

impl Health {
    pub fn is_healthy(&self) -> bool {
        matches!(self, Health::Healthy(_))
    }

    pub fn describe(&self) -> &str {
        match self {
            Health::Healthy(text) | Health::Degraded(text) | Health::Unreachable(text) => text,
        }
    }
}

/// The `/health` URL: `--url` as given (a base URL gets `/health`), else this configuration's API
/// address — with a wildcard listen address asked on loopback.
pub fn health_url(url: Option<&str>, settings: &Settings) -> Result<String, String> {
    let Some(url) = url else {
        let host = match settings.api_host.as_str() {
            "0.0.0.0" | "" => "127.0.0.1".to_owned(),
            "::" | "[::]" => "[::1]".to_owned(),
            host if host.contains(':') && !host.starts_with('[') => format!("[{host}]"),
            host => host.to_owned(),
        };
        return Ok(format!("http://{host}:{}/health", settings.api_port));
    };
    let mut parsed =
        reqwest::Url::parse(url).map_err(|e| format!("--url: '{url}' is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "--url: '{url}' must start with http:// or https://"
        ));
    }
    if parsed.path() == "/" || parsed.path().is_empty() {
        parsed.set_path("/health");
    }
    Ok(parsed.to_string())
}

#[derive(Deserialize)]
struct Answer {
    data: Option<AnswerData>,
}

#[derive(Deserialize)]
struct AnswerData {
    status: Option<String>,
    nats: Option<NatsPart>,
}

#[derive(Deserialize)]
struct NatsPart {
    state: Option<String>,
    url: Option<String>,
}

/// Asks `url` once, bounded by `timeout`.
pub async fn probe(url: &str, timeout: Duration) -> Health {
    let client = match reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
    {
        Ok(client) => client,
        Err(err) => return Health::Unreachable(format!("cannot set up an HTTP client: {err}")),
    };
    let response = match client.get(url).send().await {
        Ok(response) => response,
        Err(err) => {
            let why = if err.is_timeout() {
                format!("no answer within {:.1}s", timeout.as_secs_f64())
            } else if err.is_connect() {
                "connection refused or host unreachable; is `message-broker --serve` running \
                 there?"
                    .to_owned()
            } else {
                err.to_string()
            };
            return Health::Unreachable(format!("{url}: {why}"));
        }
    };
    let status = response.status();
    let answer: Option<Answer> = response.json().await.ok();
    let data = answer.and_then(|a| a.data);
    match data {
        Some(AnswerData {
            status: Some(health),
            nats,
        }) if status.is_success() => {
            let nats = nats
                .map(|n| {
                    format!(
                        "NATS {} at {}",
                        n.state.as_deref().unwrap_or("unknown"),
                        n.url.as_deref().unwrap_or("?")
                    )
                })
                .unwrap_or_default();
            if health == "healthy" {
                Health::Healthy(format!("{url}: healthy; {nats}"))
            } else {
                Health::Degraded(format!("{url}: {health}; {nats}"))
            }
        }
        _ => Health::Unreachable(format!(
            "{url}: answered HTTP {status} without a health status; is this a message-broker \
             service?"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::SettingsArgs;

    fn settings(host: &str) -> Settings {
        let args = SettingsArgs {
            host: Some(host.to_owned()),
            port: Some(9000),
            ..SettingsArgs::default()
        };
        Settings::from_yaml(&args, std::path::Path::new("t.yaml"), "").unwrap()
    }

    #[test]
    fn the_url_comes_from_the_flag_or_the_api_address() {
        let s = settings("0.0.0.0");
        assert_eq!(
            health_url(None, &s).unwrap(),
            "http://127.0.0.1:9000/health"
        );
        assert_eq!(
            health_url(None, &settings("::")).unwrap(),
            "http://[::1]:9000/health"
        );
        assert_eq!(
            health_url(None, &settings("10.1.2.3")).unwrap(),
            "http://10.1.2.3:9000/health"
        );
        assert_eq!(
            health_url(Some("http://mb:8086"), &s).unwrap(),
            "http://mb:8086/health"
        );
        assert_eq!(
            health_url(Some("http://mb:8086/custom/health"), &s).unwrap(),
            "http://mb:8086/custom/health"
        );
        assert!(health_url(Some("mb:8086"), &s).is_err());
        assert!(health_url(Some("ftp://mb"), &s).is_err());
    }
}
