//! Provider token formats: a table of literal prefixes followed by a fixed shape.
//!
//! Most provider tokens are "a literal prefix, then N characters of some alphabet"
//! (`ghp_` + 36 alphanumerics). Those are [`TokenRule`]s, matched by hand at the position
//! where the keyword pre-filter saw the prefix: no regex to compile, cost proportional to
//! the number of prefix hits. The few formats without a usable prefix are [`RegexRule`]s,
//! compiled on first use and only run on a string whose pre-filter saw one of their keywords.

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::SecretKind;

/// A set of ASCII bytes.
#[derive(Clone, Copy)]
pub(crate) struct Charset(u128);

impl Charset {
    /// Builds a set from a spec like `b"A-Za-z0-9_-"` (a `-` not between two bytes is literal).
    pub(crate) const fn new(spec: &[u8]) -> Charset {
        let mut bits = 0u128;
        let mut i = 0;
        while i < spec.len() {
            if i + 2 < spec.len() && spec[i + 1] == b'-' {
                let mut c = spec[i];
                while c <= spec[i + 2] {
                    bits |= 1 << c;
                    c += 1;
                }
                i += 3;
            } else {
                bits |= 1 << spec[i];
                i += 1;
            }
        }
        Charset(bits)
    }

    /// Whether `b` is in the set.
    pub(crate) const fn has(self, b: u8) -> bool {
        b < 128 && (self.0 >> b) & 1 == 1
    }

    /// The union of two sets.
    pub(crate) const fn or(self, other: Charset) -> Charset {
        Charset(self.0 | other.0)
    }
}

pub(crate) const ALNUM: Charset = Charset::new(b"A-Za-z0-9");
pub(crate) const ALPHA: Charset = Charset::new(b"A-Za-z");
pub(crate) const WORD: Charset = Charset::new(b"A-Za-z0-9_");
pub(crate) const B64URL: Charset = Charset::new(b"A-Za-z0-9_-");
pub(crate) const B64_PAD: Charset = Charset::new(b"A-Za-z0-9+/=");
pub(crate) const HEX: Charset = Charset::new(b"0-9a-fA-F");
pub(crate) const HEX_LOWER: Charset = Charset::new(b"0-9a-f");
pub(crate) const DIGIT: Charset = Charset::new(b"0-9");
const UPPER_B32: Charset = Charset::new(b"A-Z2-7");
const UPPER_ALNUM: Charset = Charset::new(b"A-Z0-9");
const ALNUM_DASH: Charset = Charset::new(b"A-Za-z0-9-");
/// Bytes that, right before a prefix, mean the prefix is inside a longer word.
const WORD_DASH: Charset = Charset::new(b"A-Za-z0-9_-");
const WORD_DASH_DOT: Charset = Charset::new(b"A-Za-z0-9_.-");

/// One step of a token's shape after its prefix.
pub(crate) enum Part {
    /// Exactly this text.
    Lit(&'static str),
    /// Between `min` and `max` bytes of the set, taken greedily.
    Run(Charset, usize, usize),
}

use Part::{Lit, Run};

/// A provider token: one of `prefixes`, then `parts`.
pub(crate) struct TokenRule {
    /// What the redaction is recorded as.
    pub(crate) kind: SecretKind,
    /// The literal prefixes (case-sensitive); each is also a pre-filter keyword.
    pub(crate) prefixes: &'static [&'static str],
    /// The shape after the prefix.
    pub(crate) parts: &'static [Part],
    /// Keep the prefix visible and redact only what follows (`AccountKey=`, webhook hosts).
    pub(crate) keep_prefix: bool,
    /// A byte of this set right before the prefix means "not a token start".
    pub(crate) left: Charset,
    /// Extra validation of the bytes after the prefix (placeholders, entropy).
    pub(crate) check: fn(&[u8]) -> bool,
}

fn any(_: &[u8]) -> bool {
    true
}

