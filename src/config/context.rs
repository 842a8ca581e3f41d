//! `nats` CLI contexts: the JSON files `nats context save` writes, which is how engineers already
//! keep their clusters' URLs, credentials and TLS files. The connection fields are read (URL,
//! credentials, TLS files, `tls_first`, `inbox_prefix`, `jetstream_domain`); every other key
//! (`description`, `color_scheme`, …) is tolerated and ignored. Empty strings, which the CLI
//! writes for unset fields, count as unset.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::secret::expand_home;
use super::{ConfigError, Origin};

/// The connection fields of one context file.
#[derive(Debug, Default, Clone)]
pub struct Context {
    pub path: PathBuf,
    /// `path` as messages show it.
    pub file: String,
    pub url: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub creds: Option<PathBuf>,
    pub nkey: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub ca: Option<PathBuf>,
    pub tls_first: Option<bool>,
    pub inbox_prefix: Option<String>,
    pub jetstream_domain: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ContextFile {
    url: Option<String>,
    user: Option<String>,
    password: Option<String>,
    token: Option<String>,
    creds: Option<String>,
    nkey: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    ca: Option<String>,
    tls_first: Option<bool>,
    inbox_prefix: Option<String>,
    jetstream_domain: Option<String>,
}

/// Where the `nats` CLI keeps contexts: `$XDG_CONFIG_HOME/nats/context`, else
/// `~/.config/nats/context` (on every platform, as the CLI does).
pub fn context_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".config"))
        })?;
    Some(base.join("nats").join("context"))
}

/// The file of the context `name`: a name in [`context_dir`], or — when it ends in `.json` or
/// holds a `/` — a path to the file itself.
fn context_path(name: &str) -> Result<PathBuf, String> {
    if name.ends_with(".json") || name.contains('/') {
        return Ok(expand_home(name));
    }
    if name.is_empty() || name.contains("..") || name.contains('\\') {
        return Err(format!(
            "'{name}' is not a context name (a file name in the nats context directory, \
             without .json)"
        ));
    }
    let dir = context_dir().ok_or_else(|| {
        "cannot find the nats context directory: neither XDG_CONFIG_HOME nor HOME is set".to_owned()
    })?;
    Ok(dir.join(format!("{name}.json")))
}

/// Reads the context `name`, chosen at `chosen_by`. A missing file is an error at `chosen_by`
/// naming the file; a malformed one is an error in the file naming the field.
pub fn load(name: &str, chosen_by: Origin<'_>) -> Result<Context, ConfigError> {
    let path = context_path(name).map_err(|m| chosen_by.error(m))?;
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| chosen_by.error(format!("nats context '{name}': cannot read {file}: {e}")))?;
    parse(&path, &text)
}

/// Parses a context file's text.
pub fn parse(path: &Path, text: &str) -> Result<Context, ConfigError> {
    let file = path.display().to_string();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed: ContextFile =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let key = match err.path().to_string() {
                key if key == "." => "(top level)".to_owned(),
                key => key,
            };
            ConfigError::new(file.clone(), key, err.into_inner().to_string())
        })?;
    let text = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let path_of = |value: Option<String>| text(value).map(|v| expand_home(v.trim()));
    Ok(Context {
        path: path.to_owned(),
        file,
        url: text(parsed.url).map(|u| u.trim().to_owned()),
        user: text(parsed.user),
        password: text(parsed.password),
        token: text(parsed.token),
        creds: path_of(parsed.creds),
        nkey: path_of(parsed.nkey),
        cert: path_of(parsed.cert),
        key: path_of(parsed.key),
        ca: path_of(parsed.ca),
        tls_first: parsed.tls_first,
        inbox_prefix: text(parsed.inbox_prefix).map(|v| v.trim().to_owned()),
        jetstream_domain: text(parsed.jetstream_domain).map(|v| v.trim().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_empty_fields_are_tolerated() {
        let text = r#"{
  "description": "production",
  "url": "tls://nats-1:4222,tls://nats-2:4222",
  "token": "",
  "user": "",
  "password": "",
  "creds": "/keys/app.creds",
  "nkey": "",
  "cert": "",
  "key": "",
  "ca": "/keys/ca.pem",
  "nsc": "",
  "jetstream_domain": "",
  "tls_first": false,
  "color_scheme": ""
}"#;
        let context = parse(Path::new("/c/prod.json"), text).unwrap();
        assert_eq!(
            context.url.as_deref(),
            Some("tls://nats-1:4222,tls://nats-2:4222")
        );
        assert_eq!(context.user, None);
        assert_eq!(context.creds, Some(PathBuf::from("/keys/app.creds")));
        assert_eq!(context.ca, Some(PathBuf::from("/keys/ca.pem")));
        assert_eq!(context.jetstream_domain, None);
        assert_eq!(context.tls_first, Some(false));
    }

    #[test]
    fn account_level_fields_are_read() {
        let text = r#"{"url": "tls://hub:4222", "tls_first": true,
            "inbox_prefix": "_INBOX_ops", "jetstream_domain": " hub "}"#;
        let context = parse(Path::new("/c/leaf.json"), text).unwrap();
        assert_eq!(context.tls_first, Some(true));
        assert_eq!(context.inbox_prefix.as_deref(), Some("_INBOX_ops"));
        assert_eq!(context.jetstream_domain.as_deref(), Some("hub"));
    }

    #[test]
    fn a_malformed_context_names_the_file_and_field() {
        let err = parse(Path::new("/c/prod.json"), r#"{"url": 4222}"#).unwrap_err();
        assert_eq!(err.source_name, "/c/prod.json");
        assert_eq!(err.key, "url");
        assert!(err.message.contains("expected"), "{err}");
        let err = parse(Path::new("/c/prod.json"), "{\"url\": ").unwrap_err();
        assert_eq!(err.source_name, "/c/prod.json");
    }

    #[test]
    fn names_and_paths() {
        assert!(context_path("a/../b.json").is_ok());
        assert!(context_path("..").is_err());
        assert!(context_path("").is_err());
        assert!(
            context_path("/etc/nats/prod.json")
                .unwrap()
                .ends_with("prod.json")
        );
    }
}
