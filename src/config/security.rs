//! Resolving credentials and TLS files from their layers — flags and variables (clap has merged
//! them), a `nats` CLI context, the config file — and reading the files they name, so that an
//! unreadable or invalid one stops start-up naming the file and where its path came from.
//!
//! Each key is layered on its own (a user in the file and its password in `NATS_PASSWORD` work
//! together); the result must name one credential. As in the `nats` CLI and in URLs, a user
//! without a password is a token.

use std::path::PathBuf;

use async_nats::rustls::pki_types::pem::PemObject;
use async_nats::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::context::{self, Context};
use super::file::NatsClientFile;
use super::secret::{ClientSecurity, Credential, Secret, SecretFile, SystemConnection, TlsFiles};
use super::{ConfigError, Origin, first_set};
use crate::cli::SecurityArgs;

/// The keys a layer may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    User,
    Password,
    Token,
    Nkey,
    Creds,
    Ca,
    Cert,
    Key,
    TlsFirst,
    InboxPrefix,
    JetStreamDomain,
}

impl Field {
    fn flag(self) -> &'static str {
        match self {
            Field::User => "--user / NATS_USER",
            Field::Password => "--password / NATS_PASSWORD",
            Field::Token => "--token / NATS_TOKEN",
            Field::Nkey => "--nkey / NATS_NKEY",
            Field::Creds => "--creds / NATS_CREDS",
            Field::Ca => "--tls-ca / NATS_CA",
            Field::Cert => "--tls-cert / NATS_CERT",
            Field::Key => "--tls-key / NATS_KEY",
            Field::TlsFirst => "--tls-first / NATS_TLS_FIRST",
            Field::InboxPrefix => "--inbox-prefix / NATS_INBOX_PREFIX",
            Field::JetStreamDomain => "--js-domain / NATS_JS_DOMAIN",
        }
    }

    fn file_key(self) -> &'static str {
        match self {
            Field::User => "nats_client.user",
            Field::Password => "nats_client.password",
            Field::Token => "nats_client.token",
            Field::Nkey => "nats_client.nkey",
            Field::Creds => "nats_client.creds",
            Field::Ca => "nats_client.tls.ca",
            Field::Cert => "nats_client.tls.cert",
            Field::Key => "nats_client.tls.key",
            Field::TlsFirst => "nats_client.tls.first",
            Field::InboxPrefix => "nats_client.inbox_prefix",
            Field::JetStreamDomain => "nats_client.jetstream_domain",
        }
    }

    fn context_key(self) -> &'static str {
        match self {
            Field::User => "user",
            Field::Password => "password",
            Field::Token => "token",
            Field::Nkey => "nkey",
            Field::Creds => "creds",
            Field::Ca => "ca",
            Field::Cert => "cert",
            Field::Key => "key",
            Field::TlsFirst => "tls_first",
            Field::InboxPrefix => "inbox_prefix",
            Field::JetStreamDomain => "jetstream_domain",
        }
    }
}

/// Where a layer's values come from, which decides how an error names them.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    Flags,
    /// The `--system-*` flags, which set only the system connection's credentials file.
    SystemFlags,
    Context(&'a str),
    File(&'a str),
}

impl<'a> Source<'a> {
    fn origin(self, field: Field) -> Origin<'a> {
        match self {
            Source::Flags => Origin::Flag(field.flag()),
            Source::SystemFlags => Origin::Flag("--system-creds / NATS_SYSTEM_CREDS"),
            Source::Context(file) => Origin::Context {
                file,
                key: field.context_key(),
            },
            Source::File(file) => Origin::File {
                file,
                key: field.file_key(),
            },
        }
    }
}

/// One layer's values.
#[derive(Debug, Default, Clone)]
struct Layer {
    user: Option<String>,
    password: Option<String>,
    token: Option<String>,
    nkey: Option<PathBuf>,
    creds: Option<PathBuf>,
    ca: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    tls_first: Option<bool>,
    inbox_prefix: Option<String>,
    jetstream_domain: Option<String>,
}

impl Layer {
    fn of_args(args: &SecurityArgs) -> Layer {
        Layer {
            user: args.user.clone(),
            password: args.password.clone(),
            token: args.token.clone(),
            nkey: args.nkey.clone(),
            creds: args.creds.clone(),
            ca: args.tls_ca.clone(),
            cert: args.tls_cert.clone(),
            key: args.tls_key.clone(),
            // A flag turns it on; off is the absence of any layer saying on.
            tls_first: args.tls_first.then_some(true),
            inbox_prefix: args.inbox_prefix.clone(),
            jetstream_domain: args.js_domain.clone(),
        }
    }

