#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use message_broker::cli::{Cli, Command, ConsoleArgs};
use message_broker::commands::{doctor, generate, health};
use message_broker::config::Settings;
use message_broker::{console, logging, serve};

/// jemalloc rather than glibc's malloc: under load the service's many small, short-lived
/// allocations (one set per request, freed on another thread) made glibc's arena locks and
/// `malloc_consolidate` the top of the profile; jemalloc's per-thread caches take them without
/// locking and return freed memory to the system. Measured in BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Exit status for a configuration the program cannot run with.
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let note = env_source(&err);
            let _ = err.print();
            if let Some(note) = note {
                eprintln!("{note}");
            }
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(EXIT_CONFIG));
        }
    };
    // Generated from the flags alone: no configuration needed (nor checked).
    match &cli.command {
        Some(Command::Completions { shell }) => {
            generate::completions(*shell, &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        Some(Command::Man) => {
            return match generate::man_page(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("message-broker: cannot write the man page: {err}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    let settings = match Settings::load(&cli.settings) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("message-broker: configuration error: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match (&cli.command, cli.serve) {
        (Some(Command::Config), _) => print_config(&settings),
        (Some(Command::Doctor), _) => run_doctor(&settings),
        (Some(Command::Health { url, timeout }), _) => {
            run_health(&settings, url.as_deref(), *timeout)
        }
        (Some(Command::Completions { .. } | Command::Man), _) => ExitCode::SUCCESS,
        (None, true) => run_serve(settings),
        (None, false) => run_console(settings, cli.console),
    }
}

/// Runs a one-shot command's work on a small runtime; `None` (said on stderr) if there is none.
fn run_once<T>(work: impl std::future::Future<Output = T>) -> Option<T> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime.block_on(work)),
        Err(err) => {
            eprintln!("message-broker: cannot start the async runtime: {err}");
            None
        }
    }
}

/// Every check printed; exit 0 when none failed, 1 otherwise.
fn run_doctor(settings: &Settings) -> ExitCode {
    let Some(checks) = run_once(doctor::run(settings)) else {
        return ExitCode::FAILURE;
    };
    print!("{}", doctor::render(&checks));
    if doctor::all_passed(&checks) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Exit 0 when the service answers healthy, 1 otherwise; 2 for a URL or timeout that cannot be
/// used.
fn run_health(settings: &Settings, url: Option<&str>, timeout: f64) -> ExitCode {
    let url = match health::health_url(url, settings) {
        Ok(url) => url,
        Err(err) => {
            eprintln!("message-broker: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if !(timeout.is_finite() && timeout > 0.0 && timeout <= 3600.0) {
        eprintln!(
            "message-broker: --timeout: expected seconds above 0 and at most 3600, got {timeout}"
        );
        return ExitCode::from(EXIT_CONFIG);
    }
    let Some(health) = run_once(health::probe(
        &url,
        std::time::Duration::from_secs_f64(timeout),
    )) else {
        return ExitCode::FAILURE;
    };
    if health.is_healthy() {
        println!("{}", health.describe());
        ExitCode::SUCCESS
    } else {
        eprintln!("message-broker: unhealthy: {}", health.describe());
        ExitCode::FAILURE
    }
}

fn run_console(settings: Settings, args: ConsoleArgs) -> ExitCode {
    if let Err(err) = console::preflight(&args) {
        eprintln!("message-broker: {err}");
        return ExitCode::from(EXIT_CONFIG);
    }
    let log_file = settings
        .log_file
        .clone()
        .unwrap_or_else(message_broker::config::default_console_log);
    let _guard = match logging::init_file(&settings.log_level, &log_file) {
        Ok(guard) => guard,
        Err(err) => {
            eprintln!(
                "message-broker: cannot write the log file {}: {err}",
                log_file.display()
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    block_on(console::run(settings, args), "console stopped")
}

/// Runs a mode to completion on a new runtime; an error is logged and printed, exit 1.
fn block_on(mode: impl std::future::Future<Output = anyhow::Result<()>>, what: &str) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("message-broker: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "{what}");
            eprintln!("message-broker: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// When a rejected value came from an environment variable rather than the command line, clap's
/// message names only the flag; this says which variable to fix.
fn env_source(err: &clap::Error) -> Option<String> {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = arg.split_whitespace().next()?.trim_start_matches("--");
    let command = Cli::command();
    let flag = command
        .get_arguments()
        .find(|a| a.get_long() == Some(long))?;
    let var = flag.get_env()?.to_string_lossy().into_owned();
    let on_command_line =
        std::env::args().any(|a| a == format!("--{long}") || a.starts_with(&format!("--{long}=")));
    (!on_command_line && std::env::var_os(&var).is_some())
        .then(|| format!("The value came from the environment variable {var}."))
}

fn print_config(settings: &Settings) -> ExitCode {
    // Settings serialize secrets (passwords, tokens, key material, credentials in URLs) as `***`.
    match serde_json::to_string_pretty(settings) {
        Ok(text) => {
            use std::io::Write;
            // A closed pipe (`| head`) is the reader's choice, not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("message-broker: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run_serve(settings: Settings) -> ExitCode {
    let _guard = match logging::init_json(&settings.log_level, settings.log_file.as_deref()) {
        Ok(guard) => guard,
        Err(err) => {
            eprintln!("message-broker: cannot set up logging: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    block_on(serve::run(settings), "message broker stopped")
}
