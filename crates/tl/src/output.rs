//! Printing: human lines or JSON, and a quiet exit on a closed pipe (`tl status | head`).

use std::io::Write;

/// Where a command's output goes, and in which form.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    /// Print JSON instead of text.
    pub json: bool,
}

impl Output {
    /// One line of human output.
    pub fn line(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{text}").is_err() {
            // The reader went away (a closed pipe): nothing left to say to anyone.
            std::process::exit(0);
        }
    }

    /// A value as pretty JSON.
    pub fn json_value<T: serde::Serialize>(&self, value: &T) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(value)?;
        self.line(&text);
        Ok(())
    }
}
