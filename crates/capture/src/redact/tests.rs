//! Tests of the redactor: true secrets in realistic context, look-alikes that must pass
//! through byte for byte, JSON payloads, idempotence and a property test.
//!
//! The secrets are made up. They are generated at test time (`«name»` in a case is replaced
//! by [`fake`]) so that no secret-shaped literal sits in the source for scanners to flag,
//! while still matching each provider's real length and alphabet.

use super::*;

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const DIGITS: &str = "0123456789";
const HEXL: &str = "0123456789abcdef";
const B32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A deterministic generator (xorshift64*), seeded from the token's name.
struct Gen(u64);

impl Gen {
    fn new(name: &str) -> Gen {
        // FNV-1a of the name.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Gen(h | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// `n` characters drawn from the concatenation of `sets`.
    fn s(&mut self, sets: &[&str], n: usize) -> String {
        let cs: Vec<char> = sets.concat().chars().collect();
        (0..n).map(|_| cs[(self.next() % cs.len() as u64) as usize]).collect()
    }

    fn alnum(&mut self, n: usize) -> String {
        // Always mixed: a digit, an upper and a lower case letter up front.
        let head =
            format!("{}{}{}", self.s(&[DIGITS], 1), self.s(&[UPPER], 1), self.s(&[LOWER], 1));
        head + &self.s(&[UPPER, LOWER, DIGITS], n - 3)
    }

    fn b64url(&mut self, n: usize) -> String {
        self.alnum(3) + &self.s(&[UPPER, LOWER, DIGITS, "_-"], n - 3)
    }

    fn b64(&mut self, n: usize) -> String {
        self.alnum(3) + &self.s(&[UPPER, LOWER, DIGITS, "+/"], n - 3)
    }

    fn hex(&mut self, n: usize) -> String {
        format!("{}{}", self.s(&["a"], 1), self.s(&[HEXL], n - 2)) + "7"
    }

    fn pem(&mut self, n: usize, width: usize, sep: &str) -> String {
        let body = self.b64(n);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(width)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        lines.join(sep)
    }
}

/// A made-up token of the format named `name`.
fn fake(name: &str) -> String {
    let mut g = Gen::new(name);
    match name {
        "akia" => format!("AKIA{}", g.s(&[B32], 16)),
        "asia" => format!("ASIA{}", g.s(&[B32], 16)),
        "aws_secret" | "aws_secret2" => g.b64(40),
        "aws_session" => format!("FwoGZXIvYXdzE{}", g.b64(150)),
        "ghp" => format!("ghp_{}", g.alnum(36)),
        "gho" => format!("gho_{}", g.alnum(36)),
        "ghu" => format!("ghu_{}", g.alnum(36)),
        "ghs" => format!("ghs_{}", g.alnum(36)),
        "ghr" => format!("ghr_{}", g.alnum(36)),
        "github_pat" => format!("github_pat_11{}_{}", g.s(&[UPPER, DIGITS], 20), g.alnum(59)),
        "glpat" => format!("glpat-{}", g.b64url(20)),
        "gldt" => format!("gldt-{}", g.b64url(20)),
        "glrt_reg" => format!("GR1348941{}", g.b64url(20)),
        "sk48" => format!("sk-{}", g.alnum(48)),
        "sk_proj" => format!("sk-proj-{}T3BlbkFJ{}", g.b64url(74), g.b64url(74)),
        "sk_svcacct" => format!("sk-svcacct-{}T3BlbkFJ{}", g.b64url(58), g.b64url(58)),
        "sk_ant" => format!("sk-ant-api03-{}AA", g.b64url(93)),
        "sk_ant_admin" => format!("sk-ant-admin01-{}AA", g.b64url(93)),
        "sk_ant_oat" => format!("sk-ant-oat01-{}AA", g.b64url(93)),
        "sk_ant_ort" => format!("sk-ant-ort01-{}AA", g.b64url(93)),
        "sk_or" => format!("sk-or-v1-{}", g.hex(64)),
        "xoxb" => format!("xoxb-{}-{}-{}", g.s(&[DIGITS], 13), g.s(&[DIGITS], 13), g.alnum(24)),
        "xoxp" => format!(
            "xoxp-{}-{}-{}-{}",
            g.s(&[DIGITS], 12),
            g.s(&[DIGITS], 12),
            g.s(&[DIGITS], 13),
            g.hex(32)
        ),
        "xapp" => {
            format!("xapp-1-A{}-{}-{}", g.s(&[UPPER, DIGITS], 10), g.s(&[DIGITS], 13), g.hex(64))
        }
        "slack_hook" => {
            format!("T{}/B{}/{}", g.s(&[UPPER, DIGITS], 8), g.s(&[UPPER, DIGITS], 10), g.alnum(24))
        }
        "sk_live" => format!("sk_live_{}", g.alnum(99)),
        "rk_live" => format!("rk_live_{}", g.alnum(99)),
        "sk_test" => format!("sk_test_{}", g.alnum(24)),
        "whsec" => format!("whsec_{}", g.alnum(32)),
        "aiza" | "aiza2" => format!("AIza{}", g.b64url(35)),
        "gocspx" => format!("GOCSPX-{}", g.b64url(28)),
        "ya29" => format!("ya29.a0{}", g.b64url(120)),
        "g_refresh" => format!("1//0{}", g.b64url(100)),
        "npm" => format!("npm_{}", g.alnum(36)),
        "pypi" => format!("pypi-AgEIcHlwaS5vcmc{}", g.b64url(150)),
        "hf" => format!("hf_{}", g.s(&["Qz"], 1) + &g.s(&[UPPER, LOWER], 33)),
        "hf_org" => format!("api_org_{}", g.s(&["Qz"], 1) + &g.s(&[UPPER, LOWER], 33)),
        "twilio" => format!("SK{}", g.hex(32)),
        "sendgrid" => format!("SG.{}.{}", g.b64url(22), g.b64url(43)),
        "mailgun" => format!("key-{}", g.hex(32)),
        "mailchimp" => format!("{}-us21", g.hex(32)),
        "discord" => format!("MT{}.{}.{}", g.alnum(24), g.b64url(6), g.b64url(38)),
        "discord_hook" => format!("{}/{}", g.s(&[DIGITS], 19), g.b64url(68)),
        "telegram" => format!("{}:AA{}", g.s(&[DIGITS], 9), g.b64url(33)),
        "dop" => format!("dop_v1_{}", g.hex(64)),
        "hrku" => format!("HRKU-AA{}", g.b64url(58)),
        "az_account" => format!("{}==", g.b64(86)),
        "az_secret" => format!("{}8Q~{}", g.alnum(3), g.s(&[UPPER, LOWER, DIGITS, "_~.-"], 34)),
        "age" => format!("AGE-SECRET-KEY-1{}", g.s(&[UPPER, DIGITS], 58)),
        "shpat" => format!("shpat_{}", g.hex(32)),
        "atatt" => format!("ATATT3{}", g.b64url(186)),
        "linear" => format!("lin_api_{}", g.alnum(40)),
        "pmak" => format!("PMAK-{}-{}", g.hex(24), g.hex(34)),
        "dapi" => format!("dapi{}", g.hex(32)),
        "doppler" => format!("dp.st.{}", g.alnum(43)),
        "hvs" => format!("hvs.{}", g.b64url(95)),
        "atlas" => format!("{}.atlasv1.{}", g.alnum(14), g.b64url(67)),
        "glsa" => format!("glsa_{}_{}", g.alnum(32), g.hex(8)),
        "glc" => format!("glc_{}==", g.b64(120)),
        "sntryu" => format!("sntryu_{}", g.hex(64)),
        "sbp" => format!("sbp_{}", g.hex(40)),
        "r8" => format!("r8_{}", g.alnum(37)),
        "gsk" => format!("gsk_{}", g.alnum(52)),
        "xai" => format!("xai-{}", g.alnum(80)),
        "pplx" => format!("pplx-{}", g.alnum(48)),
        "sq0atp" => format!("sq0atp-{}", g.b64url(22)),
        "ops" => format!("ops_eyJ{}", g.b64(300)),
        "dckr" => format!("dckr_pat_{}", g.b64url(27)),
        "nrak" => format!("NRAK-{}", g.s(&[UPPER, DIGITS], 27)),
        "ntn" => format!("ntn_{}{}", g.s(&[DIGITS], 11), g.alnum(35)),
        "pul" => format!("pul-{}", g.hex(40)),
        "rubygems" => format!("rubygems_{}", g.hex(48)),
        "pscale" => format!("pscale_pw_{}", g.alnum(43)),
        "fo1" => format!("fo1_{}", g.b64url(43)),
        "rsa" => format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            g.pem(400, 64, "\n")
        ),
        "openssh_escaped" => format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\\n{}\\n-----END OPENSSH PRIVATE KEY-----",
            g.pem(300, 70, "\\n")
        ),
        "ec_truncated" => format!("-----BEGIN EC PRIVATE KEY-----\n{}", g.pem(128, 64, "\n")),
        "pgp" => format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n={}\n-----END PGP PRIVATE KEY BLOCK-----",
            g.pem(256, 64, "\n"),
            g.b64(4)
        ),
        "pkcs8_escaped" => format!(
            "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n",
            g.pem(200, 64, "\\n")
        ),
        "jwt" => {
            format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{}.{}", g.b64url(60), g.b64url(43))
        }
        "jwt2" => {
            format!("eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJ{}.{}", g.b64url(120), g.b64url(86))
        }
        "hex32" | "hex32b" => g.hex(32),
        "rand24" => g.alnum(24),
        _ => panic!("no fake token named {name}"),
    }
}