fn has_digit(b: &[u8]) -> bool {
    b.iter().any(u8::is_ascii_digit)
}

fn mixed_case(b: &[u8]) -> bool {
    b.iter().any(u8::is_ascii_uppercase) && b.iter().any(u8::is_ascii_lowercase)
}

/// AWS documents `AKIAIOSFODNN7EXAMPLE`; ids ending in `EXAMPLE` are examples.
fn not_example(b: &[u8]) -> bool {
    !b.ends_with(b"EXAMPLE")
}

/// Real keys have a long random stretch; `sk-your-key-here-please` does not.
fn random_stretch(b: &[u8]) -> bool {
    longest_alnum_run(b) >= 20 && has_digit(b) && b.iter().any(u8::is_ascii_alphabetic)
}

/// `sk-` alone is shared by several providers; the specific ones are their own rules.
fn openai_body(b: &[u8]) -> bool {
    !b.starts_with(b"ant-") && !b.starts_with(b"or-") && random_stretch(b)
}

fn slack_body(b: &[u8]) -> bool {
    b.len() >= 20 && b.iter().filter(|c| c.is_ascii_digit()).count() >= 3
}

pub(crate) fn longest_alnum_run(b: &[u8]) -> usize {
    let (mut best, mut cur) = (0, 0);
    for &c in b {
        if c.is_ascii_alphanumeric() {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

const fn rule(
    kind: SecretKind,
    prefixes: &'static [&'static str],
    parts: &'static [Part],
) -> TokenRule {
    TokenRule { kind, prefixes, parts, keep_prefix: false, left: WORD, check: any }
}

const fn checked(
    kind: SecretKind,
    prefixes: &'static [&'static str],
    parts: &'static [Part],
    check: fn(&[u8]) -> bool,
) -> TokenRule {
    TokenRule { kind, prefixes, parts, keep_prefix: false, left: WORD, check }
}

const fn kept(
    kind: SecretKind,
    prefixes: &'static [&'static str],
    parts: &'static [Part],
) -> TokenRule {
    TokenRule { kind, prefixes, parts, keep_prefix: true, left: Charset(0), check: any }
}

