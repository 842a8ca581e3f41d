//! Every response the API tests receive is checked against the service's OpenAPI document: its
//! path and method must be documented (or be the fallback's 404/405 error envelope), its status
//! listed for that operation, and its body valid against the schema documented for that status.
//! The hook sits in the shared helpers (`raw_call`, `serve_http::request`), so every API test
//! exercises the document.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::{Value, json};

static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::to_value(message_broker::api::openapi::document()).expect("document as JSON")
});

/// Routes tests add to the service's router for themselves (`api::contract` on test routes):
/// not the service's, so not in its document.
pub const TEST_ROUTES: &str = "/test-only/";

type Key = (String, String, u16);
static VALIDATORS: LazyLock<Mutex<HashMap<Key, Arc<jsonschema::Validator>>>> =
    LazyLock::new(Default::default);

/// The document's path template matching `path` (`{name}` matches one segment).
fn template(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    DOCUMENT["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .find(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(part, segment)| {
                    (part.starts_with('{') && !segment.is_empty()) || part == segment
                })
        })
        .map(String::as_str)
}

/// A validator for `schema`, resolving `#/components/...` references against the document.
fn validator(schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": DOCUMENT["components"],
        "allOf": [schema],
    });
    jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

fn validator_for(key: Key, schema: impl FnOnce() -> Value) -> Arc<jsonschema::Validator> {
    let mut cache = VALIDATORS.lock().unwrap_or_else(|e| e.into_inner());
    Arc::clone(
        cache
            .entry(key)
            .or_insert_with(|| Arc::new(validator(&schema()))),
    )
}

/// Panics, naming what differs, when this answer is not what the document says.
pub fn check(method: &str, path: &str, status: u16, body: &Value) {
    if path.starts_with(TEST_ROUTES) {
        return;
    }
    let method = method.to_ascii_lowercase();
    let operation = template(path).and_then(|t| {
        let op = &DOCUMENT["paths"][t][&method];
        op.is_object().then_some((t, op))
    });
    let (key, schema) = match operation {
        Some((template, operation)) => {
            let response = &operation["responses"][status.to_string()];
            assert!(
                response.is_object(),
                "OpenAPI: {method} {template} answered {status}, which the document does not \
                 list for it: {body}"
            );
            let schema = response["content"]["application/json"]["schema"].clone();
            ((template.to_owned(), method.clone(), status), schema)
        }
        None => {
            // The fallbacks (an unknown route, a method a route does not take) and routes tests
            // add of their own answer errors only, in the envelope; a success must be documented.
            assert!(
                status >= 400,
                "OpenAPI: {method} {path} is not in the document, yet answered {status}: {body}"
            );
            (
                ("(fallback)".to_owned(), String::new(), status),
                json!({ "$ref": "#/components/schemas/ErrorEnvelope" }),
            )
        }
    };
    if schema.is_null() {
        return;
    }
    let validator = validator_for(key, || schema);
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "OpenAPI: {method} {path} answered {status} with a body the document does not allow:\n  {}\nbody: {body}",
        errors.join("\n  ")
    );
}
