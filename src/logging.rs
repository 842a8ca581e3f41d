//! Logs: JSON lines with the spec's fields (`timestamp`, `level`, `logger`, `message`, `service`,
//! then the event's structured fields), on stdout and optionally a daily-rotated file written by a
//! background thread.

use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::timestamp::now_timestamp;

pub const SERVICE: &str = "message-broker";

/// One JSON object per event.
pub struct JsonLines;

struct FieldVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().to_owned(), value.to_string().into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), format!("{value:?}").into());
    }
}

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Map::new();
        event.record(&mut FieldVisitor(&mut fields));
        let metadata = event.metadata();
        let mut line = Map::new();
        line.insert("timestamp".into(), now_timestamp().into());
        line.insert("level".into(), metadata.level().as_str().into());
        // The spec's logger is the service's name; the module is kept beside it. Events of other
        // origins (the supervised server's output, libraries) keep their own target as logger.
        let target = metadata.target();
        let ours = target
            .strip_prefix("message_broker")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"));
        line.insert("logger".into(), if ours { SERVICE } else { target }.into());
        line.insert(
            "message".into(),
            fields
                .remove("message")
                .unwrap_or(Value::String(String::new())),
        );
        line.insert("service".into(), SERVICE.into());
        if ours {
            line.insert("module".into(), target.into());
        }
        line.extend(fields);
        writeln!(writer, "{}", Value::Object(line))
    }
}

fn filter(level: &str) -> EnvFilter {
    // A plain level also quiets the libraries' chatter below warnings; a full directive is the
    // operator's own choice and used as given.
    let directive = if level.contains('=') || level.contains(',') {
        level.to_owned()
    } else {
        format!("{level},async_nats=warn,hyper=warn,reqwest=warn")
    };
    EnvFilter::try_new(directive).unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Installs JSON logging to stdout and, when given, to `log_file` (rotated daily). Keep the
/// returned guard alive until exit so buffered lines are flushed.
pub fn init_json(level: &str, log_file: Option<&Path>) -> std::io::Result<Option<WorkerGuard>> {
    init(level, log_file, true)
}

/// Logging for the console: only to `log_file`, never over the UI.
pub fn init_file(level: &str, log_file: &Path) -> std::io::Result<Option<WorkerGuard>> {
    init(level, Some(log_file), false)
}

fn init(
    level: &str,
    log_file: Option<&Path>,
    to_stdout: bool,
) -> std::io::Result<Option<WorkerGuard>> {
    let stdout = to_stdout.then(|| {
        tracing_subscriber::fmt::layer()
            .event_format(JsonLines)
            .with_writer(std::io::stdout)
    });
    let (file_layer, guard) = match log_file {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "message-broker.log".to_owned());
            let appender = tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix(name)
                .build(dir)
                .map_err(std::io::Error::other)?;
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .event_format(JsonLines)
                .with_writer(writer)
                .with_ansi(false);
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(filter(level))
        .with(stdout)
        .with(file_layer)
        .try_init()
        .map_err(std::io::Error::other)?;
    Ok(guard)
}