/// The provider formats with a literal prefix. Lengths follow the providers' documented
/// formats (and gitleaks' rules where a provider documents none).
pub(crate) static TOKEN_RULES: &[TokenRule] = &[
    checked(
        SecretKind::AwsAccessKey,
        &["AKIA", "ASIA", "ABIA", "ACCA"],
        &[Run(UPPER_B32, 16, 16)],
        not_example,
    ),
    rule(
        SecretKind::GithubToken,
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        &[Run(ALNUM, 36, 255)],
    ),
    rule(SecretKind::GithubToken, &["github_pat_"], &[Run(WORD, 60, 255)]),
    rule(
        SecretKind::GitlabToken,
        &[
            "glpat-",
            "gldt-",
            "glrt-",
            "glptt-",
            "glcbt-",
            "glsoat-",
            "glffct-",
            "glft-",
            "glimt-",
            "glagent-",
            "gloas-",
            "GR1348941",
        ],
        &[Run(B64URL, 20, 300)],
    ),
    TokenRule {
        left: WORD_DASH_DOT,
        ..checked(SecretKind::OpenaiKey, &["sk-"], &[Run(B64URL, 32, 512)], openai_body)
    },
    TokenRule {
        left: WORD_DASH_DOT,
        ..checked(SecretKind::AnthropicKey, &["sk-ant-"], &[Run(B64URL, 32, 512)], random_stretch)
    },
    TokenRule {
        left: WORD_DASH_DOT,
        ..rule(SecretKind::OpenrouterKey, &["sk-or-v1-"], &[Run(HEX_LOWER, 64, 64)])
    },
    checked(
        SecretKind::SlackToken,
        &[
            "xoxb-",
            "xoxp-",
            "xoxa-",
            "xoxr-",
            "xoxs-",
            "xoxo-",
            "xoxe-",
            "xoxe.xoxp-",
            "xoxe.xoxb-",
            "xapp-",
        ],
        &[Run(ALNUM_DASH, 10, 255)],
        slack_body,
    ),
    kept(
        SecretKind::SlackWebhook,
        &["hooks.slack.com/services/", "hooks.slack.com/workflows/", "hooks.slack.com/triggers/"],
        &[Run(Charset::new(b"A-Za-z0-9+/_"), 20, 120)],
    ),
    checked(
        SecretKind::StripeKey,
        &["sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_"],
        &[Run(ALNUM, 16, 255)],
        has_digit,
    ),
    checked(SecretKind::StripeKey, &["whsec_"], &[Run(ALNUM, 32, 255)], has_digit),
    rule(SecretKind::GoogleApiKey, &["AIza"], &[Run(B64URL, 35, 35)]),
    rule(SecretKind::GoogleOauthSecret, &["GOCSPX-"], &[Run(B64URL, 28, 28)]),
    checked(SecretKind::GoogleOauthToken, &["ya29."], &[Run(B64URL, 30, 4096)], has_digit),
    checked(SecretKind::GoogleOauthToken, &["1//0"], &[Run(B64URL, 40, 1024)], mixed_case),
    rule(SecretKind::NpmToken, &["npm_"], &[Run(ALNUM, 36, 36)]),
    rule(SecretKind::PypiToken, &["pypi-AgE"], &[Run(B64URL, 50, 4096)]),
    checked(SecretKind::HuggingfaceToken, &["hf_", "api_org_"], &[Run(ALPHA, 34, 34)], mixed_case),
    TokenRule { left: ALNUM, ..rule(SecretKind::TwilioKey, &["SK"], &[Run(HEX_LOWER, 32, 32)]) },
    rule(SecretKind::SendgridKey, &["SG."], &[Run(B64URL, 22, 22), Lit("."), Run(B64URL, 43, 43)]),
    TokenRule {
        left: WORD_DASH,
        ..rule(SecretKind::MailgunKey, &["key-"], &[Run(HEX_LOWER, 32, 32)])
    },
    kept(
        SecretKind::DiscordWebhook,
        &["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
        &[Run(DIGIT, 17, 20), Lit("/"), Run(B64URL, 60, 80)],
    ),
    rule(
        SecretKind::DigitaloceanToken,
        &["dop_v1_", "doo_v1_", "dor_v1_"],
        &[Run(HEX_LOWER, 64, 64)],
    ),
    rule(SecretKind::HerokuKey, &["HRKU-"], &[Run(B64URL, 40, 80)]),
    kept(
        SecretKind::AzureStorageKey,
        &["AccountKey=", "SharedAccessKey="],
        &[Run(B64_PAD, 40, 100)],
    ),
    rule(SecretKind::AgeSecretKey, &["AGE-SECRET-KEY-1"], &[Run(UPPER_ALNUM, 58, 58)]),
    rule(SecretKind::ShopifyToken, &["shpat_", "shpss_", "shpca_", "shppa_"], &[Run(HEX, 32, 32)]),
    rule(SecretKind::AtlassianToken, &["ATATT3"], &[Run(Charset::new(b"A-Za-z0-9_=-"), 150, 300)]),
    rule(SecretKind::LinearKey, &["lin_api_"], &[Run(ALNUM, 40, 40)]),
    rule(SecretKind::PostmanKey, &["PMAK-"], &[Run(HEX, 24, 24), Lit("-"), Run(HEX, 34, 34)]),
    rule(SecretKind::DatabricksToken, &["dapi"], &[Run(HEX_LOWER, 32, 32)]),
    rule(
        SecretKind::DopplerToken,
        &["dp.pt.", "dp.st.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit."],
        &[Run(ALNUM, 40, 44)],
    ),
    rule(SecretKind::VaultToken, &["hvs."], &[Run(B64URL, 90, 120)]),
    rule(SecretKind::VaultToken, &["hvb."], &[Run(B64URL, 138, 300)]),
    rule(SecretKind::GrafanaToken, &["glc_"], &[Run(B64_PAD, 32, 400)]),
    rule(SecretKind::GrafanaToken, &["glsa_"], &[Run(ALNUM, 32, 32), Lit("_"), Run(HEX, 8, 8)]),
    rule(SecretKind::SentryToken, &["sntrys_"], &[Run(B64_PAD.or(WORD), 60, 1024)]),
    rule(SecretKind::SentryToken, &["sntryu_"], &[Run(HEX_LOWER, 64, 64)]),
    rule(SecretKind::SupabaseKey, &["sbp_"], &[Run(HEX_LOWER, 40, 40)]),
    rule(SecretKind::SupabaseKey, &["sb_secret_"], &[Run(B64URL, 20, 100)]),
    checked(SecretKind::ReplicateToken, &["r8_"], &[Run(ALNUM, 37, 37)], has_digit),
    rule(SecretKind::GroqKey, &["gsk_"], &[Run(ALNUM, 52, 52)]),
    checked(SecretKind::XaiKey, &["xai-"], &[Run(ALNUM, 80, 80)], has_digit),
    checked(SecretKind::PerplexityKey, &["pplx-"], &[Run(ALNUM, 48, 48)], has_digit),
    rule(SecretKind::SquareToken, &["sq0atp-"], &[Run(B64URL, 22, 60)]),
    rule(SecretKind::SquareToken, &["sq0csp-"], &[Run(B64URL, 43, 43)]),
    rule(SecretKind::OnepasswordToken, &["ops_eyJ"], &[Run(B64_PAD, 100, 8192)]),
    rule(SecretKind::DockerToken, &["dckr_pat_"], &[Run(B64URL, 27, 27)]),
    rule(SecretKind::NewrelicKey, &["NRAK-"], &[Run(UPPER_ALNUM, 27, 27)]),
    rule(SecretKind::NotionToken, &["ntn_"], &[Run(ALNUM, 46, 46)]),
    rule(SecretKind::PulumiToken, &["pul-"], &[Run(HEX_LOWER, 40, 40)]),
    rule(SecretKind::RubygemsKey, &["rubygems_"], &[Run(HEX_LOWER, 48, 48)]),
    rule(
        SecretKind::PlanetscaleToken,
        &["pscale_tkn_", "pscale_pw_", "pscale_oauth_"],
        &[Run(Charset::new(b"A-Za-z0-9_=.-"), 32, 64)],
    ),
    rule(SecretKind::FlyioToken, &["fo1_"], &[Run(B64URL, 43, 43)]),
    rule(SecretKind::FlyioToken, &["fm2_"], &[Run(B64_PAD, 100, 8192)]),
    TokenRule {
        left: B64URL,
        ..rule(
            SecretKind::Jwt,
            &["eyJ"],
            &[
                Run(B64URL, 10, 16384),
                Lit("."),
                Lit("ey"),
                Run(B64URL, 10, 65536),
                Lit("."),
                Run(B64URL, 0, 16384),
            ],
        )
    },
];

/// A format with no usable literal prefix, found by a regex that is compiled on first use.
pub(crate) struct RegexRule {
    /// What the redaction is recorded as.
    pub(crate) kind: SecretKind,
    /// Pre-filter keywords; the regex runs only on a string that contains one.
    pub(crate) keywords: &'static [&'static str],
    /// Whether the keywords must match case-sensitively.
    pub(crate) keywords_case_sensitive: bool,
    /// The pattern; capture group 1 is the secret.
    pub(crate) pattern: &'static str,
    /// Bytes that may not follow the secret (the token would continue).
    pub(crate) right: Charset,
}