    fn of_context(context: &Context) -> Layer {
        Layer {
            user: context.user.clone(),
            password: context.password.clone(),
            token: context.token.clone(),
            nkey: context.nkey.clone(),
            creds: context.creds.clone(),
            ca: context.ca.clone(),
            cert: context.cert.clone(),
            key: context.key.clone(),
            tls_first: context.tls_first,
            inbox_prefix: context.inbox_prefix.clone(),
            jetstream_domain: context.jetstream_domain.clone(),
        }
    }

    fn of_file(file: &NatsClientFile) -> Layer {
        Layer {
            user: file.user.clone(),
            password: file.password.clone(),
            token: file.token.clone(),
            nkey: file.nkey.clone(),
            creds: file.creds.clone(),
            ca: file.tls.ca.clone(),
            cert: file.tls.cert.clone(),
            key: file.tls.key.clone(),
            tls_first: file.tls.first,
            inbox_prefix: file.inbox_prefix.clone(),
            jetstream_domain: file.jetstream_domain.clone(),
        }
    }

    fn sets_tls(&self) -> bool {
        self.ca.is_some() || self.cert.is_some() || self.key.is_some() || self.tls_first.is_some()
    }
}

/// The highest layer's value of one key, with where it came from; empty values count as unset.
fn top<'a, T: Clone>(
    layers: &[(Source<'a>, &Layer)],
    field: Field,
    get: impl Fn(&Layer) -> &Option<T>,
    is_empty: impl Fn(&T) -> bool,
) -> Option<(T, Origin<'a>)> {
    layers.iter().find_map(|(source, layer)| {
        get(layer)
            .as_ref()
            .filter(|v| !is_empty(v))
            .map(|v| (v.clone(), source.origin(field)))
    })
}

fn text<'a>(
    layers: &[(Source<'a>, &Layer)],
    field: Field,
    get: impl Fn(&Layer) -> &Option<String>,
) -> Option<(String, Origin<'a>)> {
    top(layers, field, get, |v: &String| v.is_empty())
}

fn path<'a>(
    layers: &[(Source<'a>, &Layer)],
    field: Field,
    get: impl Fn(&Layer) -> &Option<PathBuf>,
) -> Option<(PathBuf, Origin<'a>)> {
    top(layers, field, get, |v: &PathBuf| v.as_os_str().is_empty())
}

/// The credential the layers name, from the highest layer of each key.
fn credential(layers: &[(Source<'_>, &Layer)]) -> Result<Credential, ConfigError> {
    let user = text(layers, Field::User, |l| &l.user);
    let password = text(layers, Field::Password, |l| &l.password);
    let mut chosen: Vec<(Credential, Origin<'_>)> = Vec::new();
    match (user, password) {
        (Some((user, origin)), Some((password, _))) => chosen.push((
            Credential::UserPassword {
                user,
                password: Secret::new(password),
            },
            origin,
        )),
        (Some((token, origin)), None) => chosen.push((
            Credential::Token {
                token: Secret::new(token),
            },
            origin,
        )),
        (None, Some((_, origin))) => {
            return Err(origin.error(format!(
                "a password needs a user ({} or {})",
                Field::User.flag(),
                Field::User.file_key()
            )));
        }
        (None, None) => {}
    }
    if let Some((token, origin)) = text(layers, Field::Token, |l| &l.token) {
        chosen.push((
            Credential::Token {
                token: Secret::new(token),
            },
            origin,
        ));
    }
    if let Some((file, origin)) = path(layers, Field::Nkey, |l| &l.nkey) {
        let seed = read_seed(&file).map_err(|m| origin.error(m))?;
        chosen.push((Credential::Nkey { file, seed }, origin));
    }
    if let Some((file, origin)) = path(layers, Field::Creds, |l| &l.creds) {
        let contents = read_creds(&file).map_err(|m| origin.error(m))?;
        chosen.push((Credential::Creds { file, contents }, origin));
    }
    match chosen.as_slice() {
        [] => Ok(Credential::None),
        [(only, _)] => Ok(only.clone()),
        [(first, first_at), (second, second_at), ..] => Err(second_at.error(format!(
            "sets a {} while {} sets a {}; give one credential",
            second.kind(),
            first_at.describe(),
            first.kind()
        ))),
    }
}

fn tls(layers: &[(Source<'_>, &Layer)]) -> Result<TlsFiles, ConfigError> {
    let ca = path(layers, Field::Ca, |l| &l.ca);
    let cert = path(layers, Field::Cert, |l| &l.cert);
    let key = path(layers, Field::Key, |l| &l.key);
    match (&cert, &key) {
        (Some((_, origin)), None) => {
            return Err(origin.error(format!(
                "a client certificate needs its key ({} or {})",
                Field::Key.flag(),
                Field::Key.file_key()
            )));
        }
        (None, Some((_, origin))) => {
            return Err(origin.error(format!(
                "a client key needs its certificate ({} or {})",
                Field::Cert.flag(),
                Field::Cert.file_key()
            )));
        }
        _ => {}
    }
    let load = |entry: Option<(PathBuf, Origin<'_>)>, check: fn(&[u8]) -> Result<(), String>| {
        entry
            .map(|(path, origin)| read_pem(path, check).map_err(|m| origin.error(m)))
            .transpose()
    };
    Ok(TlsFiles {
        ca: load(ca, check_certificates)?,
        cert: load(cert, check_certificates)?,
        key: load(key, check_private_key)?,
    })
}

/// Whether TLS starts before the server's INFO, from the highest layer that says.
fn tls_first(layers: &[(Source<'_>, &Layer)]) -> bool {
    top(layers, Field::TlsFirst, |l| &l.tls_first, |_| false).is_some_and(|(first, _)| first)
}

/// The reply subject prefix: a concrete subject (no wildcards), as replies are published to it.
fn inbox_prefix(layers: &[(Source<'_>, &Layer)]) -> Result<Option<String>, ConfigError> {
    let Some((prefix, origin)) = text(layers, Field::InboxPrefix, |l| &l.inbox_prefix) else {
        return Ok(None);
    };
    crate::model::rules::publish_subject(&prefix)
        .map_err(|m| origin.error(format!("not an inbox prefix: {m}")))?;
    Ok(Some(prefix))
}

/// The JetStream domain: one subject token, as it stands in `$JS.<domain>.API`.
fn jetstream_domain(layers: &[(Source<'_>, &Layer)]) -> Result<Option<String>, ConfigError> {
    let Some((domain, origin)) = text(layers, Field::JetStreamDomain, |l| &l.jetstream_domain)
    else {
        return Ok(None);
    };
    let token = crate::model::rules::publish_subject(&domain).and_then(|()| {
        if domain.contains('.') {
            Err(format!(
                "'{domain}' holds a '.'; a domain is one subject token"
            ))
        } else {
            Ok(())
        }
    });
    token.map_err(|m| origin.error(format!("not a JetStream domain: {m}")))?;
    Ok(Some(domain))
}

/// The main connection's credential and TLS files: flags and variables over the context over
/// the config file.
pub fn resolve(
    args: &SecurityArgs,
    context: Option<&Context>,
    file: &NatsClientFile,
    file_name: &str,
) -> Result<ClientSecurity, ConfigError> {
    let flags = Layer::of_args(args);
    let from_context = context.map(Layer::of_context);
    let from_file = Layer::of_file(file);
    let mut layers = vec![(Source::Flags, &flags)];
    if let (Some(context), Some(layer)) = (context, &from_context) {
        layers.push((Source::Context(&context.file), layer));
    }
    layers.push((Source::File(file_name), &from_file));
    Ok(ClientSecurity {
        context: context.map(|c| c.path.clone()),
        credential: credential(&layers)?,
        tls: tls(&layers)?,
        tls_first: tls_first(&layers),
        inbox_prefix: inbox_prefix(&layers)?,
        jetstream_domain: jetstream_domain(&layers)?,
    })
}

/// The system-account connection, when any `--system-*` setting asks for one. Its URL is
/// `--system-url`, else its context's, else the main NATS URL; its credential is
/// `--system-creds` over its context's (or what its URL carries); its TLS files are its
/// context's when that names any, else the main connection's (one cluster, one CA).
pub fn resolve_system(
    args: &SecurityArgs,
    main: &ClientSecurity,
    nats_url: &str,
) -> Result<Option<SystemConnection>, ConfigError> {
    // An empty variable counts as unset, as everywhere in these layers.
    let system_url = args.system_url.clone().filter(|u| !u.trim().is_empty());
    let system_creds = args
        .system_creds
        .clone()
        .filter(|p| !p.as_os_str().is_empty());
    let system_context = args.system_context.clone().filter(|n| !n.is_empty());
    if system_url.is_none() && system_creds.is_none() && system_context.is_none() {
        return Ok(None);
    }
    let context = match &system_context {
        Some(name) => Some(context::load(
            name,
            Origin::Flag("--system-context / NATS_SYSTEM_CONTEXT"),
        )?),
        None => None,
    };
    let flags = Layer {
        creds: system_creds,
        ..Layer::default()
    };
    let from_context = context.as_ref().map(Layer::of_context);
    let mut layers = vec![(Source::SystemFlags, &flags)];
    if let (Some(context), Some(layer)) = (&context, &from_context) {
        layers.push((Source::Context(&context.file), layer));
    }
    let flag_at = Origin::Flag("--system-url / NATS_SYSTEM_URL");
    let (url, url_at) = match &context {
        Some(context) => first_set(
            (system_url, flag_at),
            (
                context.url.clone(),
                Origin::Context {
                    file: &context.file,
                    key: "url",
                },
            ),
        ),
        None => (system_url, flag_at),
    };
    // The main URL's own credentials belong to the main user, not the system user.
    let url = url.unwrap_or_else(|| without_credentials(nats_url));
    super::nats_host(&url).map_err(|m| url_at.error(m))?;
    let (tls, tls_first) = match &from_context {
        Some(layer) if layer.sets_tls() => (tls(&layers)?, self::tls_first(&layers)),
        _ => (main.tls.clone(), main.tls_first),
    };
    // Replies to `$SYS` pings come back on the system user's inbox: its context's prefix, or
    // the main one's (one deployment, one naming scheme). No JetStream on this connection.
    let inbox_prefix = match from_context.as_ref().and_then(|l| l.inbox_prefix.as_ref()) {
        Some(_) => self::inbox_prefix(&layers)?,
        None => main.inbox_prefix.clone(),
    };
    let security = ClientSecurity {
        context: context.as_ref().map(|c| c.path.clone()),
        credential: credential(&layers)?,
        tls,
        tls_first,
        inbox_prefix,
        jetstream_domain: None,
    };
    check_url_credentials(&url, &security.credential, url_at)?;
    Ok(Some(SystemConnection { url, security }))
}

/// Credentials written into a URL and configured ones would both be sent; refuse the mix.
pub fn check_url_credentials(
    urls: &str,
    credential: &Credential,
    url_at: Origin<'_>,
) -> Result<(), ConfigError> {
    let in_url = urls
        .split(',')
        .any(|url| reqwest::Url::parse(url.trim()).is_ok_and(|u| !u.username().is_empty()));
    if in_url && *credential != Credential::None {
        return Err(url_at.error(format!(
            "'{}' carries credentials, and a {} is configured too; give one credential",
            crate::nats::redact(urls),
            credential.kind()
        )));
    }
    Ok(())
}

/// `urls` with any user, password or token taken out.
fn without_credentials(urls: &str) -> String {
    urls.split(',')
        .map(|url| match reqwest::Url::parse(url.trim()) {
            Ok(mut parsed) if !parsed.username().is_empty() => {
                let _ = parsed.set_password(None);
                let _ = parsed.set_username("");
                parsed.to_string().trim_end_matches('/').to_owned()
            }
            _ => url.trim().to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn read_text(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The user seed in an NKey seed file: the file as `nsc` writes it (a bare seed), or with the
/// `-----BEGIN USER NKEY SEED-----` decoration.
fn read_seed(path: &std::path::Path) -> Result<Secret, String> {
    let text = read_text(path)?;
    let shown = path.display();
    let seed = text
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with('S') && !line.contains(' '))
        .ok_or_else(|| format!("{shown} holds no NKey seed (a line starting with SU)"))?;
    let pair = nkeys::KeyPair::from_seed(seed)
        .map_err(|e| format!("{shown} holds no valid NKey seed: {e}"))?;
    if pair.key_pair_type() != nkeys::KeyPairType::User {
        return Err(format!(
            "{shown} holds a {:?} seed; a client signs in with a user seed (SU…)",
            pair.key_pair_type()
        ));
    }
    Ok(Secret::new(seed))
}

/// A `.creds` file, checked by the same parser the client uses to sign in.
fn read_creds(path: &std::path::Path) -> Result<Secret, String> {
    let text = read_text(path)?;
    async_nats::ConnectOptions::new()
        .credentials(&text)
        .map_err(|e| {
            format!(
                "{} is not a usable credentials file (a user JWT and NKey seed): {e}",
                path.display()
            )
        })?;
    Ok(Secret::new(text))
}

fn read_pem(path: PathBuf, check: fn(&[u8]) -> Result<(), String>) -> Result<SecretFile, String> {
    let text = read_text(&path)?;
    check(text.as_bytes()).map_err(|m| format!("{}: {m}", path.display()))?;
    Ok(SecretFile {
        path,
        contents: Secret::new(text),
    })
}

fn check_certificates(pem: &[u8]) -> Result<(), String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("unreadable PEM: {e}"))?;
    if certs.is_empty() {
        return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned());
    }
    Ok(())
}

fn check_private_key(pem: &[u8]) -> Result<(), String> {
    PrivateKeyDer::from_pem_slice(pem)
        .map(|_| ())
        .map_err(|e| format!("holds no PEM private key: {e}"))
}
