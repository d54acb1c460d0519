//! What tokens cost: a price table per model, with defaults and the date they were checked,
//! overridable in `TL_HOME/config.toml`.
//!
//! ```toml
//! [prices."claude-sonnet-4-5"]          # a model name or a prefix of one (the longest wins)
//! input = 3.0                            # USD per million tokens
//! output = 15.0
//! cache_read = 0.30
//! cache_write = 3.75
//! ```
//!
//! Costs are computed when shown, from the token sums the catalog keeps per model, so a price
//! change applies to past sessions too. A model with no price costs nothing and is marked as
//! unpriced. Token semantics follow the capture crate: `input` excludes cache reads and writes;
//! reasoning tokens are part of `output` (OpenAI counts them there) and are not charged twice.

use std::collections::BTreeMap;

use event::Tokens;
use serde::Deserialize;

use crate::home::Home;

/// When the default prices were last checked against the providers' price pages.
pub const DEFAULT_PRICES_DATE: &str = "2026-11-01";

/// USD per million tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Input tokens (not cached).
    pub input: f64,
    /// Output tokens (reasoning included).
    pub output: f64,
    /// Tokens read from the prompt cache.
    #[serde(default)]
    pub cache_read: f64,
    /// Tokens written to the prompt cache.
    #[serde(default)]
    pub cache_write: f64,
}

/// Model-name prefix → price, public list prices (USD per million tokens).
const DEFAULTS: &[(&str, Price)] = &[
    ("claude-opus-4", Price { input: 15.0, output: 75.0, cache_read: 1.5, cache_write: 18.75 }),
    ("claude-opus-4-5", Price { input: 5.0, output: 25.0, cache_read: 0.5, cache_write: 6.25 }),
    ("claude-sonnet-4", Price { input: 3.0, output: 15.0, cache_read: 0.3, cache_write: 3.75 }),
    ("claude-haiku-4", Price { input: 1.0, output: 5.0, cache_read: 0.1, cache_write: 1.25 }),
    ("claude-3-5-haiku", Price { input: 0.8, output: 4.0, cache_read: 0.08, cache_write: 1.0 }),
    ("gpt-5", Price { input: 1.25, output: 10.0, cache_read: 0.125, cache_write: 0.0 }),
    ("gpt-5-mini", Price { input: 0.25, output: 2.0, cache_read: 0.025, cache_write: 0.0 }),
    ("gpt-5-codex", Price { input: 1.25, output: 10.0, cache_read: 0.125, cache_write: 0.0 }),
    ("gpt-4.1", Price { input: 2.0, output: 8.0, cache_read: 0.5, cache_write: 0.0 }),
    ("o4-mini", Price { input: 1.1, output: 4.4, cache_read: 0.275, cache_write: 0.0 }),
    ("gemini-2.5-pro", Price { input: 1.25, output: 10.0, cache_read: 0.31, cache_write: 0.0 }),
    ("gemini-2.5-flash", Price { input: 0.3, output: 2.5, cache_read: 0.075, cache_write: 0.0 }),
    (
        "gemini-2.5-flash-lite",
        Price { input: 0.1, output: 0.4, cache_read: 0.025, cache_write: 0.0 },
    ),
    ("gemini-3-pro", Price { input: 2.0, output: 12.0, cache_read: 0.2, cache_write: 0.0 }),
];

/// The price table in force.
#[derive(Clone, Debug, Default)]
pub struct Prices {
    table: BTreeMap<String, Price>,
}

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    prices: BTreeMap<String, Price>,
}

impl Prices {
    /// The defaults only.
    pub fn defaults() -> Prices {
        Prices { table: DEFAULTS.iter().map(|(m, p)| ((*m).to_owned(), *p)).collect() }
    }

    /// The defaults with `TL_HOME/config.toml`'s `[prices]` on top. A config that does not
    /// parse is an error naming the file (a silent fallback would show wrong costs).
    pub fn load(home: &Home) -> anyhow::Result<Prices> {
        let mut prices = Prices::defaults();
        let path = home.root().join("config.toml");
        let Ok(text) = std::fs::read_to_string(&path) else { return Ok(prices) };
        let config: ConfigFile = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}\nhint: prices go in [prices.\"model\"] tables",
                path.display(),
                e.message()
            )
        })?;
        prices.table.extend(config.prices);
        Ok(prices)
    }

    /// The price of `model`: the entry whose name is the longest prefix of it.
    pub fn price(&self, model: &str) -> Option<Price> {
        let model = model.trim().to_ascii_lowercase();
        let model = model.rsplit('/').next().unwrap_or(&model);
        self.table
            .iter()
            .filter(|(prefix, _)| model.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, p)| *p)
    }

    /// What `tokens` of `model` cost in USD, or `None` if the model has no price.
    pub fn cost(&self, model: &str, tokens: &Tokens) -> Option<f64> {
        let p = self.price(model)?;
        let m = 1_000_000.0;
        Some(
            tokens.input as f64 * p.input / m
                + tokens.output as f64 * p.output / m
                + tokens.cache_read as f64 * p.cache_read / m
                + tokens.cache_write as f64 * p.cache_write / m,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_and_cost_adds_up() {
        let p = Prices::defaults();
        assert_eq!(p.price("claude-opus-4-5-20251101").map(|p| p.input), Some(5.0));
        assert_eq!(p.price("claude-opus-4-1-20250805").map(|p| p.input), Some(15.0));
        assert_eq!(p.price("models/gemini-2.5-flash-lite").map(|p| p.output), Some(0.4));
        assert_eq!(p.price("llama-3"), None);
        let t = Tokens {
            input: 1_000_000,
            output: 100_000,
            cache_read: 2_000_000,
            cache_write: 0,
            reasoning: 7,
        };
        let cost = p.cost("claude-sonnet-4-5", &t).unwrap_or_default();
        assert!((cost - (3.0 + 1.5 + 0.6)).abs() < 1e-9, "{cost}");
    }
}
