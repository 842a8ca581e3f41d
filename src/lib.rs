//! message-broker: a terminal operations console and headless REST service for NATS JetStream.
#![forbid(unsafe_code)]

pub mod api;
pub mod cli;
pub mod config;
pub mod console;
pub mod envelope;
pub mod error;
pub mod logging;
pub mod monitor;
pub mod nats;
pub mod serve;
pub mod stream_spec;
pub mod supervisor;
pub use message_broker_ui::validate;
