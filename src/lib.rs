//! message-broker: a terminal operations console and headless REST service for NATS JetStream.
#![forbid(unsafe_code)]

pub mod api;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod logging;
pub mod metrics;
pub mod monitor;
pub mod nats;
pub mod serve;
pub mod status;
pub mod supervisor;
pub mod timestamp;

pub use message_broker_model as model;