/// Replaces each `«name»` in `template` with `fake(name)`.
fn expand(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('«') {
        out.push_str(&rest[..open]);
        let after = &rest[open + '«'.len_utf8()..];
        let close = after.find('»').expect("unclosed «");
        out.push_str(&fake(&after[..close]));
        rest = &after[close + '»'.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The kinds named by the `[REDACTED:…]` markers of `s`, in order.
fn markers(s: &str) -> Vec<SecretKind> {
    s.match_indices("[REDACTED:")
        .filter_map(|(i, m)| {
            let rest = &s[i + m.len()..];
            let id = &rest[..rest.find(']')?];
            SecretKind::from_id(id)
        })
        .collect()
}

/// Redacts `input` (after expanding fakes) and checks the exact output and kinds, and that
/// redacting the output again changes nothing. Returns a description of what is wrong.
fn check(input: &str, expected: &str) -> Result<(), String> {
    let r = Redactor::shared();
    let input = expand(input);
    let (out, kinds) = r.redact_str(&input);
    if out != expected {
        return Err(format!("input:    {input}\noutput:   {out}\nexpected: {expected}"));
    }
    let expected_kinds = if expected == input { Vec::new() } else { markers(expected) };
    if kinds != expected_kinds {
        return Err(format!("input: {input}\nkinds {kinds:?} != {expected_kinds:?}"));
    }
    let (again, more) = r.redact_str(&out);
    if again != out || !more.is_empty() {
        return Err(format!("not idempotent: {out} -> {again}"));
    }
    Ok(())
}

/// Runs every case and fails with all the failures at once.
fn check_all<'a>(cases: impl Iterator<Item = (&'a str, &'a str)>) {
    let failures: Vec<String> =
        cases.filter_map(|(input, expected)| check(input, expected).err()).collect();
    assert!(failures.is_empty(), "{} failures:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// True secrets, each in the context it is typically seen in, and the exact redaction.
const SECRETS: &[(&str, &str)] = &[
    // AWS
    (
        "aws configure set aws_access_key_id «akia»",
        "aws configure set aws_access_key_id [REDACTED:aws-access-key]",
    ),
    (
        r#"{"Credentials": {"AccessKeyId": "«asia»", "Expiration": "2026-11-25T12:00:00Z"}}"#,
        r#"{"Credentials": {"AccessKeyId": "[REDACTED:aws-access-key]", "Expiration": "2026-11-25T12:00:00Z"}}"#,
    ),
    (
        "[default]\naws_secret_access_key = «aws_secret»\nregion = eu-west-1",
        "[default]\naws_secret_access_key = [REDACTED:aws-secret-key]\nregion = eu-west-1",
    ),
    (
        // AWS's documented example key: harmless, but random-looking, so redacted.
        "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "export AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret-key]",
    ),
    (
        r#"        "SecretAccessKey": "«aws_secret2»","#,
        r#"        "SecretAccessKey": "[REDACTED:aws-secret-key]","#,
    ),
    ("export AWS_SESSION_TOKEN=«aws_session»", "export AWS_SESSION_TOKEN=[REDACTED:env-secret]"),
    // GitHub
    ("export GITHUB_TOKEN=«ghp»", "export GITHUB_TOKEN=[REDACTED:github-token]"),
    (
        "git clone https://x-access-token:«ghs»@github.com/acme/shop.git",
        "git clone https://x-access-token:[REDACTED:github-token]@github.com/acme/shop.git",
    ),
    ("GH_PAT=«github_pat»\nDEBUG=1", "GH_PAT=[REDACTED:github-token]\nDEBUG=1"),
    (
        r#"{"access_token":"«gho»","refresh_token":"«ghr»","scope":"repo"}"#,
        r#"{"access_token":"[REDACTED:github-token]","refresh_token":"[REDACTED:github-token]","scope":"repo"}"#,
    ),
    (
        r#"curl -H "Authorization: token «ghu»" https://api.github.com/user"#,
        r#"curl -H "Authorization: token [REDACTED:github-token]" https://api.github.com/user"#,
    ),
    // GitLab
    (
        "git remote set-url origin https://oauth2:«glpat»@gitlab.com/acme/shop.git",
        "git remote set-url origin https://oauth2:[REDACTED:gitlab-token]@gitlab.com/acme/shop.git",
    ),
    ("deploy:\n  token: «gldt»\n", "deploy:\n  token: [REDACTED:gitlab-token]\n"),
    (
        "gitlab-runner register --url https://gitlab.com --registration-token «glrt_reg»",
        "gitlab-runner register --url https://gitlab.com --registration-token [REDACTED:gitlab-token]",
    ),
    // OpenAI, Anthropic, OpenRouter and other model providers
    ("OPENAI_API_KEY=«sk48»", "OPENAI_API_KEY=[REDACTED:openai-key]"),
    (
        r#"client = OpenAI(api_key="«sk_proj»")"#,
        r#"client = OpenAI(api_key="[REDACTED:openai-key]")"#,
    ),
    (
        "Using key «sk_svcacct» for the batch job",
        "Using key [REDACTED:openai-key] for the batch job",
    ),
    ("export ANTHROPIC_API_KEY=«sk_ant»", "export ANTHROPIC_API_KEY=[REDACTED:anthropic-key]"),
    (
        r#"curl https://api.anthropic.com/v1/organizations/users -H "x-api-key: «sk_ant_admin»""#,
        r#"curl https://api.anthropic.com/v1/organizations/users -H "x-api-key: [REDACTED:anthropic-key]""#,
    ),
    (
        r#"{"claudeAiOauth":{"accessToken":"«sk_ant_oat»","refreshToken":"«sk_ant_ort»","expiresAt":1764072000000}}"#,
        r#"{"claudeAiOauth":{"accessToken":"[REDACTED:anthropic-key]","refreshToken":"[REDACTED:anthropic-key]","expiresAt":1764072000000}}"#,
    ),
    (
        "OPENROUTER_API_KEY=«sk_or» aider --model openrouter/anthropic/claude-sonnet-4",
        "OPENROUTER_API_KEY=[REDACTED:openrouter-key] aider --model openrouter/anthropic/claude-sonnet-4",
    ),
    ("GROQ_API_KEY=«gsk»", "GROQ_API_KEY=[REDACTED:groq-key]"),
    (
        r#"headers = {"Authorization": "Bearer «xai»"}"#,
        r#"headers = {"Authorization": "Bearer [REDACTED:xai-key]"}"#,
    ),
    ("pplx = Perplexity(«pplx»)", "pplx = Perplexity([REDACTED:perplexity-key])"),
    (
        "REPLICATE_API_TOKEN=«r8» python predict.py",
        "REPLICATE_API_TOKEN=[REDACTED:replicate-token] python predict.py",
    ),
    (
        "huggingface-cli login --token «hf»",
        "huggingface-cli login --token [REDACTED:huggingface-token]",
    ),
    ("HF_ORG_TOKEN: «hf_org»", "HF_ORG_TOKEN: [REDACTED:huggingface-token]"),
    // Slack
    ("SLACK_BOT_TOKEN=«xoxb»", "SLACK_BOT_TOKEN=[REDACTED:slack-token]"),
    (
        r#"curl -s -H "Authorization: Bearer «xoxp»" https://slack.com/api/auth.test"#,
        r#"curl -s -H "Authorization: Bearer [REDACTED:slack-token]" https://slack.com/api/auth.test"#,
    ),
    ("app_token = «xapp»", "app_token = [REDACTED:slack-token]"),
    (
        r#"curl -X POST -d '{"text":"deploy done"}' https://hooks.slack.com/services/«slack_hook»"#,
        r#"curl -X POST -d '{"text":"deploy done"}' https://hooks.slack.com/services/[REDACTED:slack-webhook]"#,
    ),
    // Payments and SaaS
    (
        "const stripe = require('stripe')('«sk_live»');",
        "const stripe = require('stripe')('[REDACTED:stripe-key]');",
    ),
    ("STRIPE_RESTRICTED=«rk_live»", "STRIPE_RESTRICTED=[REDACTED:stripe-key]"),
    (
        "stripe listen --api-key «sk_test» --forward-to localhost:4242/webhook",
        "stripe listen --api-key [REDACTED:stripe-key] --forward-to localhost:4242/webhook",
    ),
    (
        "> Ready! Your webhook signing secret is «whsec» (^C to quit)",
        "> Ready! Your webhook signing secret is [REDACTED:stripe-key] (^C to quit)",
    ),
    (
        "sq = Client(access_token='«sq0atp»', environment='production')",
        "sq = Client(access_token='[REDACTED:square-token]', environment='production')",
    ),
    ("SHOPIFY_ACCESS_TOKEN=«shpat»", "SHOPIFY_ACCESS_TOKEN=[REDACTED:shopify-token]"),
    ("sg = SendGridAPIClient('«sendgrid»')", "sg = SendGridAPIClient('[REDACTED:sendgrid-key]')"),
    (
        "curl -s --user 'api:«mailgun»' https://api.mailgun.net/v3/mg.acme.dev/messages",
        "curl -s --user 'api:[REDACTED:mailgun-key]' https://api.mailgun.net/v3/mg.acme.dev/messages",
    ),
    ("MAILCHIMP_KEY=«mailchimp»", "MAILCHIMP_KEY=[REDACTED:mailchimp-key]"),
    ("client = Client(«twilio», auth_token)", "client = Client([REDACTED:twilio-key], auth_token)"),
    ("export LINEAR_API_KEY=«linear»", "export LINEAR_API_KEY=[REDACTED:linear-key]"),
    ("postman login --with-api-key «pmak»", "postman login --with-api-key [REDACTED:postman-key]"),
    (
        r#"{"auth_token": "«atatt»", "email": "dev@acme.dev"}"#,
        r#"{"auth_token": "[REDACTED:atlassian-token]", "email": "dev@acme.dev"}"#,
    ),
    ("notion = Client(auth=«ntn»)", "notion = Client(auth=[REDACTED:notion-token])"),
    // Google
    (
        r#"curl "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent?key=«aiza»" -d @req.json"#,
        r#"curl "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent?key=[REDACTED:google-api-key]" -d @req.json"#,
    ),
    (
        "GEMINI_API_KEY=«aiza2» gemini -p 'summarise'",
        "GEMINI_API_KEY=[REDACTED:google-api-key] gemini -p 'summarise'",
    ),
    (
        r#"{"installed":{"client_id":"1234-abc.apps.googleusercontent.com","client_secret":"«gocspx»"}}"#,
        r#"{"installed":{"client_id":"1234-abc.apps.googleusercontent.com","client_secret":"[REDACTED:google-oauth-secret]"}}"#,
    ),
    ("Authorization: Bearer «ya29»", "Authorization: Bearer [REDACTED:google-oauth-token]"),
    (
        r#"{"refresh_token": "«g_refresh»", "token_type": "Bearer"}"#,
        r#"{"refresh_token": "[REDACTED:google-oauth-token]", "token_type": "Bearer"}"#,
    ),
    // Package registries
    (
        "//registry.npmjs.org/:_authToken=«npm»",
        "//registry.npmjs.org/:_authToken=[REDACTED:npm-token]",
    ),
    (
        "[pypi]\n  username = __token__\n  password = «pypi»\n",
        "[pypi]\n  username = __token__\n  password = [REDACTED:pypi-token]\n",
    ),
    (
        "gem push pkg.gem # GEM_HOST_API_KEY=«rubygems»",
        "gem push pkg.gem # GEM_HOST_API_KEY=[REDACTED:rubygems-key]",
    ),
    (
        "echo «dckr» | docker login -u acme --password-stdin",
        "echo [REDACTED:docker-token] | docker login -u acme --password-stdin",
    ),
    // Chat bots
    (
        "import discord\nclient = discord.Client()\nclient.run('«discord»')",
        "import discord\nclient = discord.Client()\nclient.run('[REDACTED:discord-token]')",
    ),
    (
        "curl -H 'Content-Type: application/json' -d @msg.json https://discord.com/api/webhooks/«discord_hook»",
        "curl -H 'Content-Type: application/json' -d @msg.json https://discord.com/api/webhooks/[REDACTED:discord-webhook]",
    ),
    (
        "curl https://api.telegram.org/bot«telegram»/getMe",
        "curl https://api.telegram.org/bot[REDACTED:telegram-bot-token]/getMe",
    ),
    // Cloud and infrastructure
    ("doctl auth init -t «dop»", "doctl auth init -t [REDACTED:digitalocean-token]"),
    (
        "heroku config:set HEROKU_API_KEY=«hrku» -a shop",
        "heroku config:set HEROKU_API_KEY=[REDACTED:heroku-key] -a shop",
    ),
    (
        "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=«az_account»;EndpointSuffix=core.windows.net",
        "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=[REDACTED:azure-storage-key];EndpointSuffix=core.windows.net",
    ),
    (
        "az login --service-principal -u 0f8fad5b-d9cb-469f-a165-70867728950e -p «az_secret» --tenant acme",
        "az login --service-principal -u 0f8fad5b-d9cb-469f-a165-70867728950e -p [REDACTED:azure-client-secret] --tenant acme",
    ),
    (
        "databricks configure --host https://adb-1.azuredatabricks.net <<< «dapi»",
        "databricks configure --host https://adb-1.azuredatabricks.net <<< [REDACTED:databricks-token]",
    ),
    (
        "doppler configure set token «doppler»",
        "doppler configure set token [REDACTED:doppler-token]",
    ),
    (
        "VAULT_TOKEN=«hvs» vault kv get secret/shop",
        "VAULT_TOKEN=[REDACTED:vault-token] vault kv get secret/shop",
    ),
    (
        "credentials \"app.terraform.io\" {\n  token = \"«atlas»\"\n}",
        "credentials \"app.terraform.io\" {\n  token = \"[REDACTED:terraform-token]\"\n}",
    ),
    (
        "grafana:\n  sa: «glsa»\n  cloud: «glc»",
        "grafana:\n  sa: [REDACTED:grafana-token]\n  cloud: [REDACTED:grafana-token]",
    ),
    (
        "sentry-cli --auth-token «sntryu» releases list",
        "sentry-cli --auth-token [REDACTED:sentry-token] releases list",
    ),
    ("supabase login --token «sbp»", "supabase login --token [REDACTED:supabase-key]"),
    (
        "export OP_SERVICE_ACCOUNT_TOKEN=«ops»",
        "export OP_SERVICE_ACCOUNT_TOKEN=[REDACTED:onepassword-token]",
    ),
    ("NEW_RELIC_API_KEY=«nrak»", "NEW_RELIC_API_KEY=[REDACTED:newrelic-key]"),
    (
        "pulumi login # PULUMI_ACCESS_TOKEN=«pul»",
        "pulumi login # PULUMI_ACCESS_TOKEN=[REDACTED:pulumi-token]",
    ),
    (
        "mysql -h aws.connect.psdb.cloud -u app --password=«pscale» shop",
        "mysql -h aws.connect.psdb.cloud -u app --password=[REDACTED:planetscale-token] shop",
    ),
    ("fly deploy --access-token «fo1»", "fly deploy --access-token [REDACTED:flyio-token]"),
    (
        "# created: 2026-11-25\n# public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n«age»\n",
        "# created: 2026-11-25\n# public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n[REDACTED:age-secret-key]\n",
    ),
    // Private keys
    (
        "$ cat deploy/server.key\n«rsa»\n$ ls",
        "$ cat deploy/server.key\n[REDACTED:private-key]\n$ ls",
    ),
    (
        r#"{"stdout":"«openssh_escaped»\n","stderr":""}"#,
        r#"{"stdout":"[REDACTED:private-key]\n","stderr":""}"#,
    ),
    ("$ head -3 certs/ec.pem\n«ec_truncated»", "$ head -3 certs/ec.pem\n[REDACTED:private-key]"),
    ("«pgp»\n", "[REDACTED:private-key]\n"),
    (
        r#"  "private_key_id": "4b1c9e2f",\n  "private_key": "«pkcs8_escaped»","#,
        r#"  "private_key_id": "4b1c9e2f",\n  "private_key": "[REDACTED:private-key]\n","#,
    ),
    // JWTs and authorization headers
    (
        r#"curl -H "Authorization: Bearer «jwt»" https://api.acme.dev/orders"#,
        r#"curl -H "Authorization: Bearer [REDACTED:jwt]" https://api.acme.dev/orders"#,
    ),
    (
        "Set-Cookie: session=«jwt2»; Path=/; HttpOnly",
        "Set-Cookie: session=[REDACTED:jwt]; Path=/; HttpOnly",
    ),
    (
        r#"curl -H "Authorization: Bearer 4f8a9c2e7b1d6f3a0e5c8b9d2a7f4e1c" https://api.acme.dev/v1/me"#,
        r#"curl -H "Authorization: Bearer [REDACTED:bearer-token]" https://api.acme.dev/v1/me"#,
    ),
    (
        "GET /admin HTTP/1.1\r\nAuthorization: Basic YWRtaW46czNjcjN0UGFzcw==\r\n",
        "GET /admin HTTP/1.1\r\nAuthorization: Basic [REDACTED:basic-auth]\r\n",
    ),
    (
        "curl -u admin:Sup3rS3cret! https://jenkins.acme.dev/api/json",
        "curl -u admin:[REDACTED:basic-auth] https://jenkins.acme.dev/api/json",
    ),
    (
        "curl --proxy-user ops:Pr0xyP4ss -x http://proxy:3128 https://acme.dev\ncurl -U x:Y2k3m --user=deploy:s3cr3t https://a.dev",
        "curl --proxy-user ops:[REDACTED:basic-auth] -x http://proxy:3128 https://acme.dev\ncurl -U x:[REDACTED:basic-auth] --user=deploy:[REDACTED:basic-auth] https://a.dev",
    ),
    (
        "curl -sS --user 'admin:Adm1n!pw' https://grafana.acme.dev/api/health",
        "curl -sS --user 'admin:[REDACTED:basic-auth]' https://grafana.acme.dev/api/health",
    ),
    (
        "$ cat ~/.netrc\nmachine build.acme.dev\n  login ci\n  password Qm9vdHN0cmFw-42\n",
        "$ cat ~/.netrc\nmachine build.acme.dev\n  login ci\n  password [REDACTED:env-secret]\n",
    ),
    (
        "mysql -h db -uroot -pS3cr3t!x shop -e 'select 1'; mysqldump -u app -p'Dump P4ss' shop",
        "mysql -h db -uroot -p[REDACTED:env-secret] shop -e 'select 1'; mysqldump -u app -p'[REDACTED:env-secret]' shop",
    ),
    (
        r#"curl -H "Cookie: theme=dark; sessionid=8f3a9c2e7b1d6f3a0e5c8b9d2a7f4e1c; csrftoken=Qm9vdHN0cmFwMTIzNDU2Nzg5" https://acme.dev/admin"#,
        r#"curl -H "Cookie: theme=dark; sessionid=[REDACTED:high-entropy]; csrftoken=[REDACTED:env-secret]" https://acme.dev/admin"#,
    ),
    (
        "HTTP/2 200\r\nset-cookie: sid=s%3AZk9vYmFyMTIzNDU2Nzg5MA.x7Kp2; Path=/; HttpOnly; Secure\r\n",
        "HTTP/2 200\r\nset-cookie: sid=[REDACTED:high-entropy]; Path=/; HttpOnly; Secure\r\n",
    ),
    // Credentials in URLs
    (
        "DATABASE_URL=postgres://app:s3cr3tP4ss@db.internal:5432/shop",
        "DATABASE_URL=postgres://app:[REDACTED:url-password]@db.internal:5432/shop",
    ),
    (
        "mysql://root:hunter2@localhost:3306/shop",
        "mysql://root:[REDACTED:url-password]@localhost:3306/shop",
    ),
    (
        "pip install --index-url https://deploy:Tr0ub4dor&3@pypi.acme.dev/simple shop",
        "pip install --index-url https://deploy:[REDACTED:url-password]@pypi.acme.dev/simple shop",
    ),
    (
        "REDIS_URL=redis://:p4ssw0rd42@cache:6379/0",
        "REDIS_URL=redis://:[REDACTED:url-password]@cache:6379/0",
    ),
    // Secret-named assignments
    ("export DB_PASSWORD=hunter2", "export DB_PASSWORD=[REDACTED:env-secret]"),
    (r#"API_KEY="«hex32»""#, r#"API_KEY="[REDACTED:env-secret]""#),
    (
        "database:\n  user: shop\n  password: S3cure!Pass\n  host: db",
        "database:\n  user: shop\n  password: [REDACTED:env-secret]\n  host: db",
    ),
    (
        r#"{"client_id": "shop-web", "client_secret": "«rand24»"}"#,
        r#"{"client_id": "shop-web", "client_secret": "[REDACTED:env-secret]"}"#,
    ),
    (
        "./migrate --password=hunter22 --host db",
        "./migrate --password=[REDACTED:env-secret] --host db",
    ),
    (
        "./deploy --api-token «hex32b» --env prod",
        "./deploy --api-token [REDACTED:env-secret] --env prod",
    ),
    (
        "PGPASSWORD=pg-Secret-9 psql -h db -U app shop",
        "PGPASSWORD=[REDACTED:env-secret] psql -h db -U app shop",
    ),
    (
        "docker run -e POSTGRES_PASSWORD=mysecretpassword -d postgres:17",
        "docker run -e POSTGRES_PASSWORD=[REDACTED:env-secret] -d postgres:17",
    ),
    (
        "Server=db;Database=shop;User Id=sa;Password=Xy7!pQ2rT9;",
        "Server=db;Database=shop;User Id=sa;Password=[REDACTED:env-secret];",
    ),
    ("spring.datasource.password=Secr3t!", "spring.datasource.password=[REDACTED:env-secret]"),
    (
        r#"os.environ["DB_PASSWORD"] = "hunter2hunter2""#,
        r#"os.environ["DB_PASSWORD"] = "[REDACTED:env-secret]""#,
    ),
    (
        "kubectl create secret generic db --from-literal=password=S3cr3tP@ss",
        "kubectl create secret generic db --from-literal=password=[REDACTED:env-secret]",
    ),
    (
        r#"stdout: {\"password\": \"hunter2!\", \"user\": \"root\"}"#,
        r#"stdout: {\"password\": \"[REDACTED:env-secret]\", \"user\": \"root\"}"#,
    ),
    (
        "machine api.heroku.com login me@acme.dev password 01234567-89ab-cdef-0123-456789abcdef",
        "machine api.heroku.com login me@acme.dev password [REDACTED:env-secret]",
    ),
    (
        "sshpass -p 'Wint3r!2026' ssh deploy@10.0.0.5",
        "sshpass -p '[REDACTED:env-secret]' ssh deploy@10.0.0.5",
    ),
    // High-entropy values under weakly secret-looking names
    (r#"{"key": "Zx8kP2mQ9vR4tW7yB3nF6hJ1"}"#, r#"{"key": "[REDACTED:high-entropy]"}"#),
    (
        "//npm.acme.dev/:_auth=dXNlcjpwYXNzd29yZDEyMw==",
        "//npm.acme.dev/:_auth=[REDACTED:high-entropy]",
    ),
    (
        "https://acme.blob.core.windows.net/c/f.zip?sv=2022-11-02&sr=b&sig=Jq8%2Bk2Lm9Pz4Rt7Vw1Xy3Ab5Cd6Ef8Gh0%3D&se=2026",
        "https://acme.blob.core.windows.net/c/f.zip?sv=2022-11-02&sr=b&sig=[REDACTED:high-entropy]&se=2026",
    ),
];

/// Look-alikes that must pass through byte for byte.
const LOOK_ALIKES: &[&str] = &[
    "session_id: 0cfde7cd-23f6-45f2-9cd7-3fae11d5363e",
    "commit 3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a\nAuthor: Dev <dev@acme.dev>",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  dist/tl.tar.gz",
    "FROM node@sha256:5c2c1b4b9a0f9c1e8a3f6d7e2b1c0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkeyJhYPgPAAWoAsk3eyJ0AAAAAElFTkSuQmCC",
    "OPENAI_API_KEY=sk-your-key-here",
    r#"curl -H "Authorization: Bearer <YOUR_API_KEY>" https://api.acme.dev"#,
    "password: xxx",
    "password: changeme",
    "export GITHUB_TOKEN=${GITHUB_TOKEN}",
    "API_KEY=$API_KEY ./run.sh",
    r#"api_key = os.environ["OPENAI_API_KEY"]"#,
    "const token = process.env.TOKEN;",
    "gh auth login --token your-token",
    "SECRET_KEY=REPLACE_ME",
    r#"password: "****""#,
    r#"password: """#,
    "token_count: 1234",
    r#"{"model": "claude-sonnet-4", "max_tokens": 4096}"#,
    r#"tokenizer = AutoTokenizer.from_pretrained("gpt2")"#,
    "src/secretary.rs",
    "crates/api/src/auth.rs",
    r#""integrity": "sha512-Zx8kP2mQ9vR4tW7yB3nF6hJ1Lm0Nb5Vc4Xz3Qw2Er1Ty6Ui7Op8As9Df0Gh1Jk2Lz3Xc4Vb5Nm6Qw7Er8Ty9Ui0Op1AsDf==""#,
    "see task-sk-proj-42 in the tracker",
    "let ThisIsAVeryLongCamelCaseIdentifierName = 1;",
    "/home/dev/.config/secrets/keys.json",
    "https://github.com/acme/shop/blob/main/src/auth/token.rs",
    "GITHUB_TOKEN=[REDACTED:github-token]",
    "password: [REDACTED:env-secret]",
    "postgres://app:[REDACTED:url-password]@db:5432/shop",
    "git@github.com:acme/shop.git",
    "ssh://git@github.com/acme/shop.git",
    "postgres://user:password@localhost/db",
    "postgres://localhost:5432/shop",
    "https://dev@acme.dev/login",
    "STRIPE_PUBLISHABLE_KEY=pk_live_51Hx8kP2mQ9vR4tW7yB3nF6hJ1",
    "echo ghp_example",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "token_type: bearer",
    "Bearer of bad news: the build is red",
    r#"curl -H "Authorization: Bearer $TOKEN" https://api.github.com/user"#,
    "Authorization: Bearer ${{ secrets.DEPLOY_TOKEN }}",
    "password = getpass.getpass()",
    "fn login(password: &str) -> Result<Session> {",
    "    pub api_key: String,",
    "def connect(token: str, timeout: int = 30):",
    "interface Props { token?: string }",
    "secret: true",
    "key: value",
    r#"cache_key = "user-profile-1234""#,
    r#""primary_key": "id""#,
    "PWD=/home/dev/shop\nOLDPWD=/home/dev",
    "error: invalid token: expected 3 segments",
    "The password is stored in the vault.",
    "echo $CR_PAT | docker login ghcr.io -u dev --password-stdin",
    "git config --global credential.helper store",
    "xoxb-your-bot-token",
    "eyJhbGciOiJIUzI1NiJ9 is the header",
    "hf_hub_download(repo_id=\"gpt2\", filename=\"config.json\")",
    "npm_config_cache=/tmp/npm",
    r#"{"key": "Enter", "code": "Enter"}"#,
    "AUTH_URL=https://auth.acme.dev/oauth/authorize",
    "--token=$(gh auth token)",
    "kubectl get secret db-creds -o yaml",
    r#""private_key_id": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0""#,
    r#""password_hash": "$2b$12$KIXQJZ8pQ3mN1vR4tW7yBeZx8kP2mQ9vR4tW7yB3nF6hJ1Lm0Nb5V""#,
    "jwt_secret_length: 64",
    "refresh_token_expires_in: 3600",
    "monkey=banana",
    "passed: 12, failed: 0, skipped: 1",
    "bypass: true",
    r#"{"tokens_used": 1532}"#,
    "let token = Token::new(kind);",
    "mongodb+srv://<username>:<password>@cluster0.acme.mongodb.net/shop",
    "https://${USER}:${PASS}@registry.acme.dev",
    r#"{"description": "Your API token"}"#,
    r#"grep -r "BEGIN RSA PRIVATE KEY" ~"#,
    r#"if line.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {"#,
    "TOKEN_LIMIT=100000",
    r#"headers["Authorization"] = "Bearer " + token"#,
    "password=os.getenv('DB_PASSWORD')",
    "token: ${{ secrets.GITHUB_TOKEN }}",
    "- uses: actions/checkout@v4\n  with:\n    token: ${{ secrets.PAT }}",
    "The key insight: caching beats recomputing.",
    "sort_key = lambda item: item.name",
    "  --token TOKEN        API token to use",
    "user:pass@host is not a URL",
    "http://localhost:8080/health",
    "id_rsa.pub id_ed25519.pub known_hosts",
    "SKIP_TESTS=1 cargo build",
    "docker run -u 1000:1000 -v $PWD:/src alpine",
    "curl -u $USER:$TOKEN https://api.acme.dev",
    "git push -u origin main",
    "mysql -u root -p shop < dump.sql",
    "mysql -h db -P 3306 -u app -p$MYSQL_PASSWORD shop",
    "Cookie: theme=dark; lang=en-GB; consent=1",
    "mkdir -p build/mysql && cp -p my.cnf build/",
    "pip install --use-feature=truststore -r requirements.txt; LANG=en-us",
    "a state machine login flow with password reset",
    "curl --user-agent tl/0.1 https://acme.dev",
    "asked the ASIA team about the AKIA prefix",
];

#[test]
fn true_secrets_are_redacted() {
    assert!(SECRETS.len() >= 60, "{} cases", SECRETS.len());
    check_all(SECRETS.iter().copied());
}

#[test]
fn look_alikes_pass_through() {
    assert!(LOOK_ALIKES.len() >= 60, "{} cases", LOOK_ALIKES.len());
    check_all(LOOK_ALIKES.iter().map(|&input| (input, input)));
}

#[test]
fn every_kind_has_a_true_case() {
    let mut seen: Vec<SecretKind> = SECRETS.iter().flat_map(|(_, e)| markers(e)).collect();
    seen.sort();
    seen.dedup();
    let missing: Vec<&str> =
        SecretKind::ALL.iter().filter(|k| !seen.contains(k)).map(|k| k.id()).collect();
    assert_eq!(missing, Vec::<&str>::new());
}

#[test]
fn provider_formats_are_told_apart() {
    assert!(SecretKind::GithubToken.is_provider_format());
    assert!(SecretKind::PrivateKey.is_provider_format());
    assert!(!SecretKind::EnvSecret.is_provider_format());
    assert!(!SecretKind::HighEntropy.is_provider_format());
    assert!(!SecretKind::UrlPassword.is_provider_format());
}

#[test]
fn ids_round_trip_and_are_kebab_case() {
    for &kind in SecretKind::ALL {
        assert_eq!(SecretKind::from_id(kind.id()), Some(kind));
        assert!(
            kind.id().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        assert_eq!(serde_json::to_string(&kind).ok(), Some(format!("\"{}\"", kind.id())));
    }
}

#[test]
fn rules_build() {
    let r = Redactor::new();
    assert!(r.prefilter.buckets.len() < 255, "{} buckets", r.prefilter.buckets.len());
    for kw in &r.prefilter.keywords {
        assert!(kw.text.len() >= 2, "keyword {:?} is shorter than the bigram", kw.text);
    }
    for i in 0..REGEX_RULES.len() {
        assert!(rules::compiled(i).is_some(), "regex rule {i} does not compile");
    }
}

#[test]
fn no_keyword_borrows() {
    let text =
        "total 16\ndrwxr-xr-x 2 root root 4096 Nov 25 08:54 .\n-rw-r--r-- 1 root root 157 app.yml";
    let (out, kinds) = Redactor::shared().redact_str(text);
    assert!(matches!(out, Cow::Borrowed(_)));
    assert!(kinds.is_empty());
}

/// A Claude Code `PostToolUse` payload, shaped like the real ones in
/// `tests/fixtures/claude-code/hooks.jsonl`, with a secret in the command and one in stdout.
fn claude_post_tool_use(command: &str, stdout: &str) -> Value {
    serde_json::json!({
        "session_id": "0cfde7cd-23f6-45f2-9cd7-3fae11d5363e",
        "transcript_path": "/home/dev/.claude/projects/-home-dev-shop/0cfde7cd-23f6-45f2-9cd7-3fae11d5363e.jsonl",
        "cwd": "/home/dev/shop",
        "prompt_id": "c576e5ce-3630-41cb-a879-644def17fda4",
        "permission_mode": "bypassPermissions",
        "hook_event_name": "PostToolUse",
        "tool_name": "Bash",
        "tool_input": {
            "command": command,
            "description": "Check the deploy credentials work"
        },
        "tool_response": {
            "stdout": stdout,
            "stderr": "",
            "interrupted": false,
            "isImage": false,
            "noOutputExpected": false
        },
        "tool_use_id": "toolu_01ba6705b97cea4600002",
        "duration_ms": 22
    })
}

#[test]
fn claude_hook_payload_is_redacted_in_place() {
    let command = expand(
        r#"curl -sf -H "Authorization: Bearer «ghp»" https://api.github.com/user && cat config/secrets.yml"#,
    );
    let stdout = expand(
        "{\"login\": \"dev\"}\n# secrets.yml\nstripe:\n  secret_key: «sk_live»\n  publishable_key: pk_live_51Hx8kP2mQ9vR4tW7yB3nF6hJ1\n",
    );
    let mut payload = claude_post_tool_use(&command, &stdout);
    let hits = Redactor::shared().redact_json(&mut payload);

    let expected = claude_post_tool_use(
        r#"curl -sf -H "Authorization: Bearer [REDACTED:github-token]" https://api.github.com/user && cat config/secrets.yml"#,
        "{\"login\": \"dev\"}\n# secrets.yml\nstripe:\n  secret_key: [REDACTED:stripe-key]\n  publishable_key: pk_live_51Hx8kP2mQ9vR4tW7yB3nF6hJ1\n",
    );
    assert_eq!(payload, expected);
    assert_eq!(
        hits,
        vec![
            Hit { kind: SecretKind::GithubToken, pointer: "/tool_input/command".into() },
            Hit { kind: SecretKind::StripeKey, pointer: "/tool_response/stdout".into() },
        ]
    );
    // A second pass finds nothing and changes nothing.
    let again = payload.clone();
    assert!(Redactor::shared().redact_json(&mut payload).is_empty());
    assert_eq!(payload, again);
}

/// Every JSON line of the real captured fixtures (Claude Code, Codex, Gemini CLI).
const FIXTURES: &[(&str, &str)] = &[
    ("claude-code/hooks", include_str!("../../tests/fixtures/claude-code/hooks.jsonl")),
    ("claude-code/stream", include_str!("../../tests/fixtures/claude-code/stream.jsonl")),
    (
        "claude-code/transcript",
        include_str!("../../tests/fixtures/claude-code/0cfde7cd-23f6-45f2-9cd7-3fae11d5363e.jsonl"),
    ),
    ("codex/hooks", include_str!("../../tests/fixtures/codex/hooks.jsonl")),
    ("codex/exec", include_str!("../../tests/fixtures/codex/exec.jsonl")),
    ("codex/notify", include_str!("../../tests/fixtures/codex/notify.jsonl")),
    (
        "codex/rollout",
        include_str!(
            "../../tests/fixtures/codex/rollout-2026-11-25T08-54-42-01a211ea-1391-7b62-b20d-240046b834f3.jsonl"
        ),
    ),
    ("gemini/hooks", include_str!("../../tests/fixtures/gemini/hooks.jsonl")),
    ("gemini/stream", include_str!("../../tests/fixtures/gemini/stream.jsonl")),
    (
        "gemini/session",
        include_str!("../../tests/fixtures/gemini/session-2026-11-25T08-56-9c571702.jsonl"),
    ),
];

/// The real fixtures carry one secret file, `config/secrets.yml` (marked `DO NOT COMMIT`),
/// read by each agent. Exactly its three values are redacted wherever it appears, and every
/// other line passes through unchanged.
#[test]
fn real_fixtures_redact_exactly_the_planted_secrets() {
    const PLANTED: &[(&str, &str)] = &[
        ("AKIAQ3EXAMPLE7FAKE42", "[REDACTED:aws-access-key]"),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "[REDACTED:aws-secret-key]"),
        (
            "sk-ant-api03-FAKEfakeFAKEfake0123456789abcdefFAKEfakeFAKE-AA",
            "[REDACTED:anthropic-key]",
        ),
    ];
    let mut lines_with_secrets = 0;
    for (name, text) in FIXTURES {
        for (n, line) in text.lines().enumerate() {
            let Ok(mut v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let hits = Redactor::shared().redact_json(&mut v);
            if line.contains("DO NOT COMMIT") {
                lines_with_secrets += 1;
                let mut expected_line = line.to_string();
                for (secret, marker) in PLANTED {
                    expected_line = expected_line.replace(secret, marker);
                }
                let expected: Value = serde_json::from_str(&expected_line).unwrap_or_default();
                assert_eq!(v, expected, "{name}:{}", n + 1);
                assert!(!hits.is_empty());
            } else {
                assert_eq!(hits, Vec::<Hit>::new(), "{name}:{}", n + 1);
            }
        }
    }
    assert_eq!(lines_with_secrets, 12);
}

#[test]
#[ignore = "prints what the redactor finds in the fixtures"]
fn show_fixture_hits() {
    for (name, text) in FIXTURES {
        for (n, line) in text.lines().enumerate() {
            let Ok(mut v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            for hit in Redactor::shared().redact_json(&mut v) {
                let got = v.pointer(&hit.pointer).cloned().unwrap_or_default();
                println!("{name}:{} {} {} => {}", n + 1, hit.pointer, hit.kind, got);
            }
        }
    }
}

#[test]
fn json_values_under_secret_keys() {
    let mut v = serde_json::json!({
        "mcpServers": {
            "github": {
                "command": "docker",
                "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server", "--token", "hunter2hunter2"],
                "env": {
                    "GITHUB_PERSONAL_ACCESS_TOKEN": "s3cr3t-value-1",
                    "DB_PASSWORD": "correct horse",
                    "LOG_LEVEL": "debug",
                    "API_KEY": "${API_KEY}",
                    "OTHER_TOKEN": "",
                    "TOKEN_LIMIT": "100000"
                }
            }
        },
        "auths": {"https://index.docker.io/v1/": {"auth": "ZGV2OnMzY3IzdFBhc3N3b3JkMQ=="}},
        "password": null,
        "cookie": "theme=dark; session=Zx8kP2mQ9vR4tW7yB3nF6hJ1",
        "token_count": 1234,
        "headers": {"Authorization": "Basic ZGV2OnMzY3IzdA==", "Accept": "application/json"},
        "cache_key": "user-profile-1234",
        "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    });
    let hits = Redactor::shared().redact_json(&mut v);
    let expected = serde_json::json!({
        "mcpServers": {
            "github": {
                "command": "docker",
                "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server", "--token", "[REDACTED:env-secret]"],
                "env": {
                    "GITHUB_PERSONAL_ACCESS_TOKEN": "[REDACTED:env-secret]",
                    "DB_PASSWORD": "[REDACTED:env-secret]",
                    "LOG_LEVEL": "debug",
                    "API_KEY": "${API_KEY}",
                    "OTHER_TOKEN": "",
                    "TOKEN_LIMIT": "100000"
                }
            }
        },
        "auths": {"https://index.docker.io/v1/": {"auth": "[REDACTED:high-entropy]"}},
        "password": null,
        "cookie": "[REDACTED:high-entropy]",
        "token_count": 1234,
        "headers": {"Authorization": "[REDACTED:basic-auth]", "Accept": "application/json"},
        "cache_key": "user-profile-1234",
        "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    });
    assert_eq!(v, expected);
    let mut pointers: Vec<(String, &str)> =
        hits.iter().map(|h| (h.pointer.clone(), h.kind.id())).collect();
    pointers.sort();
    assert_eq!(
        pointers,
        vec![
            ("/auths/https:~1~1index.docker.io~1v1~1/auth".to_string(), "high-entropy"),
            ("/cookie".to_string(), "high-entropy"),
            ("/headers/Authorization".to_string(), "basic-auth"),
            ("/mcpServers/github/args/5".to_string(), "env-secret"),
            ("/mcpServers/github/env/DB_PASSWORD".to_string(), "env-secret"),
            ("/mcpServers/github/env/GITHUB_PERSONAL_ACCESS_TOKEN".to_string(), "env-secret"),
        ]
    );
}

#[test]
fn secrets_in_object_keys_are_redacted() {
    let mut v = serde_json::json!({ fake("ghp"): true, "ok": 1 });
    let hits = Redactor::shared().redact_json(&mut v);
    assert_eq!(v, serde_json::json!({"[REDACTED:github-token]": true, "ok": 1}));
    assert_eq!(
        hits,
        vec![Hit { kind: SecretKind::GithubToken, pointer: "/[REDACTED:github-token]".into() }]
    );
}

#[test]
fn multibyte_text_around_secrets() {
    check("密码: «ghp» — ok", "密码: [REDACTED:github-token] — ok").unwrap();
    check("clé=«sk48»é", "clé=[REDACTED:openai-key]é").unwrap();
}

/// Hostile shapes that would make a careless scanner quadratic finish in linear time.
#[test]
fn hostile_inputs_stay_linear() {
    let shapes = [
        "token=".repeat(20_000),
        "-----BEGIN RSA PRIVATE KEY-----\"".repeat(4_000),
        "-----BEGIN RSA PRIVATE KEY-----".repeat(4_000),
        "password=\"".repeat(12_000),
        "a://b:c@".repeat(15_000),
        "Bearer ".repeat(20_000),
        "curl -u a:b ".repeat(10_000),
        format!("sk-{}", "a1".repeat(60_000)),
        "eyJ".repeat(40_000),
        "[REDACTED:env-secret]".repeat(6_000),
    ];
    let start = std::time::Instant::now();
    for text in &shapes {
        let (once, _) = Redactor::shared().redact_str(text);
        let (twice, _) = Redactor::shared().redact_str(&once);
        assert_eq!(twice, once);
    }
    // ~120 KB each. Linear: ~0.1 s in release, a few seconds in debug; quadratic: minutes.
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
}

/// Inputs that proptest once shrank to: each broke idempotence.
#[test]
fn found_by_proptest() {
    let cases = [
        // A name inside a marker (`env-secret`) followed by `: value`.
        ("--token A0Bearer :x", "--token [REDACTED:env-secret] :x"),
        // An END label counted as key material.
        (
            "-----BEGIN RSA PRIVATE KEY-----password-----END RSA PRIVATE KEY-----:ab",
            "-----BEGIN RSA PRIVATE KEY-----password-----END RSA PRIVATE KEY-----:ab",
        ),
        // A regex match reaching into a marker.
        ("curl -u password=A=a", "curl -u password=[REDACTED:env-secret]"),
    ];
    check_all(cases.into_iter());
}

/// More inputs proptest shrank to: a broken marker, a span found far from its hit
/// (`mysql -p`), and redactions that change how the rest parses. Each output is a fixed point.
#[test]
fn found_by_proptest_are_fixed_points() {
    let r = Redactor::shared();
    for input in [
        "Cookie: =0[REDACTED:\u{a1}x\\--token \u{5bc6}",
        "mysql -p Authorization: ://\"mysql -p\u{e9}",
        "Cookie: Bearer =Aa0-----END RSA PRIVATE KEY-----=Basic ",
        "Cookie: Bearer =+00---token =0AaaaaAa=_Ge=1bB",
        "mysql --password=hunter22 -pfoo",
    ] {
        let (once, _) = r.redact_str(input);
        let (twice, kinds) = r.redact_str(&once);
        assert_eq!(twice, once, "{input:?}");
        assert!(kinds.is_empty(), "{input:?}");
    }
    // The value between a hit and a span found far to its right is still redacted.
    check(
        "mysql --password=hunter22 -pfoo",
        "mysql --password=[REDACTED:env-secret] -p[REDACTED:env-secret]",
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Strings biased towards the redactor's triggers, so the interesting paths run.
    fn tricky() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            "ghp_",
            "sk-",
            "sk-ant-",
            "AKIA",
            "eyJ",
            ".",
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----END RSA PRIVATE KEY-----",
            "\n",
            "\\n",
            "password",
            "token",
            "key",
            "auth",
            "Bearer ",
            "Basic ",
            "://",
            "@",
            ":",
            "=",
            "\"",
            "'",
            " ",
            "--token ",
            "[REDACTED:",
            "]",
            "$",
            "é",
            "密",
            "xoxb-",
            "AIza",
            "://u:p@h",
            "Authorization: ",
            "curl -u ",
            "machine ",
            "discord",
            ":AA",
            "Q~",
            "-us1",
            "Cookie: ",
            "mysql -p",
            " login u password ",
            "a=b; ",
        ]);
        let piece =
            prop_oneof![atoms.prop_map(str::to_string), "[A-Za-z0-9_+/=-]{1,40}", any::<String>(),];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        // No failure files: shrunk failures become cases in `found_by_proptest` instead.
        #![proptest_config(ProptestConfig {
            // `PROPTEST_CASES=20000` for a longer local run.
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn never_panics_and_is_idempotent(s in tricky()) {
            let r = Redactor::shared();
            let (once, _) = r.redact_str(&s);
            let (twice, kinds) = r.redact_str(&once);
            prop_assert_eq!(&twice, &once);
            prop_assert!(kinds.is_empty(), "second pass found {:?} in {:?}", kinds, once);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>()) {
            let r = Redactor::shared();
            let (once, _) = r.redact_str(&s);
            let (twice, _) = r.redact_str(&once);
            prop_assert_eq!(&twice, &once);
        }

        #[test]
        fn json_is_idempotent(k in tricky(), s in tricky()) {
            let r = Redactor::shared();
            let mut v = serde_json::json!({ k.clone(): s.clone(), "args": ["--token", s.clone()], "env": { "API_KEY": s } });
            r.redact_json(&mut v);
            let once = v.clone();
            let hits = r.redact_json(&mut v);
            prop_assert_eq!(v, once);
            prop_assert!(hits.is_empty());
        }
    }
}

/// Ad-hoc timing; run with
/// `cargo test --release -p capture --lib redact::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing, not a test"]
fn timing() {
    use std::time::Instant;
    let clean = include_str!("../../tests/fixtures/claude-code/hooks.jsonl")
        .lines()
        .nth(4)
        .unwrap_or_default()
        .repeat(3);
    let clean = &clean[..clean.len().min(2048)];
    let dirty = expand(
        "export GITHUB_TOKEN=«ghp» && curl -H \"Authorization: Bearer «jwt»\" https://api.acme.dev && DATABASE_URL=postgres://app:s3cr3t@db/shop ./run --password=hunter22",
    );
    let start = Instant::now();
    let r = Redactor::new();
    println!("Redactor::new: {:?}", start.elapsed());
    let start = Instant::now();
    let mut n = 0usize;
    for _ in 0..2000 {
        n += usize::from(
            memchr::memmem::find(std::hint::black_box(clean.as_bytes()), b"zq#x").is_some(),
        );
        n += std::hint::black_box(clean).bytes().map(usize::from).sum::<usize>() & 1;
    }
    println!("baseline (memmem miss + byte sum over 2 KB): {:?} {n}", start.elapsed() / 2000);
    let pf = &r.prefilter;
    let passing = clean
        .as_bytes()
        .windows(3)
        .filter(|w| {
            let h = trigram(w[0], w[1], w[2]);
            pf.bits[h / 64] >> (h % 64) & 1 == 1
        })
        .count();
    println!("clean 2 KB: {passing} positions pass the trigram bitset");
    let start = Instant::now();
    let mut n = 0;
    for _ in 0..20_000 {
        let mut h = 0;
        for &c in std::hint::black_box(clean).as_bytes() {
            h = roll(h, c);
            n += (pf.bits[h / 64] >> (h % 64) & 1) as usize;
        }
    }
    println!("bare trigram scan: {:?} {}", start.elapsed() / 20_000, n / 20_000);
    let start = Instant::now();
    let mut n = 0;
    for _ in 0..20_000 {
        n += r.find(std::hint::black_box(clean)).len();
    }
    println!("find: {:?} {}", start.elapsed() / 20_000, n / 20_000);
    let start = Instant::now();
    let _ = r.redact_str(&dirty);
    println!("first text with secrets (no regex armed): {:?}", start.elapsed());
    let start = Instant::now();
    let _ = r.redact_str("import discord\nclient.run(TOKEN)");
    println!("first text arming a regex (compiles it): {:?}", start.elapsed());
    for (name, text) in [("clean 2 KB", clean), ("with secrets", dirty.as_str())] {
        let n = 20_000;
        let start = Instant::now();
        let mut found = 0;
        for _ in 0..n {
            found += r.redact_str(std::hint::black_box(text)).1.len();
        }
        let per = start.elapsed() / n;
        let per_kb = per.as_nanos() as f64 * 1024.0 / text.len() as f64;
        println!(
            "{name}: {} bytes, {per:?} per call, {per_kb:.0} ns/KB, {} found",
            text.len(),
            found / n as usize
        );
    }
    let mut v: Value = serde_json::from_str(clean_json()).unwrap_or_default();
    let n = 20_000;
    let start = Instant::now();
    for _ in 0..n {
        let mut w = v.clone();
        r.redact_json(&mut w);
    }
    let clone_start = Instant::now();
    for _ in 0..n {
        let w = v.clone();
        std::hint::black_box(w);
    }
    let clone = clone_start.elapsed();
    println!(
        "redact_json on a {} byte payload: {:?} per call (clone excluded)",
        clean_json().len(),
        (start.elapsed() - clone) / n
    );
    v = Value::Null;
    std::hint::black_box(v);
}

fn clean_json() -> &'static str {
    include_str!("../../tests/fixtures/claude-code/hooks.jsonl").lines().nth(4).unwrap_or_default()
}
