//! One-shot commands: `health` (a container's HEALTHCHECK), `doctor` (the troubleshooting list
//! run as checks), and the shell completions and man page generated from the flags.

pub mod doctor;
pub mod generate;
pub mod health;
