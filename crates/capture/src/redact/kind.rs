//! The stable identifiers of what the redactor finds.
//!
//! A [`SecretKind`] is what a `[REDACTED:<id>]` marker and a `secret-detected` finding carry;
//! its id never changes once released, so rules and exports can match on it.

use std::fmt;

macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident = $id:literal,)*) => {
        /// What kind of secret a redaction replaced.
        ///
        /// [`SecretKind::id`] is the stable kebab-case id used in `[REDACTED:<id>]` markers,
        /// in `event.secret_ids` and in serialized form.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum SecretKind {
            $($(#[$doc])* $name,)*
        }

        impl SecretKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [SecretKind] = &[$(SecretKind::$name,)*];

            /// The stable kebab-case id, e.g. `github-token`.
            pub const fn id(self) -> &'static str {
                match self {
                    $(SecretKind::$name => $id,)*
                }
            }

            /// The kind whose [`id`](Self::id) is `id`, if any.
            pub fn from_id(id: &str) -> Option<SecretKind> {
                match id {
                    $($id => Some(SecretKind::$name),)*
                    _ => None,
                }
            }
        }
    };
}

kinds! {
    /// AWS access key id (`AKIA…`, `ASIA…`, `ABIA…`, `ACCA…`).
    AwsAccessKey = "aws-access-key",
    /// AWS secret access key, recognised by the name it is assigned to.
    AwsSecretKey = "aws-secret-key",
    /// GitHub token: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`.
    GithubToken = "github-token",
    /// GitLab token: `glpat-`, `gldt-`, `glrt-`, `glptt-`, runner registration tokens….
    GitlabToken = "gitlab-token",
    /// OpenAI key: `sk-…`, `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…`.
    OpenaiKey = "openai-key",
    /// Anthropic key or OAuth token: `sk-ant-api03-…`, `sk-ant-admin01-…`, `sk-ant-oat01-…`.
    AnthropicKey = "anthropic-key",
    /// OpenRouter key: `sk-or-v1-…`.
    OpenrouterKey = "openrouter-key",
    /// Slack token: `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxe-`, `xapp-`.
    SlackToken = "slack-token",
    /// The secret path of a `hooks.slack.com` webhook URL.
    SlackWebhook = "slack-webhook",
    /// Stripe secret or restricted key (`sk_live_`, `rk_live_`, `sk_test_`…) or webhook
    /// secret (`whsec_`). Publishable keys (`pk_…`) are public by design and kept.
    StripeKey = "stripe-key",
    /// Google API key (`AIza` + 35), also used by Gemini.
    GoogleApiKey = "google-api-key",
    /// Google OAuth client secret (`GOCSPX-`).
    GoogleOauthSecret = "google-oauth-secret",
    /// Google OAuth access (`ya29.`) or refresh (`1//0`) token.
    GoogleOauthToken = "google-oauth-token",
    /// npm access token (`npm_`).
    NpmToken = "npm-token",
    /// PyPI upload token (`pypi-AgE…`).
    PypiToken = "pypi-token",
    /// Hugging Face token (`hf_`, `api_org_`).
    HuggingfaceToken = "huggingface-token",
    /// Twilio API key (`SK` + 32 hex).
    TwilioKey = "twilio-key",
    /// SendGrid API key (`SG.x.y`).
    SendgridKey = "sendgrid-key",
    /// Mailgun private key (`key-` + 32 hex).
    MailgunKey = "mailgun-key",
    /// Mailchimp API key (32 hex + `-usN`).
    MailchimpKey = "mailchimp-key",
    /// Discord bot token (only where the text mentions Discord).
    DiscordToken = "discord-token",
    /// The secret part of a Discord webhook URL.
    DiscordWebhook = "discord-webhook",
    /// Telegram bot token (`123456789:AA…`).
    TelegramBotToken = "telegram-bot-token",
    /// DigitalOcean token (`dop_v1_`, `doo_v1_`, `dor_v1_`).
    DigitaloceanToken = "digitalocean-token",
    /// Heroku API key (`HRKU-`); older UUID keys are caught by name.
    HerokuKey = "heroku-key",
    /// Azure storage account key or shared access key in a connection string.
    AzureStorageKey = "azure-storage-key",
    /// Azure AD (Entra) client secret (`…Q~…`).
    AzureClientSecret = "azure-client-secret",
    /// age secret key (`AGE-SECRET-KEY-1…`).
    AgeSecretKey = "age-secret-key",
    /// Shopify token (`shpat_`, `shpss_`, `shpca_`, `shppa_`).
    ShopifyToken = "shopify-token",
    /// Atlassian API token (`ATATT3…`).
    AtlassianToken = "atlassian-token",
    /// Linear API key (`lin_api_`).
    LinearKey = "linear-key",
    /// Postman API key (`PMAK-`).
    PostmanKey = "postman-key",
    /// Databricks token (`dapi` + 32 hex).
    DatabricksToken = "databricks-token",
    /// Doppler token (`dp.pt.`, `dp.st.`…).
    DopplerToken = "doppler-token",
    /// HashiCorp Vault token (`hvs.`, `hvb.`).
    VaultToken = "vault-token",
    /// Terraform Cloud token (`….atlasv1.…`).
    TerraformToken = "terraform-token",
    /// Grafana token (`glc_`, `glsa_`).
    GrafanaToken = "grafana-token",
    /// Sentry token (`sntrys_`, `sntryu_`).
    SentryToken = "sentry-token",
    /// Supabase key (`sbp_`, `sb_secret_`).
    SupabaseKey = "supabase-key",
    /// Replicate token (`r8_`).
    ReplicateToken = "replicate-token",
    /// Groq key (`gsk_`).
    GroqKey = "groq-key",
    /// xAI key (`xai-`).
    XaiKey = "xai-key",
    /// Perplexity key (`pplx-`).
    PerplexityKey = "perplexity-key",
    /// Square token (`sq0atp-`, `sq0csp-`).
    SquareToken = "square-token",
    /// 1Password service account token (`ops_eyJ…`).
    OnepasswordToken = "onepassword-token",
    /// Docker Hub personal access token (`dckr_pat_`).
    DockerToken = "docker-token",
    /// New Relic user key (`NRAK-`).
    NewrelicKey = "newrelic-key",
    /// Notion token (`ntn_`).
    NotionToken = "notion-token",
    /// Pulumi token (`pul-`).
    PulumiToken = "pulumi-token",
    /// RubyGems API key (`rubygems_`).
    RubygemsKey = "rubygems-key",
    /// PlanetScale token or password (`pscale_tkn_`, `pscale_pw_`, `pscale_oauth_`).
    PlanetscaleToken = "planetscale-token",
    /// Fly.io token (`fo1_`, `fm2_`).
    FlyioToken = "flyio-token",
    /// A private key block (`-----BEGIN … PRIVATE KEY-----` … `-----END …-----`), whole.
    PrivateKey = "private-key",
    /// A JSON Web Token (three base64url parts, header `eyJ…`).
    Jwt = "jwt",
    /// The credential after `Bearer`, `token` or `Bot` in an authorization header.
    BearerToken = "bearer-token",
    /// Basic-auth credentials: `Authorization: Basic …`, `curl -u user:pass`.
    BasicAuth = "basic-auth",
    /// The password of a URL's user info (`scheme://user:password@host`).
    UrlPassword = "url-password",
    /// The value of a secret-named variable, key or flag (`GITHUB_TOKEN=…`, `password: …`,
    /// `"client_secret": "…"`, `--token …`).
    EnvSecret = "env-secret",
    /// A random-looking value assigned to a weakly secret-looking name (`key`, `auth`, `sig`).
    HighEntropy = "high-entropy",
}

impl SecretKind {
    /// How specific the kind is: when two findings overlap, the more specific kind names
    /// the merged redaction.
    pub(crate) const fn rank(self) -> u8 {
        match self {
            SecretKind::HighEntropy => 0,
            SecretKind::EnvSecret => 1,
            SecretKind::UrlPassword
            | SecretKind::BearerToken
            | SecretKind::BasicAuth
            | SecretKind::AwsSecretKey => 2,
            _ => 3,
        }
    }
}

impl SecretKind {
    /// Whether the kind is a provider's token format or a private key (recognised by its
    /// shape), as opposed to a value recognised by its context (`env-secret`, `url-password`,
    /// `bearer-token`, `basic-auth`, `aws-secret-key`, `high-entropy`). RULES.md's
    /// `secret-detected` fires on these.
    pub const fn is_provider_format(self) -> bool {
        self.rank() == 3
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl serde::Serialize for SecretKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}
