//! Who may use the REST API: bearer tokens scoped `write` or `read`, the protected mode that
//! keeps other hosts from changing anything while no token is set, and read-only service.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::file::ApiFile;
use super::secret::Secret;
use super::{ConfigError, Origin, first_set};
use crate::cli::AccessArgs;

/// Shorter tokens are refused: a bearer token is a password that travels with every request.
pub const MIN_TOKEN_LEN: usize = 16;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
}

/// The REST API's access rules, as resolved.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ApiAccess {
    /// Tokens that may read and change; shown as `***`.
    pub write_tokens: Vec<Secret>,
    /// Tokens that may only read.
    pub read_tokens: Vec<Secret>,
    /// Files the tokens were read from, for `message-broker config`.
    pub token_files: Vec<PathBuf>,
    /// Without a token, changes from other hosts are allowed anyway.
    pub allow_unauthenticated: bool,
    /// Every change is refused (403 `READ_ONLY`).
    pub read_only: bool,
}

impl ApiAccess {
    pub fn has_tokens(&self) -> bool {
        !(self.write_tokens.is_empty() && self.read_tokens.is_empty())
    }

    /// The token a client of another instance's API sends: a read token if there is one.
    pub fn client_token(&self) -> Option<&Secret> {
        self.read_tokens.first().or(self.write_tokens.first())
    }
}

pub fn resolve(
    args: &AccessArgs,
    file: &ApiFile,
    file_name: &str,
) -> Result<ApiAccess, ConfigError> {
    let at = |key| Origin::File {
        file: file_name,
        key,
    };
    let mut access = ApiAccess {
        allow_unauthenticated: file.allow_unauthenticated.unwrap_or(false),
        read_only: args.read_only || file.read_only.unwrap_or(false),
        ..ApiAccess::default()
    };
    for (scope, value, path) in [
        (
            Scope::Write,
            first_set(
                (
                    args.api_token.as_deref(),
                    Origin::Flag("--api-token / API_TOKEN"),
                ),
                (file.token.as_deref(), at("api.token")),
            ),
            first_set(
                (
                    args.api_token_file.as_deref(),
                    Origin::Flag("--api-token-file / API_TOKEN_FILE"),
                ),
                (file.token_file.as_deref(), at("api.token_file")),
            ),
        ),
        (
            Scope::Read,
            first_set(
                (
                    args.api_read_token.as_deref(),
                    Origin::Flag("--api-read-token / API_READ_TOKEN"),
                ),
                (file.read_token.as_deref(), at("api.read_token")),
            ),
            first_set(
                (
                    args.api_read_token_file.as_deref(),
                    Origin::Flag("--api-read-token-file / API_READ_TOKEN_FILE"),
                ),
                (file.read_token_file.as_deref(), at("api.read_token_file")),
            ),
        ),
    ] {
        let mut tokens = Vec::new();
        if let (Some(token), origin) = value {
            tokens.push(checked(token).map_err(|m| origin.error(m))?);
        }
        if let (Some(path), origin) = path {
            tokens.extend(from_file(path).map_err(|m| origin.error(m))?);
            access.token_files.push(path.to_owned());
        }
        match scope {
            Scope::Write => access.write_tokens = tokens,
            Scope::Read => access.read_tokens = tokens,
        }
    }
    Ok(access)
}

fn checked(token: &str) -> Result<Secret, String> {
    if token.len() < MIN_TOKEN_LEN {
        return Err(format!(
            "a token must be at least {MIN_TOKEN_LEN} characters long (got {}); generate one \
             with e.g. `openssl rand -hex 24`",
            token.len()
        ));
    }
    if token.chars().any(|c| !c.is_ascii_graphic()) {
        return Err("a token must be printable ASCII without spaces".to_owned());
    }
    Ok(Secret::new(token))
}

/// A token file holds one token per line, so a new one can be added before the old one is
/// removed; blank lines and `#` comments are skipped.
fn from_file(path: &Path) -> Result<Vec<Secret>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
    let tokens = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .enumerate()
        .map(|(i, line)| {
            checked(line).map_err(|m| format!("{}, token {}: {m}", path.display(), i + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if tokens.is_empty() {
        return Err(format!("the token file {} holds no token", path.display()));
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_be_long_and_printable() {
        assert!(checked("short").is_err());
        assert!(checked("sixteen chars ok").is_err(), "spaces");
        assert!(checked("0123456789abcdef").is_ok());
    }

    #[test]
    fn a_token_file_holds_one_token_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# rotating\n0123456789abcdef\n\nfedcba9876543210\n").unwrap();
        assert_eq!(from_file(&path).unwrap().len(), 2);
        std::fs::write(&path, "# nothing\n").unwrap();
        assert!(from_file(&path).unwrap_err().contains("holds no token"));
        std::fs::write(&path, "tooshort\n").unwrap();
        assert!(from_file(&path).unwrap_err().contains("token 1"));
    }
}
