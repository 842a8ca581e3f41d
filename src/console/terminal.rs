//! The terminal while the console owns it: raw mode on the alternate screen. It is given back
//! when the guard is dropped (quit, an error, or unwinding from a panic in the loop), and by the
//! panic hook for a panic on any other thread, at the moment it happens so its message is
//! readable. The hook does not end the process: it cancels a token the loop watches, and the
//! loop then stops drawing and shuts down in order (the hosted API still answers the request
//! that panicked, the supervised server is still stopped cleanly).

use std::io::{self, Stdout, stdout};
use std::panic;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio_util::sync::CancellationToken;

pub struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    /// Whether the terminal is still ours to give back: whoever swaps it to `false` first (the
    /// guard's `Drop` or the panic hook) restores it, once.
    owned: Arc<AtomicBool>,
}

impl TerminalGuard {
    /// Takes the terminal over. From now on a panic anywhere in the process gives it back and
    /// cancels `panicked`.
    pub fn enter(panicked: CancellationToken) -> io::Result<TerminalGuard> {
        let owned = Arc::new(AtomicBool::new(true));
        install_panic_hook(owned.clone(), panicked);
        let taken = enable_raw_mode()
            .and_then(|()| execute!(stdout(), EnterAlternateScreen))
            .and_then(|()| Terminal::new(CrosstermBackend::new(stdout())));
        match taken {
            Ok(terminal) => Ok(TerminalGuard { terminal, owned }),
            Err(err) => {
                // Half taken over: give back what was.
                give_back(&owned);
                Err(err)
            }
        }
    }

    pub fn terminal(&mut self) -> &mut Terminal<CrosstermBackend<Stdout>> {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        give_back(&self.owned);
    }
}

/// Leaves raw mode and the alternate screen, if nobody has yet.
fn give_back(owned: &AtomicBool) {
    if owned.swap(false, Ordering::SeqCst) {
        ratatui::restore();
    }
}

/// Chains a hook before the one installed now (the default prints the message): the token is
/// cancelled first so the loop draws no more, then the terminal is given back, then the
/// message is printed on the normal screen.
fn install_panic_hook(owned: Arc<AtomicBool>, panicked: CancellationToken) {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        panicked.cancel();
        give_back(&owned);
        previous(info);
    }));
}
