//! The README's curl examples run top to bottom as written: every `bash` block of the README made
//! only of `curl` commands against `localhost:8086` is run, in order, with real curl against the
//! built service (its port put in for 8086), and every request must succeed.

mod common;

use std::path::Path;
use std::process::Command;

use common::NatsServer;
use common::service::Service;

/// The README's curl-only bash blocks that talk to the service, in order.
fn curl_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```bash") => current = Some(String::new()),
            (Some(block), "```") => {
                let commands = block
                    .lines()
                    .filter(|l| !l.starts_with(' ') && !l.trim().is_empty() && !l.starts_with('#'));
                let only_curl = commands.clone().all(|l| l.starts_with("curl "));
                if only_curl && block.contains("localhost:8086") {
                    blocks.push(block.clone());
                }
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn the_readme_curl_examples_run_top_to_bottom() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let blocks = curl_blocks(&readme);
    assert!(
        blocks.len() >= 3,
        "expected the quick start, streams and messages examples: {blocks:?}"
    );
    let nats = NatsServer::start();
    let service = Service::start_against(&nats, &[]);
    let base = format!("http://127.0.0.1:{}", service.port);
    for block in blocks {
        let script = format!(
            "set -euo pipefail\n\
             curl() {{ command curl --silent --show-error --fail-with-body --max-time 10 \"$@\"; echo; }}\n{}",
            block.replace("http://localhost:8086", &base)
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("run bash");
        assert!(
            out.status.success(),
            "README block failed:\n{block}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The messages examples read back what they published, and the clean-up removed the stream.
    let streams = String::from_utf8(
        Command::new("curl")
            .args(["--silent", &format!("{base}/api/v1/broker/streams")])
            .output()
            .expect("curl")
            .stdout,
    )
    .unwrap();
    assert!(streams.contains("\"test_stream\""), "{streams}");
    assert!(!streams.contains("\"market_data\""), "{streams}");
    assert!(streams.contains("\"message\":\"1 stream\""), "{streams}");
}
