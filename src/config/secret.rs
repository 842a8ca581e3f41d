//! What the client connects with, as resolved: credentials and TLS files. Paths are shown by
//! `message-broker config`; passwords, tokens, seeds and key material never are, in `Debug`
//! output either, so a stray `?settings` in a log line cannot leak them.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

/// A value that must never be shown: `Debug` and `Serialize` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for handing to the NATS client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

/// A file named in the configuration, read once at start-up so that a bad one stops start-up
/// rather than the first connection attempt. Shown as its path; its contents never.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFile {
    pub path: PathBuf,
    pub contents: Secret,
}

impl Serialize for SecretFile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.path.serialize(s)
    }
}

/// How the client proves who it is. The kinds are exclusive: a configuration that names two
/// is refused at start-up. Credentials written into the NATS URL are not here: the client reads
/// them from the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credential {
    #[default]
    None,
    UserPassword {
        user: String,
        password: Secret,
    },
    Token {
        token: Secret,
    },
    /// A user NKey seed file; `seed` is the seed found in it.
    Nkey {
        file: PathBuf,
        #[serde(skip)]
        seed: Secret,
    },
    /// A JWT `.creds` file (the user JWT and its NKey seed).
    Creds {
        file: PathBuf,
        #[serde(skip)]
        contents: Secret,
    },
}

impl Credential {
    /// The kind, as messages name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::None => "none",
            Credential::UserPassword { .. } => "user and password",
            Credential::Token { .. } => "token",
            Credential::Nkey { .. } => "NKey seed file",
            Credential::Creds { .. } => "credentials file",
        }
    }
}

/// PEM files for TLS. Any of them makes TLS required: a client told whom to trust must not fall
/// back to plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlsFiles {
    /// CA certificate(s) the servers' certificates must chain to (added to the system's roots).
    pub ca: Option<SecretFile>,
    /// Client certificate for mutual TLS; set together with `key`.
    pub cert: Option<SecretFile>,
    pub key: Option<SecretFile>,
}

impl TlsFiles {
    pub fn is_configured(&self) -> bool {
        self.ca.is_some() || self.cert.is_some() || self.key.is_some()
    }

    /// The client certificate and its key, when both are set.
    pub fn identity(&self) -> Option<(&SecretFile, &SecretFile)> {
        self.cert.as_ref().zip(self.key.as_ref())
    }
}

/// Everything besides the URL that a NATS connection is made with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientSecurity {
    /// The `nats` CLI context file whose values were layered in.
    pub context: Option<PathBuf>,
    pub credential: Credential,
    pub tls: TlsFiles,
    /// Start TLS before the server's INFO (servers and proxies configured `handshake_first`).
    pub tls_first: bool,
    /// The subject replies come back on instead of `_INBOX`: users whose permissions allow
    /// only their own reply subjects need it.
    pub inbox_prefix: Option<String>,
    /// The JetStream domain to manage and publish in (`$JS.<domain>.API`), as with leaf nodes.
    pub jetstream_domain: Option<String>,
}

impl ClientSecurity {
    /// The JetStream API's subject prefix: `$JS.API`, or `$JS.<domain>.API`.
    pub fn jetstream_api(&self) -> String {
        match &self.jetstream_domain {
            Some(domain) => format!("$JS.{domain}.API"),
            None => "$JS.API".to_owned(),
        }
    }
}

/// The system-account connection the console sends `$SYS` pings over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemConnection {
    #[serde(serialize_with = "redacted_url")]
    pub url: String,
    pub security: ClientSecurity,
}

/// Serializes a NATS URL list with any password or token replaced by `***`.
pub fn redacted_url<S: Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::nats::redact(url))
}

/// `~` or `~/…` at the start of a path is the home directory, as the `nats` CLI reads its
/// context files.
pub fn expand_home(path: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    match path.strip_prefix('~') {
        Some("") => home().unwrap_or_else(|| PathBuf::from(path)),
        Some(rest) if rest.starts_with('/') => match home() {
            Some(home) => home.join(rest.trim_start_matches('/')),
            None => PathBuf::from(path),
        },
        _ => Path::new(path).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show() {
        let credential = Credential::UserPassword {
            user: "app".into(),
            password: Secret::new("hunter2"),
        };
        let debug = format!("{credential:?}");
        let json = serde_json::to_string(&credential).unwrap();
        assert!(
            !debug.contains("hunter2") && debug.contains("app"),
            "{debug}"
        );
        assert_eq!(
            json,
            r#"{"kind":"user_password","user":"app","password":"***"}"#
        );
        let creds = Credential::Creds {
            file: "/k/app.creds".into(),
            contents: Secret::new("SUSEED"),
        };
        let json = serde_json::to_string(&creds).unwrap();
        assert_eq!(json, r#"{"kind":"creds","file":"/k/app.creds"}"#);
        assert!(!format!("{creds:?}").contains("SUSEED"));
    }
}
