//! Bounded waits: a condition is checked again and again until it holds or the time is up, and
//! then the panic says what was awaited and what was seen last.
//!
//! A check answers `Ok(value)` to end the wait (the value is returned) or `Err(seen)` with what
//! it saw instead, for the message should the wait time out.

use std::fmt::Display;
use std::time::{Duration, Instant};

/// Pause between checks of in-process state (a flag, a counter): cheap, so often.
const QUICK: Duration = Duration::from_millis(20);
/// Pause between checks that cost a request or a screen parse.
const SLOW: Duration = Duration::from_millis(100);

/// The end of one wait.
struct Deadline<'a> {
    what: &'a str,
    limit: Duration,
    at: Instant,
}

impl<'a> Deadline<'a> {
    fn new(what: &'a str, limit: Duration) -> Self {
        Deadline {
            what,
            limit,
            at: Instant::now() + limit,
        }
    }

    /// Panics if the time is up, with `seen` as the last thing the check saw.
    fn check(&self, seen: impl Display) {
        if Instant::now() >= self.at {
            panic!(
                "timed out after {:?} waiting for {}; last seen: {seen}",
                self.limit, self.what
            );
        }
    }
}

/// Waits until `check` holds; panics naming `what` after `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Deadline::new(what, limit);
    while !check() {
        deadline.check("false");
        tokio::time::sleep(QUICK).await;
    }
}

/// Waits until the async `check` answers `Ok`, and returns its value; panics naming `what` and
/// the last `Err` after `limit`.
pub async fn wait_for<T, S: Display>(
    what: &str,
    limit: Duration,
    mut check: impl AsyncFnMut() -> Result<T, S>,
) -> T {
    let deadline = Deadline::new(what, limit);
    loop {
        match check().await {
            Ok(value) => return value,
            Err(seen) => deadline.check(seen),
        }
        tokio::time::sleep(SLOW).await;
    }
}

/// [`wait_until`] for a test without a runtime: the thread sleeps between checks.
pub fn wait_until_blocking(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Deadline::new(what, limit);
    while !check() {
        deadline.check("false");
        std::thread::sleep(QUICK);
    }
}

/// [`wait_for`] for a test without a runtime: the thread sleeps between checks.
pub fn wait_for_blocking<T, S: Display>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> Result<T, S>,
) -> T {
    let deadline = Deadline::new(what, limit);
    loop {
        match check() {
            Ok(value) => return value,
            Err(seen) => deadline.check(seen),
        }
        std::thread::sleep(SLOW);
    }
}
