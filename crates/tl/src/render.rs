//! Human output of the read commands: colors on a terminal (plain when piped or with
//! `NO_COLOR`), lines cut to the terminal's width, times, durations, severity icons.

use std::io::IsTerminal;

use event::Timestamp;
use index::Severity;

/// How to draw: with or without color, how wide.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// ANSI colors on.
    pub color: bool,
    /// Columns available (lines are cut to this).
    pub width: usize,
}

impl Style {
    /// The style for stdout: colors and the real width on a terminal (unless `NO_COLOR` is set),
    /// plain and 120 columns (or `COLUMNS`) when piped.
    pub fn detect() -> Style {
        let tty = std::io::stdout().is_terminal();
        let color = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let from_env = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok());
        let width = if tty {
            terminal_size::terminal_size()
                .map(|(w, _)| usize::from(w.0))
                .or(from_env)
                .unwrap_or(100)
        } else {
            from_env.unwrap_or(120)
        };
        Style { color, width: width.clamp(40, 400) }
    }

    /// `text` in an SGR color (`"1"` bold, `"2"` dim, `"31"` red, …) when colors are on.
    pub fn paint(&self, sgr: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Dim text (secondary information).
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Bold text.
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    /// The icon of a severity, colored: `✖` danger, `▲` warning, `•` info.
    pub fn severity_icon(&self, severity: Option<Severity>) -> String {
        match severity {
            Some(Severity::Danger) => self.paint("1;31", "✖"),
            Some(Severity::Warning) => self.paint("33", "▲"),
            Some(Severity::Info) => self.paint("36", "•"),
            None => " ".to_owned(),
        }
    }

    /// A severity's name, colored like its icon.
    pub fn severity_name(&self, severity: Severity) -> String {
        let sgr = match severity {
            Severity::Danger => "1;31",
            Severity::Warning => "33",
            Severity::Info => "36",
        };
        self.paint(sgr, severity.as_str())
    }
}

/// `text` on one line (newlines and tabs become spaces) cut to `max` characters with `…`.
pub fn clip(text: &str, max: usize) -> String {
    let one_line: String =
        text.chars().map(|c| if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c }).collect();
    let trimmed = one_line.trim();
    if trimmed.chars().count() <= max {
        return trimmed.to_owned();
    }
    let mut out: String = trimmed.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `YYYY-MM-DD HH:MM` (UTC) for lists.
pub fn date_minute(ts: Timestamp) -> String {
    let full = crate::views::time(ts);
    format!("{} {}", &full[..10], &full[11..16])
}

/// `HH:MM:SS` (UTC) for steps within a session.
pub fn clock(ts: Timestamp) -> String {
    let full = crate::views::time(ts);
    full[11..19].to_owned()
}

/// A duration for humans: `850ms`, `4.2s`, `3m04s`, `2h05m`.
pub fn duration(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms}ms"),
        1_000..60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{}m{:02}s", ms / 60_000, ms % 60_000 / 1000),
        _ => format!("{}h{:02}m", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

/// A token count for humans: `950`, `12.3k`, `4.1M`.
pub fn count(n: u64) -> String {
    match n {
        0..10_000 => n.to_string(),
        10_000..10_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// A cost for humans: `$0.00`, `$1.24`.
pub fn cost(usd: f64, complete: bool) -> String {
    format!("${usd:.2}{}", if complete { "" } else { "+" })
}

/// A bar of `width` cells whose filled length grows with the logarithm of `ms` (1 ms to an hour
/// spans the width), so a 200 ms read and a 4-minute build both show.
pub fn duration_bar(ms: Option<u64>, width: usize) -> String {
    let Some(ms) = ms else { return " ".repeat(width) };
    let max = (3_600_000f64).ln();
    let fraction = ((ms.max(1) as f64).ln() / max).clamp(0.0, 1.0);
    let filled = ((fraction * width as f64).round() as usize).clamp(usize::from(ms > 0), width);
    format!("{}{}", "█".repeat(filled), " ".repeat(width - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_to_width_on_one_line() {
        assert_eq!(clip("a\nb", 10), "a b");
        assert_eq!(clip("abcdefgh", 5), "abcd…");
        assert_eq!(clip("ünïcödé", 7), "ünïcödé");
    }

    #[test]
    fn durations_and_counts_read_naturally() {
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(4_200), "4.2s");
        assert_eq!(duration(184_000), "3m04s");
        assert_eq!(duration(7_500_000), "2h05m");
        assert_eq!(count(12_345), "12.3k");
        assert_eq!(duration_bar(Some(3_600_000), 4), "████");
        assert_eq!(duration_bar(None, 2), "  ");
        assert_eq!(duration_bar(Some(1), 4).chars().filter(|c| *c == '█').count(), 1);
    }
}
