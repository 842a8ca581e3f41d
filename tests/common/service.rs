//! A `message-broker` child process for binary-level tests: its own temporary HOME, stdout and
//! stderr in files, killed on drop.

use std::fs::File;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::{NatsServer, free_port, http_status};

pub const BIN: &str = env!("CARGO_BIN_EXE_message-broker");

/// Every variable the binary reads its settings from; cleared for each run.
pub const CONFIG_VARS: &[&str] = &[
    "MESSAGE_BROKER_CONFIG",
    "ENVIRONMENT",
    "API_PORT",
    "API_HOST",
    "LOG_LEVEL",
    "LOG_FILE",
    "NATS_URL",
    "NATS_CLUSTER_PORT",
    "NATS_HTTP_PORT",
    "NATS_MONITOR_URL",
    "NATS_TIMEOUT",
    "NATS_CONTEXT",
    "NATS_USER",
    "NATS_PASSWORD",
    "NATS_TOKEN",
    "NATS_NKEY",
    "NATS_CREDS",
    "NATS_CA",
    "NATS_CERT",
    "NATS_KEY",
    "NATS_TLS_FIRST",
    "NATS_INBOX_PREFIX",
    "NATS_JS_DOMAIN",
    "NATS_SYSTEM_URL",
    "NATS_SYSTEM_CREDS",
    "NATS_SYSTEM_CONTEXT",
    "API_TOKEN",
    "API_TOKEN_FILE",
    "API_READ_TOKEN",
    "API_READ_TOKEN_FILE",
    "MESSAGE_BROKER_READ_ONLY",
    "NATS_PORT",
    "NATS_SERVER_HOST",
    "NATS_DATA_DIR",
    "NATS_SERVER_NAME",
    "NATS_CLUSTER_NAME",
    "NATS_ROUTES",
    "NATS_CLUSTER_ADVERTISE",
];

/// How long the service may take to start answering, or to exit once asked to.
pub const START_LIMIT: Duration = Duration::from_secs(20);
pub const EXIT_LIMIT: Duration = Duration::from_secs(10);

/// A `message-broker --serve` child on a free loopback port, killed on drop. Its stdout and
/// stderr go to files in its own temporary directory (which is also its HOME).
pub struct Service {
    pub child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Service {
    /// Starts the service with `env` and extra `args`, and waits until it answers `/health`.
    pub fn start(env: &[(&str, &str)], args: &[&str]) -> Service {
        let mut service = Service::spawn(free_port(), env, args);
        service.wait_listening();
        service
    }

    /// Starts the service against the harness's `nats` (its client and monitoring URLs) with
    /// `env` on top, and waits until it answers `/health`.
    pub fn start_against(nats: &NatsServer, env: &[(&str, &str)]) -> Service {
        let url = nats.url();
        let monitor = nats.monitor_url();
        let mut all = vec![
            ("NATS_URL", url.as_str()),
            ("NATS_MONITOR_URL", monitor.as_str()),
        ];
        all.extend_from_slice(env);
        Service::start(&all, &[])
    }

    /// Starts the service on `port` without waiting for it.
    pub fn spawn(port: u16, env: &[(&str, &str)], args: &[&str]) -> Service {
        Service::spawn_binary(BIN, port, env, args)
    }

    /// The same with another build of the binary (a bench compares with an earlier one).
    pub fn spawn_binary(bin: &str, port: u16, env: &[(&str, &str)], args: &[&str]) -> Service {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut command = Command::new(bin);
        for var in CONFIG_VARS {
            command.env_remove(var);
        }
        command
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
            .current_dir(dir.path())
            .args([
                "--serve",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .args(args)
            .stdin(Stdio::null())
            .stdout(File::create(dir.path().join("stdout")).expect("stdout file"))
            .stderr(File::create(dir.path().join("stderr")).expect("stderr file"));
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("start message-broker");
        Service {
            child: Some(child),
            port,
            dir,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout")).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr")).unwrap_or_default()
    }

    /// Exit status if the child has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().expect("try_wait"))
    }

    pub fn wait_listening(&mut self) {
        let deadline = Instant::now() + START_LIMIT;
        while Instant::now() < deadline {
            if http_status(self.port, "/health") == Some(200) {
                return;
            }
            if let Some(status) = self.exited() {
                panic!(
                    "the service exited ({status:?}) before answering\nstdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "the service did not answer /health on port {} within {START_LIMIT:?}\nstdout:\n{}\nstderr:\n{}",
            self.port,
            self.stdout(),
            self.stderr()
        );
    }

    /// Sends `signal` (TERM, INT) with kill(1).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {signal} failed");
    }

    /// Waits (bounded) for the child to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.exited() {
                return status;
            }
            if Instant::now() > deadline {
                panic!(
                    "the service did not exit within {limit:?}\nstdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Asks the service to stop with `signal` and checks it exits 0 promptly.
    pub fn stop_with(&mut self, signal: &str) -> Duration {
        self.signal(signal);
        let asked = Instant::now();
        let status = self.wait_exit(EXIT_LIMIT);
        assert_eq!(
            status.code(),
            Some(0),
            "exit after SIG{signal}: {status:?}\nstderr:\n{}",
            self.stderr()
        );
        asked.elapsed()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
