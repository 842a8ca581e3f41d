//! Who may do what, decided before any handler runs. `/health` is always open (probes). With
//! tokens configured, every other request needs `Authorization: Bearer <token>`, and a read
//! token cannot change anything. With none, the service is in protected mode: reads are open,
//! but changes are only taken from this host (like Redis' protected mode) unless
//! `api.allow_unauthenticated` says otherwise. `--read-only` refuses every change.

use std::net::SocketAddr;

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::{ApiError, ErrorCode};
use crate::config::{ApiAccess, Scope};

/// Paths anyone may call: liveness probes carry no credentials.
const OPEN_PATHS: [&str; 1] = ["/health"];

/// The answer refusing `request`, or `None` when it may go on to its handler. A plain function
/// rather than a middleware of its own: `api::edge` calls it, so a request passes one middleware
/// for statistics, access and the body deadline rather than one each.
pub fn refusal(state: &AppState, request: &Request) -> Option<Response> {
    if OPEN_PATHS.contains(&request.uri().path()) {
        return None;
    }
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let access = &state.settings.access;
    // The listener hands every request its peer; tests stand one in (as axum's ConnectInfo
    // extractor also allows).
    let extensions = request.extensions();
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
        .or_else(|| {
            extensions
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|MockConnectInfo(addr)| *addr)
        });
    decide(access, bearer(request), changes, peer)
        .err()
        .map(IntoResponse::into_response)
}

