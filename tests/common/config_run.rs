//! Helpers for the configuration tests: bounded runs of the binary (usually `message-broker
//! config`) in a sandbox with its own HOME and XDG_CONFIG_HOME and none of the configuration
//! environment variables, and a way to write a `services.message-broker` section.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub use super::service::BIN;

/// Every variable the binary reads its settings from: the service's, plus the server binary
/// (which `message-broker config` reports).
pub fn config_vars() -> impl Iterator<Item = &'static str> {
    super::service::CONFIG_VARS
        .iter()
        .copied()
        .chain(["NATS_SERVER_BIN"])
}

/// How long one `message-broker config` run may take before the test gives up on it.
pub const RUN_LIMIT: Duration = Duration::from_secs(30);

/// The result of one bounded run.
#[derive(Debug)]
pub struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.code
    }

    pub fn stdout(&self) -> &str {
        &self.stdout
    }

    pub fn stderr(&self) -> &str {
        &self.stderr
    }

    /// The printed settings of a successful `config` run.
    #[track_caller]
    pub fn json(&self) -> Value {
        assert_eq!(self.code, Some(0), "run failed: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("config output is not JSON ({e}): {}", self.stdout))
    }

    /// A configuration failure: exit code 2, nothing on stdout, no panic; returns stderr.
    #[track_caller]
    pub fn config_error(&self) -> &str {
        assert_eq!(self.code, Some(2), "expected exit code 2: {self:?}");
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        assert!(
            !self.stderr.contains("RUST_BACKTRACE"),
            "panic: {}",
            self.stderr
        );
        assert!(self.stdout.trim().is_empty(), "stdout: {}", self.stdout);
        assert!(!self.stderr.trim().is_empty(), "no message on stderr");
        &self.stderr
    }
}

/// A private HOME / XDG_CONFIG_HOME and a place for config files.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home dir");
        std::fs::create_dir_all(dir.path().join("xdg")).expect("xdg dir");
        Sandbox { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn home(&self) -> PathBuf {
        self.path("home")
    }

    pub fn xdg(&self) -> PathBuf {
        self.path("xdg")
    }

    /// Writes `text` to `name` (relative to the sandbox), creating directories.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// The binary with a clean environment: none of the config variables, HOME and
    /// XDG_CONFIG_HOME inside the sandbox.
    pub fn command(&self) -> Command {
        let mut command = Command::new(BIN);
        for var in config_vars() {
            command.env_remove(var);
        }
        command
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.xdg())
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        command
    }

    /// Runs `command` to completion (bounded), capturing its output through files.
    pub fn run_command(&self, mut command: Command) -> Run {
        let out_path = self.path(&format!("stdout-{}", unique()));
        let err_path = self.path(&format!("stderr-{}", unique()));
        command
            .stdout(File::create(&out_path).expect("stdout file"))
            .stderr(File::create(&err_path).expect("stderr file"));
        let mut child = command.spawn().expect("run message-broker");
        let deadline = Instant::now() + RUN_LIMIT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("message-broker did not finish within {RUN_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Run {
            code: status.code(),
            stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        }
    }

    /// `message-broker <args>` with extra environment variables.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command();
        command.args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        self.run_command(command)
    }

    /// `message-broker config --config <file>` for a file holding `text`.
    pub fn config_of(&self, text: &str) -> (PathBuf, Run) {
        let file = self.write(&format!("conf-{}.yaml", unique()), text);
        let run = self.run(
            &["config", "--config", file.to_str().expect("utf-8 path")],
            &[],
        );
        (file, run)
    }
}

pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

pub fn service(body: &str) -> String {
    let mut text = String::from("services:\n  message-broker:\n");
    for line in body.lines() {
        text.push_str("    ");
        text.push_str(line);
        text.push('\n');
    }
    text
}
