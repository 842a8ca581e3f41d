//! The message-broker console without its I/O: the data model the samplers fill, the state the
//! keys drive, keymaps and themes, and the pure functions that draw it all. The binary crate owns
//! the terminal, the network and the clock; everything here is testable on a `TestBackend`.
#![forbid(unsafe_code)]

pub mod spec;
pub mod validate;
