//! Secured nats-servers for the connection tests: certificates generated for each test (a CA, a
//! server certificate for 127.0.0.1 and localhost, a client certificate for mutual TLS), NKey
//! pairs, and operator-mode JWTs signed here the way `nsc` signs them.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nkeys::KeyPair;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyUsagePurpose,
};
use serde_json::{Value, json};

use super::{free_port, http_status, nats_server_binary, wait_for_blocking};

/// PEM files of a test CA, a server certificate it signed (127.0.0.1 and localhost) and a client
/// certificate it signed, written to `dir`.
pub struct Pki {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

impl Pki {
    pub fn generate(dir: &Path) -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "message-broker test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().expect("key"))
            .expect("CA certificate");
        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose, cn: &str| {
            let mut params = CertificateParams::new(names).expect("leaf params");
            params.distinguished_name.push(DnType::CommonName, cn);
            params.extended_key_usages = vec![usage];
            let key = rcgen::KeyPair::generate().expect("key");
            let cert = params.signed_by(&key, &ca).expect("leaf certificate");
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert, server_key) = leaf(
            vec!["127.0.0.1".into(), "localhost".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
            "nats-server",
        );
        let (client_cert, client_key) = leaf(
            vec!["client.test".into()],
            ExtendedKeyUsagePurpose::ClientAuth,
            "message-broker",
        );
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("write PEM");
            path
        };
        Pki {
            ca: write("ca.pem", &ca.pem()),
            server_cert: write("server-cert.pem", &server_cert),
            server_key: write("server-key.pem", &server_key),
            client_cert: write("client-cert.pem", &client_cert),
            client_key: write("client-key.pem", &client_key),
        }
    }

    /// The server's `tls` block; `verify` makes it require a client certificate.
    pub fn server_block(&self, verify: bool) -> String {
        format!(
            "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  ca_file: \"{}\"\n  verify: {verify}\n  timeout: 5\n}}\n",
            self.server_cert.display(),
            self.server_key.display(),
            self.ca.display(),
        )
    }
}

/// A nats-server run from a config file: loopback ports, JetStream in a temporary directory,
/// `body` appended. Killed on drop.
pub struct ConfServer {
    child: Option<Child>,
    pub port: u16,
    pub http_port: u16,
    pub dir: tempfile::TempDir,
    https: bool,
}

impl ConfServer {
    /// Monitoring over plain HTTP.
    pub fn start(body: &str) -> ConfServer {
        Self::launch(body, "", false)
    }

    /// Monitoring over HTTPS, with the certificate of the `tls` block in `body`.
    pub fn start_https(body: &str) -> ConfServer {
        Self::launch(body, "", true)
    }

    /// JetStream in the domain `domain` (`$JS.<domain>.API`).
    pub fn start_in_domain(domain: &str, body: &str) -> ConfServer {
        Self::launch(body, &format!(", domain: {domain}"), false)
    }

    fn launch(body: &str, jetstream: &str, https: bool) -> ConfServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let http_port = free_port();
        let conf = dir.path().join("server.conf");
        std::fs::write(
            &conf,
            format!(
                "listen: 127.0.0.1:{port}\n{}: 127.0.0.1:{http_port}\n\
                 jetstream {{ store_dir: \"{}\"{jetstream} }}\n{body}",
                if https { "https" } else { "http" },
                dir.path().join("js").display(),
            ),
        )
        .expect("write server config");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
        let child = Command::new(nats_server_binary())
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start nats-server");
        let server = ConfServer {
            child: Some(child),
            port,
            http_port,
            dir,
            https,
        };
        server.wait_ready();
        server
    }

    /// Ready once the monitoring port says JetStream is up; a server monitored over HTTPS is
    /// taken as ready once its client port accepts connections (it opens that port last).
    fn wait_ready(&self) {
        let what = format!("nats-server on port {} to be ready", self.port);
        wait_for_blocking(&what, Duration::from_secs(15), || {
            let ready = if self.https {
                TcpStream::connect_timeout(
                    &([127, 0, 0, 1], self.port).into(),
                    Duration::from_millis(200),
                )
                .is_ok()
            } else {
                http_status(self.http_port, "/healthz?js-enabled-only=true") == Some(200)
            };
            if ready {
                Ok(())
            } else {
                Err(format!("server log:\n{}", self.log()))
            }
        });
    }

    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn monitor_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.http_port)
    }

    /// What the server printed, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for ConfServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Writes a user NKey seed file as `nsc` does (the bare seed) and returns its path with the