/// The formats matched by regex.
pub(crate) static REGEX_RULES: &[RegexRule] = &[
    RegexRule {
        kind: SecretKind::TelegramBotToken,
        keywords: &[":AA"],
        keywords_case_sensitive: true,
        pattern: r"(?-u)(?:^|[^0-9])([0-9]{8,10}:AA[A-Za-z0-9_-]{33})",
        right: B64URL,
    },
    RegexRule {
        kind: SecretKind::AzureClientSecret,
        keywords: &["Q~"],
        keywords_case_sensitive: true,
        pattern: r"(?-u)(?:^|[^A-Za-z0-9_~.])([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})",
        right: Charset::new(b"A-Za-z0-9_~.-"),
    },
    RegexRule {
        kind: SecretKind::DiscordToken,
        keywords: &["discord"],
        keywords_case_sensitive: false,
        pattern: r"(?-u)(?:^|[^A-Za-z0-9_.-])([MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40})",
        right: B64URL,
    },
    RegexRule {
        kind: SecretKind::TerraformToken,
        keywords: &[".atlasv1."],
        keywords_case_sensitive: true,
        pattern: r"(?-u)\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})",
        right: B64URL,
    },
    RegexRule {
        kind: SecretKind::EnvSecret,
        keywords: &["sshpass"],
        keywords_case_sensitive: false,
        pattern: r#"(?-u)\bsshpass\s+-p\s*['"]?([^\s'"]+)"#,
        right: Charset(0),
    },
];

