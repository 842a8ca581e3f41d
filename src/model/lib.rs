//! What every part of message-broker agrees on, with no I/O: the NATS naming rules, the stream
//! definition users write and its validation, and the views of streams, messages and broker status
//! that the REST API serves and the console draws. The service (`src/`) and the console crate
//! (`ui/`) both depend on it, so each rule and each shape is written once.
#![forbid(unsafe_code)]

pub mod rules;
pub mod spec;
pub mod status;
pub mod stream;
pub mod units;