/// public key the server config names.
pub fn user_nkey_file(dir: &Path, name: &str) -> (PathBuf, String) {
    let pair = KeyPair::new_user();
    let path = dir.join(name);
    std::fs::write(&path, format!("{}\n", pair.seed().expect("seed"))).expect("write seed");
    (path, pair.public_key())
}

/// An operator, its system account, one account with JetStream, and users of them: the server
/// config that trusts them and `.creds` files for users.
pub struct Operator {
    system: KeyPair,
    account: KeyPair,
    operator_jwt: String,
    system_jwt: String,
    account_jwt: String,
}

impl Operator {
    pub fn new() -> Operator {
        let operator = KeyPair::new_operator();
        let system = KeyPair::new_account();
        let account = KeyPair::new_account();
        let operator_jwt = sign(
            &operator,
            &operator.public_key(),
            "test-operator",
            json!({"type": "operator", "version": 2, "system_account": system.public_key()}),
        );
        let system_jwt = sign(
            &operator,
            &system.public_key(),
            "SYS",
            account_claims(json!({})),
        );
        // JetStream limits are what enable JetStream for an account.
        let account_jwt = sign(
            &operator,
            &account.public_key(),
            "APP",
            account_claims(
                json!({"mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1}),
            ),
        );
        Operator {
            system,
            account,
            operator_jwt,
            system_jwt,
            account_jwt,
        }
    }

    /// The server config lines of operator mode with both accounts preloaded.
    pub fn server_block(&self) -> String {
        format!(
            "operator: {}\nsystem_account: {}\nresolver: MEMORY\n\
             resolver_preload: {{\n  {}: {}\n  {}: {}\n}}\n",
            self.operator_jwt,
            self.system.public_key(),
            self.system.public_key(),
            self.system_jwt,
            self.account.public_key(),
            self.account_jwt
        )
    }

    /// A `.creds` file for a new user of the application account.
    pub fn user_creds(&self, dir: &Path, name: &str) -> PathBuf {
        self.creds_signed_by(&self.account, dir, name)
    }

    /// A `.creds` file for a new user of the system account.
    pub fn system_creds(&self, dir: &Path, name: &str) -> PathBuf {
        self.creds_signed_by(&self.system, dir, name)
    }

    /// A `.creds` file whose user JWT is signed by a key the server does not trust.
    pub fn forged_creds(&self, dir: &Path, name: &str) -> PathBuf {
        self.creds_signed_by(&KeyPair::new_account(), dir, name)
    }

    fn creds_signed_by(&self, issuer: &KeyPair, dir: &Path, name: &str) -> PathBuf {
        let user = KeyPair::new_user();
        let jwt = sign(
            issuer,
            &user.public_key(),
            name,
            json!({
                "type": "user", "version": 2, "pub": {}, "sub": {},
                "subs": -1, "data": -1, "payload": -1,
            }),
        );
        let path = dir.join(format!("{name}.creds"));
        let seed = user.seed().expect("seed");
        std::fs::write(
            &path,
            format!(
                "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
                 ************************* IMPORTANT *************************\n\
                 NKEY Seed printed below can be used to sign and prove identity.\n\n\
                 -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
            ),
        )
        .expect("write creds");
        path
    }
}

/// An account's `nats` claims with no limit on connections or traffic, plus `more` limits.
/// Omitted limits are zero, which would allow no connections at all.
fn account_claims(more: Value) -> Value {
    let mut limits = json!({
        "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
        "wildcards": true, "conn": -1, "leaf": -1,
    });
    if let (Some(limits), Some(more)) = (limits.as_object_mut(), more.as_object()) {
        limits.extend(more.clone());
    }
    json!({"type": "account", "version": 2, "limits": limits})
}

/// A NATS JWT: `base64url(header).base64url(claims).base64url(ed25519 signature)`, signed by
/// `issuer`.
fn sign(issuer: &KeyPair, subject: &str, name: &str, nats: Value) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let jti = format!(
        "TEST{}X{}",
        now,
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let header = json!({"typ": "JWT", "alg": "ed25519-nkey"});
    let claims = json!({
        "jti": jti,
        "iat": now,
        "iss": issuer.public_key(),
        "sub": subject,
        "name": name,
        "nats": nats,
    });
    let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let signing_input = format!("{}.{}", encode(&header), encode(&claims));
    let signature = issuer.sign(signing_input.as_bytes()).expect("sign JWT");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}