/// One lazily compiled regex per [`REGEX_RULES`] entry.
static COMPILED: [OnceLock<Option<Regex>>; 5] = [const { OnceLock::new() }; 5];

/// The compiled regex of rule `i` (byte regexes with ASCII classes: they compile in a
/// fraction of the time Unicode classes take), or `None` if it failed to compile (a test guards that
/// they all do; at run time a broken rule is skipped rather than panicking).
pub(crate) fn compiled(i: usize) -> Option<&'static Regex> {
    let rule = REGEX_RULES.get(i)?;
    COMPILED.get(i)?.get_or_init(|| Regex::new(rule.pattern).ok()).as_ref()
}

/// Matches `rule`'s shape at `at` (where its prefix `prefix` starts) and returns the byte
/// range to redact.
pub(crate) fn match_token(
    b: &[u8],
    at: usize,
    prefix: &str,
    rule: &TokenRule,
) -> Option<(usize, usize)> {
    if at > 0 && rule.left.has(b[at - 1]) && !after_escape(b, at) {
        return None;
    }
    let body = at + prefix.len();
    let mut i = body;
    let mut last: Option<Charset> = None;
    for part in rule.parts {
        match *part {
            Lit(lit) => {
                if !b.get(i..)?.starts_with(lit.as_bytes()) {
                    return None;
                }
                i += lit.len();
                last = None;
            }
            Run(set, min, max) => {
                let start = i;
                while i < b.len() && i - start < max && set.has(b[i]) {
                    i += 1;
                }
                if i - start < min {
                    return None;
                }
                last = Some(set);
            }
        }
    }
    // A token that runs on past its format's length, or straight into a word, is some other,
    // longer thing (`\b` in gitleaks' rules).
    if let (Some(set), Some(&next)) = (last, b.get(i))
        && (set.has(next) || ALNUM.has(next))
    {
        return None;
    }
    if !(rule.check)(&b[body..i]) {
        return None;
    }
    let start = if rule.keep_prefix { body } else { at };
    Some((start, i))
}

/// Whether `b[..at]` ends in an escape like `\n` or `\t` in JSON-encoded text, so the
/// letter before `at` is not part of the word.
pub(crate) fn after_escape(b: &[u8], at: usize) -> bool {
    at >= 2 && b[at - 2] == b'\\' && matches!(b[at - 1], b'n' | b'r' | b't')
}
