//! Shell completions and the man page, generated from the clap definitions so they list exactly
//! the flags the binary takes.

use std::io::{self, Write};

use clap::CommandFactory;
pub use clap_complete::Shell;

use crate::cli::Cli;

const NAME: &str = "message-broker";

pub fn completions(shell: Shell, out: &mut impl Write) {
    clap_complete::generate(shell, &mut Cli::command(), NAME, out);
}

/// The man page (roff), section 1.
pub fn man_page(out: &mut impl Write) -> io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_and_man_page_name_the_flags() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            completions(shell, &mut out);
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("nats-url"), "{shell}: {text}");
            assert!(text.contains("doctor"), "{shell}");
        }
        let mut out = Vec::new();
        man_page(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(".ie"), "{}", &text[..80.min(text.len())]);
        assert!(text.contains(".TH message-broker 1"), "{text}");
        assert!(text.contains("nats\\-url"), "{text}");
    }
}
