//! Helpers shared by the test files of one topic: each topic's helpers are a submodule, and a
//! test file uses the ones it needs (so any one file leaves most of them unused).
#![allow(dead_code)]

pub mod keymap;
pub mod render;
pub mod theme;
