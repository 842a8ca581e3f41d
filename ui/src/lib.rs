//! The message-broker console without its I/O: the data model the samplers fill, the state the
//! keys drive, keymaps and themes, and the pure functions that draw it all. The binary crate owns
//! the terminal, the network and the clock; everything here is testable on a `TestBackend`.
//!
//! It also holds the naming rules and the stream definition, which the console's forms and the
//! service's API and config loading all validate against.
#![forbid(unsafe_code)]

pub mod command;
pub mod keymap;
pub mod model;
pub mod spec;
pub mod state;
pub mod theme;
pub mod validate;
pub mod view;
