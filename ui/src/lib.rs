//! The message-broker console without its I/O: the data model the samplers fill, the state the
//! keys drive, keymaps and themes, and the pure functions that draw it all. The binary crate owns
//! the terminal, the network and the clock; everything here is testable on a `TestBackend`.
//!
//! The naming rules and the stream definition its forms validate against are the service's own,
//! from `message-broker-model`.
#![forbid(unsafe_code)]

pub mod command;
pub mod command_line;
pub mod keymap;
pub mod model;
pub mod state;
mod text;
pub mod theme;
pub mod view;