/// Why a request is refused; a 401 also tells the client how to authenticate.
struct Refusal {
    error: ApiError,
    challenge: Option<&'static str>,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = self.error.into_response();
        if let Some(challenge) = self.challenge {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

/// The token after `Bearer ` in the Authorization header; `Some("")` when the header is there
/// but holds no bearer token.
fn bearer(request: &Request) -> Option<&str> {
    let value = request.headers().get(AUTHORIZATION)?;
    let text = value.to_str().unwrap_or_default().trim();
    Some(match text.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => "",
    })
}

fn decide(
    access: &ApiAccess,
    token: Option<&str>,
    changes: bool,
    peer: Option<SocketAddr>,
) -> Result<(), Refusal> {
    if access.has_tokens() {
        let scope = match token {
            None => {
                return Err(Refusal {
                    error: ApiError::new(
                        ErrorCode::Unauthorized,
                        "this API needs a bearer token: send `Authorization: Bearer <token>` \
                         with a token from api.token / API_TOKEN (or a read token)",
                    ),
                    challenge: Some("Bearer realm=\"message-broker\""),
                });
            }
            Some(token) => scope_of(access, token).ok_or_else(|| Refusal {
                error: ApiError::new(ErrorCode::Unauthorized, "the bearer token is not valid"),
                challenge: Some("Bearer realm=\"message-broker\", error=\"invalid_token\""),
            })?,
        };
        if changes && scope == Scope::Read {
            return Err(Refusal {
                error: ApiError::new(
                    ErrorCode::Forbidden,
                    "this token may only read; creating, deleting, purging and publishing need \
                     a write token (api.token)",
                ),
                challenge: None,
            });
        }
    } else if changes && !access.allow_unauthenticated && !peer.is_some_and(is_loopback) {
        return Err(Refusal {
            error: ApiError::new(
                ErrorCode::Forbidden,
                "changes are only taken from this host while no API token is set: set api.token \
                 (API_TOKEN, or api.token_file) and send it as `Authorization: Bearer <token>`, \
                 or set api.allow_unauthenticated: true to accept changes from anyone",
            ),
            challenge: None,
        });
    }
    if changes && access.read_only {
        return Err(Refusal {
            error: ApiError::new(
                ErrorCode::ReadOnly,
                "this service is read-only (--read-only / api.read_only): it does not create, \
                 delete, purge or publish",
            ),
            challenge: None,
        });
    }
    Ok(())
}

/// The scope of the configured token equal to `presented`. Every token is compared, each in
/// constant time over a digest (so neither the length nor the content of a stored token leaks
/// through timing).
fn scope_of(access: &ApiAccess, presented: &str) -> Option<Scope> {
    let digest = Sha256::digest(presented.as_bytes());
    let mut found = None;
    for (tokens, scope) in [
        (&access.write_tokens, Scope::Write),
        (&access.read_tokens, Scope::Read),
    ] {
        for token in tokens {
            let stored = Sha256::digest(token.expose().as_bytes());
            if bool::from(stored.ct_eq(&digest)) && found.is_none() {
                found = Some(scope);
            }
        }
    }
    found
}

/// `127.0.0.0/8`, `::1`, and IPv4 loopback mapped into IPv6.
fn is_loopback(peer: SocketAddr) -> bool {
    match peer {
        SocketAddr::V4(v4) => v4.ip().is_loopback(),
        SocketAddr::V6(v6) => {
            v6.ip().is_loopback() || v6.ip().to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    const WRITE: &str = "write-token-0123456789";
    const READ: &str = "read-token-0123456789";

    fn with_tokens() -> ApiAccess {
        ApiAccess {
            write_tokens: vec![Secret::new(WRITE)],
            read_tokens: vec![Secret::new(READ)],
            ..ApiAccess::default()
        }
    }

    fn code(result: Result<(), Refusal>) -> Option<ErrorCode> {
        result.err().map(|r| r.error.code)
    }

    const LOCAL: Option<SocketAddr> = Some(SocketAddr::new(
        std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        5000,
    ));
    const REMOTE: Option<SocketAddr> = Some(SocketAddr::new(
        std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 1, 2, 3)),
        5000,
    ));

    #[test]
    fn tokens_are_required_and_scoped() {
        let access = with_tokens();
        assert_eq!(
            code(decide(&access, None, false, LOCAL)),
            Some(ErrorCode::Unauthorized)
        );
        assert_eq!(
            code(decide(&access, Some("nope"), false, LOCAL)),
            Some(ErrorCode::Unauthorized)
        );
        assert_eq!(code(decide(&access, Some(READ), false, REMOTE)), None);
        assert_eq!(
            code(decide(&access, Some(READ), true, LOCAL)),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(code(decide(&access, Some(WRITE), true, REMOTE)), None);
        // A prefix of a valid token is not valid.
        assert_eq!(
            code(decide(&access, Some(&WRITE[..10]), false, LOCAL)),
            Some(ErrorCode::Unauthorized)
        );
    }

    #[test]
    fn without_tokens_only_this_host_may_change_things() {
        let mut access = ApiAccess::default();
        assert_eq!(code(decide(&access, None, false, REMOTE)), None);
        assert_eq!(code(decide(&access, None, true, LOCAL)), None);
        assert_eq!(
            code(decide(&access, None, true, REMOTE)),
            Some(ErrorCode::Forbidden)
        );
        // An unknown peer is not trusted.
        assert_eq!(
            code(decide(&access, None, true, None)),
            Some(ErrorCode::Forbidden)
        );
        access.allow_unauthenticated = true;
        assert_eq!(code(decide(&access, None, true, REMOTE)), None);
    }

    #[test]
    fn read_only_refuses_every_change() {
        let access = ApiAccess {
            read_only: true,
            ..with_tokens()
        };
        assert_eq!(
            code(decide(&access, Some(WRITE), true, LOCAL)),
            Some(ErrorCode::ReadOnly)
        );
        assert_eq!(code(decide(&access, Some(WRITE), false, LOCAL)), None);
    }

    #[test]
    fn loopback_in_every_spelling() {
        for addr in [
            "127.0.0.1:1",
            "127.9.9.9:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert!(is_loopback(addr.parse().unwrap()), "{addr}");
        }
        for addr in ["10.0.0.1:1", "[::ffff:10.0.0.1]:1", "[2001:db8::1]:1"] {
            assert!(!is_loopback(addr.parse().unwrap()), "{addr}");
        }
    }
}
