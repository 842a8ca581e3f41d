//! The real binary in a pseudo-terminal: keys are written to it, and what it draws is parsed by
//! a terminal emulator so tests can read the screen back.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use super::service::{BIN, CONFIG_VARS};
use super::{NatsServer, wait_for_blocking};

pub struct Console {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<Vec<u8>>>,
    pub rows: u16,
    pub cols: u16,
    pub home: tempfile::TempDir,
}

impl Console {
    /// Starts `message-broker ARGS` in a `cols`x`rows` terminal with `env`, and a fresh HOME.
    pub fn start(cols: u16, rows: u16, args: &[&str], env: &[(&str, &str)]) -> Console {
        let home = tempfile::tempdir().expect("temp home");
        Console::start_in(home, cols, rows, args, env)
    }

    /// `message-broker --no-supervise` against the harness's `server` (its client and monitoring
    /// URLs, a 2 s timeout), redrawing every 0.5 s unless `extra` sets `--refresh`.
    pub fn on_server(server: &NatsServer, cols: u16, rows: u16, extra: &[&str]) -> Console {
        let mut args = vec!["--no-supervise"];
        if !extra.contains(&"--refresh") {
            args.extend(["--refresh", "0.5"]);
        }
        args.extend_from_slice(extra);
        Console::start(
            cols,
            rows,
            &args,
            &[
                ("NATS_URL", &server.url()),
                ("NATS_MONITOR_URL", &server.monitor_url()),
                ("NATS_TIMEOUT", "2"),
            ],
        )
    }

    /// The same with a prepared HOME (its `config/` is XDG_CONFIG_HOME).
    pub fn start_in(
        home: tempfile::TempDir,
        cols: u16,
        rows: u16,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Console {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut command = CommandBuilder::new(BIN);
        command.args(args);
        for var in CONFIG_VARS {
            command.env_remove(var);
        }
        command.env("HOME", home.path());
        command.env("XDG_CONFIG_HOME", home.path().join("config"));
        command.env("XDG_STATE_HOME", home.path().join("state"));
        command.env("XDG_DATA_HOME", home.path().join("data"));
        command.env("TERM", "xterm-256color");
        command.env_remove("NO_COLOR");
        for (key, value) in env {
            command.env(key, value);
        }
        command.cwd(home.path());
        let child = pty.slave.spawn_command(command).expect("spawn in pty");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = pty.master.take_writer().expect("pty writer");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Console {
            child,
            master: pty.master,
            writer,
            output,
            rows,
            cols,
            home,
        }
    }

    /// Everything written to the terminal so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    pub fn byte_count(&self) -> usize {
        self.output.lock().unwrap().len()
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        self.screen_since(0)
    }

    /// Waits until the screen satisfies `check`; panics with the screen after `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, check: impl Fn(&str) -> bool) -> String {
        self.wait_for_since(0, what, limit, check)
    }

    /// The same for what was written since `offset` bytes (see [`Console::screen_since`]).
    pub fn wait_for_since(
        &self,
        offset: usize,
        what: &str,
        limit: Duration,
        check: impl Fn(&str) -> bool,
    ) -> String {
        wait_for_blocking(what, limit, || {
            let screen = self.screen_since(offset);
            if check(&screen) {
                Ok(screen)
            } else {
                Err(format!("the screen:\n{screen}"))
            }
        })
    }

    pub fn wait_text(&self, text: &str, limit: Duration) -> String {
        self.wait_for(&format!("'{text}'"), limit, |s| s.contains(text))
    }

    /// Waits until the header shows the connection state `state`, the whole word: "connected"
    /// never matches "disconnected" or "reconnecting".
    pub fn wait_state(&self, state: &str, limit: Duration) -> String {
        self.wait_for(&format!("the header to show '● {state}'"), limit, |s| {
            header_state(s) == Some(state)
        })
    }

    pub fn send(&mut self, keys: &str) {
        self.press(keys);
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Sends keys without waiting for the console to take them (for timing how long it takes).
    pub fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    /// Resizes the terminal, as a user dragging the window does; the screen is then read at the
    /// new size.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
        self.cols = cols;
        self.rows = rows;
    }

    /// Everything written since `offset` bytes, parsed on a fresh screen of the current size.
    pub fn screen_since(&self, offset: usize) -> String {
        let bytes = self.bytes();
        render(&bytes[offset.min(bytes.len())..], self.rows, self.cols)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Waits for the process to exit; its exit code.
    pub fn wait_exit(&mut self, limit: Duration) -> u32 {
        wait_for_blocking("the console to exit", limit, || {
            match self.child.try_wait().expect("poll the console") {
                Some(status) => Ok(status.exit_code()),
                None => Err(format!(
                    "still running; the screen:\n{}",
                    render(&self.output.lock().unwrap(), self.rows, self.cols)
                )),
            }
        })
    }
}

/// `bytes` played on a fresh `cols`x`rows` terminal: the screen as text, one line per row.
fn render(bytes: &[u8], rows: u16, cols: u16) -> String {
    let mut parser = vt100::Parser::new(rows, cols, 0);
    parser.process(bytes);
    parser.screen().contents()
}

/// The connection state the header draws after its `●` marker ("connected", "reconnecting", …),
/// or `None` while it has none.
pub fn header_state(screen: &str) -> Option<&str> {
    let header = screen.lines().next()?;
    let (_, after) = header.split_once("● ")?;
    after.split_whitespace().next()
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
