//! How many bytes a second the console writes to its terminal while nothing changes: what an idle
//! console costs a user on a slow SSH link. The real binary runs in a pseudo-terminal against a
//! nats-server on loopback. Bounded: each row settles for 2 s and is measured for 5 s.
//! Run with `cargo bench --bench console_output`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::NatsServer;
use common::pty::Console;

const SETTLE: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(5);
/// A full repaint of 120x40 every second is roughly 5-10 KB/s; redrawing only what changed must
/// stay well below that.
const BUDGET: f64 = 4_000.0;

fn main() {
    let server = NatsServer::start();
    println!(
        "idle console, {}s measured per row after {}s to settle, loopback",
        MEASURE.as_secs(),
        SETTLE.as_secs()
    );
    println!(
        "{:<10} {:>9} {:>10}  budget {BUDGET:.0} bytes/s",
        "terminal", "refresh", "bytes/s"
    );
    for (cols, rows, refresh) in [(120, 40, "1"), (120, 40, "0.5"), (80, 24, "1")] {
        let console = Console::on_server(&server, cols, rows, &["--refresh", refresh]);
        console.wait_state("connected", Duration::from_secs(20));
        // The first samples fill the panes; what is measured is the steady state after them.
        std::thread::sleep(SETTLE);
        let before = console.byte_count();
        let started = Instant::now();
        std::thread::sleep(MEASURE);
        let rate = (console.byte_count() - before) as f64 / started.elapsed().as_secs_f64();
        let verdict = if rate < BUDGET { "" } else { "  over budget" };
        println!(
            "{:<10} {:>8}s {rate:>10.0}{verdict}",
            format!("{cols}x{rows}"),
            refresh
        );
    }
}
