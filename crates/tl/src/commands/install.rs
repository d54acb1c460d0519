//! `tl install <agent>` / `tl uninstall <agent>`: register tl's hook command in an agent's
//! settings, and take it out again, leaving everything else as it was.
//!
//! - Claude Code: `~/.claude/settings.json` (user) or `.claude/settings.json` (project).
//! - Codex: `~/.codex/hooks.json` or `.codex/hooks.json`, plus the `notify` program in
//!   `config.toml` for the turn-complete notification. Codex runs a new hook only once the user
//!   has trusted it (`/hooks` in the Codex TUI); we say so rather than forge its trust hashes.
//! - Gemini CLI: `~/.gemini/settings.json` or `.gemini/settings.json`.
//!
//! Some hook events delegate work to the hook instead of reporting it: Claude Code's
//! `WorktreeCreate` must print the path of the worktree it created, so a silent observer there
//! would break `claude --worktree`. Those are skipped, and `--print` says which and why.
//!
//! Every other setting and hook is preserved: values and key order exactly, formatting with the
//! file's own indentation. The file as it was before the first install is kept as
//! `<file>.tl-backup`, and uninstall puts those exact bytes back when nothing else changed.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

use crate::home::write_private;

/// Which settings file: the user's, or the current project's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// The user's settings in the home directory (every project).
    User,
    /// The current directory's project settings.
    Project,
}

/// The agents tl installs into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InstallAgent {
    /// Anthropic's Claude Code.
    #[value(name = "claude-code")]
    ClaudeCode,
    /// OpenAI's Codex CLI.
    Codex,
    /// Google's Gemini CLI.
    Gemini,
}

impl InstallAgent {
    /// Every agent tl installs into.
    pub const ALL: [InstallAgent; 3] =
        [InstallAgent::ClaudeCode, InstallAgent::Codex, InstallAgent::Gemini];

    /// The name `tl hook` takes.
    pub fn name(self) -> &'static str {
        match self {
            InstallAgent::ClaudeCode => "claude-code",
            InstallAgent::Codex => "codex",
            InstallAgent::Gemini => "gemini",
        }
    }

    /// The hook events tl registers.
    pub fn events(self) -> &'static [&'static str] {
        match self {
            InstallAgent::ClaudeCode => &[
                "PreToolUse",
                "PostToolUse",
                "PostToolUseFailure",
                "PostToolBatch",
                "Notification",
                "UserPromptSubmit",
                "UserPromptExpansion",
                "SessionStart",
                "SessionEnd",
                "Stop",
                "StopFailure",
                "SubagentStart",
                "SubagentStop",
                "PreCompact",
                "PostCompact",
                "PreModelSwitch",
                "PostModelSwitch",
                "PermissionRequest",
                "PermissionDenied",
                "Setup",
                "TeammateIdle",
                "TaskCreated",
                "TaskCompleted",
                "Elicitation",
                "ElicitationResult",
                "ConfigChange",
                "InstructionsLoaded",
                "CwdChanged",
                "FileChanged",
                "DirectoryAdded",
                "MessageDisplay",
            ],
            InstallAgent::Codex => &[
                "SessionStart",
                "SessionEnd",
                "UserPromptSubmit",
                "PreToolUse",
                "PermissionRequest",
                "PostToolUse",
                "PreCompact",
                "PostCompact",
                "SubagentStart",
                "SubagentStop",
                "Stop",
                "Interrupt",
            ],
            InstallAgent::Gemini => &[
                "SessionStart",
                "SessionEnd",
                "BeforeAgent",
                "AfterAgent",
                "BeforeModel",
                "AfterModel",
                "BeforeToolSelection",
                "BeforeTool",
                "AfterTool",
                "PreCompress",
                "Notification",
            ],
        }
    }

    /// The event a tool call fires before it runs: the only one `--enforce` can block.
    pub fn pre_tool_event(self) -> &'static str {
        match self {
            InstallAgent::ClaudeCode | InstallAgent::Codex => "PreToolUse",
            InstallAgent::Gemini => "BeforeTool",
        }
    }

    /// Hook events tl leaves alone, and why.
    fn skipped(self) -> &'static [(&'static str, &'static str)] {
        match self {
            InstallAgent::ClaudeCode => &[
                (
                    "WorktreeCreate",
                    "delegates worktree creation to the hook, which must create it and print its path; a silent observer breaks `claude --worktree`",
                ),
                (
                    "WorktreeRemove",
                    "delegates worktree removal to the hook; an observer would leave worktrees behind",
                ),
            ],
            InstallAgent::Codex | InstallAgent::Gemini => &[],
        }
    }

    fn settings_dir(self) -> &'static str {
        match self {
            InstallAgent::ClaudeCode => ".claude",
            InstallAgent::Codex => ".codex",
            InstallAgent::Gemini => ".gemini",
        }
    }

    fn settings_file(self) -> &'static str {
        match self {
            InstallAgent::ClaudeCode | InstallAgent::Gemini => "settings.json",
            InstallAgent::Codex => "hooks.json",
        }
    }
}

/// Where an install goes, resolved from the environment.
#[derive(Clone, Debug)]
pub struct Target {
    agent: InstallAgent,
    dir: PathBuf,
    /// The command line agents run: `<absolute tl> hook <agent>`, with `TL_HOME=…` first when
    /// the install was made for a TL_HOME other than the default.
    command: Vec<String>,
    /// Whether the pre-tool event's hook blocks calls that match a danger rule.
    enforce: bool,
}

impl Target {
    /// The target for `agent` at `scope`, with the running binary as the hook command.
    pub fn resolve(agent: InstallAgent, scope: Scope) -> anyhow::Result<Target> {
        let base = match scope {
            Scope::User => PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?),
            Scope::Project => std::env::current_dir().context("no current directory")?,
        };
        let exe = std::env::current_exe().context("cannot find the tl binary's own path")?;
        let exe = exe.canonicalize().unwrap_or(exe);
        let mut command = Vec::new();
        if let Some(home) = std::env::var_os("TL_HOME").filter(|h| !h.is_empty()) {
            command.push(format!("TL_HOME={}", PathBuf::from(home).display()));
        }
        command.extend([exe.display().to_string(), "hook".into(), agent.name().into()]);
        Ok(Target { agent, dir: base.join(agent.settings_dir()), command, enforce: false })
    }

    /// The same target with the pre-tool hook blocking (`tl install --enforce`) or not.
    pub fn enforcing(mut self, enforce: bool) -> Target {
        self.enforce = enforce;
        self
    }

    /// The settings file the hooks go into.
    pub fn settings_path(&self) -> PathBuf {
        self.dir.join(self.agent.settings_file())
    }

    /// The hook command as a shell command line.
    fn shell_command(&self) -> String {
        self.command.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ")
    }
}

/// Quotes a word for a POSIX shell when it needs quoting (`TL_HOME=` assignments keep their
/// name unquoted so the shell still sees an assignment).
fn shell_quote(word: &str) -> String {
    let plain = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(&b))
    };
    if plain(word) {
        return word.to_string();
    }
    if let Some(value) = word.strip_prefix("TL_HOME=") {
        return format!("TL_HOME={}", shell_quote(value));
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Whether a hook command line is tl's hook for `agent` (whatever path tl had then).
pub(crate) fn is_tl_command(command: &str, agent: &str) -> bool {
    let words = shell_words(command);
    words
        .windows(3)
        .any(|w| (w[0] == "tl" || w[0].ends_with("/tl")) && w[1] == "hook" && w[2] == agent)
}

/// Splits a command line into words the way a POSIX shell would for plain words and quotes
/// (enough to find tl's own command lines again, which `shell_quote` wrote).
pub(crate) fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|c| *c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// What an install or uninstall did (or would do, with `--print`).
#[derive(Debug)]
pub struct Outcome {
    /// The settings file.
    pub path: PathBuf,
    /// Its new content.
    pub content: String,
    /// Whether the file changes.
    pub changed: bool,
    /// Lines to show the user.
    pub notes: Vec<String>,
}

/// Every `command` string registered under `hooks` in a settings object.
pub(crate) fn hook_commands(settings: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(Value::Object(hooks)) = settings.get("hooks") else { return out };
    for (event, groups) in hooks {
        for group in groups.as_array().into_iter().flatten() {
            for hook in group.get("hooks").and_then(Value::as_array).into_iter().flatten() {
                if let Some(c) = hook.get("command").and_then(Value::as_str) {
                    out.push((event.clone(), c.to_string()));
                }
            }
        }
    }
    out
}

/// Reads a JSON settings file: missing or empty is `{}`; anything that is not a JSON object is
/// an error (we never overwrite a file we cannot read).
pub(crate) fn read_settings(path: &Path) -> anyhow::Result<(Option<String>, Map<String, Value>)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((None, Map::new())),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if text.trim().is_empty() {
        return Ok((Some(text), Map::new()));
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok((Some(text), map)),
        Ok(_) => bail!("{} is not a JSON object; tl leaves it alone", path.display()),
        Err(e) => bail!(
            "{} is not valid JSON ({e}); tl leaves it alone\nhint: fix the file, then run the command again",
            path.display()
        ),
    }
}

/// Removes tl's hooks for `agent` from a settings object; drops groups and events left empty.
fn remove_tl_hooks(settings: &mut Map<String, Value>, agent: &str) -> usize {
    let mut removed = 0;
    let Some(Value::Object(hooks)) = settings.get_mut("hooks") else { return 0 };
    for groups in hooks.values_mut() {
        let Value::Array(groups) = groups else { continue };
        for group in groups.iter_mut() {
            if let Some(Value::Array(list)) = group.get_mut("hooks") {
                let before = list.len();
                list.retain(|h| {
                    !h.get("command")
                        .and_then(Value::as_str)
                        .is_some_and(|c| is_tl_command(c, agent))
                });
                removed += before - list.len();
            }
        }
        groups.retain(|g| g.get("hooks").and_then(Value::as_array).is_none_or(|l| !l.is_empty()));
    }
    hooks.retain(|_, groups| groups.as_array().is_none_or(|g| !g.is_empty()));
    if hooks.is_empty() {
        settings.remove("hooks");
    }
    removed
}

fn add_tl_hooks(settings: &mut Map<String, Value>, target: &Target) {
    let plain = target.shell_command();
    let enforcing = format!("{plain} --enforce");
    if !settings.get("hooks").is_some_and(Value::is_object) {
        settings.insert("hooks".into(), Value::Object(Map::new()));
    }
    let Some(Value::Object(hooks)) = settings.get_mut("hooks") else { return };
    for event in target.agent.events() {
        let blocks = target.enforce && *event == target.agent.pre_tool_event();
        let command = if blocks { &enforcing } else { &plain };
        let group = match target.agent {
            // A 10 s timeout: tl takes about a millisecond, and a stuck hook must not stall the
            // agent for its default minute.
            InstallAgent::ClaudeCode => json!({
                "matcher": "*",
                "hooks": [{ "type": "command", "command": command, "timeout": 10 }]
            }),
            InstallAgent::Codex => json!({
                "hooks": [{ "type": "command", "command": command, "timeout": 10 }]
            }),
            // Gemini's timeouts are in milliseconds, and its hooks have names.
            InstallAgent::Gemini => json!({
                "hooks": [{ "type": "command", "command": command, "name": format!("tl-{event}"), "timeout": 10000 }]
            }),
        };
        let entry = hooks.entry(event.to_string()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(groups) = entry {
            groups.push(group);
        } else {
            *entry = Value::Array(vec![group]);
        }
    }
    if target.agent == InstallAgent::Gemini {
        // Gemini runs hooks only with hooksConfig.enabled.
        let config = settings.entry("hooksConfig").or_insert_with(|| json!({}));
        if let Value::Object(config) = config {
            config.entry("enabled").or_insert(Value::Bool(true));
        }
    }
}

/// Serializes with the indentation the file already used (two spaces for a new file).
fn to_json(settings: &Map<String, Value>, original: Option<&str>) -> String {
    let indent = original
        .and_then(|t| t.lines().nth(1))
        .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').collect::<String>())
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| "  ".to_string());
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // A map of JSON values always serializes.
    let _ = serde::Serialize::serialize(settings, &mut ser);
    let mut text = String::from_utf8(out).unwrap_or_default();
    text.push('\n');
    text
}

fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tl-backup");
    path.with_file_name(name)
}

/// Computes (and unless `dry_run`, writes) the install.
pub fn install(target: &Target, dry_run: bool) -> anyhow::Result<Vec<Outcome>> {
    let path = target.settings_path();
    let (original, mut settings) = read_settings(&path)?;
    let had_tl = remove_tl_hooks(&mut settings, target.agent.name()) > 0;
    add_tl_hooks(&mut settings, target);
    let content = to_json(&settings, original.as_deref());
    let changed = original.as_deref() != Some(content.as_str());
    let mut notes = vec![format!(
        "{} {} hook events for {} in {}",
        if dry_run { "would register" } else { "registered" },
        target.agent.events().len(),
        target.agent.name(),
        path.display()
    )];
    for (event, why) in target.agent.skipped() {
        notes.push(format!("skipped {event}: {why}"));
    }
    if target.enforce {
        notes.push(format!(
            "{} runs `tl hook {} --enforce`: a tool call that matches a danger rule is blocked, and the model is told why (`tl rules list` shows the rules, `tl rules disable ID` switches one off, `tl install {}` without --enforce stops blocking)",
            target.agent.pre_tool_event(),
            target.agent.name(),
            target.agent.name()
        ));
    }
    if !dry_run && changed {
        std::fs::create_dir_all(&target.dir)
            .with_context(|| format!("cannot create {}", target.dir.display()))?;
        let backup = backup_path(&path);
        if let Some(original) = &original
            && (!had_tl || !backup.exists())
        {
            write_private(&backup, original.as_bytes())
                .with_context(|| format!("cannot write {}", backup.display()))?;
            notes.push(format!("backup of the previous file: {}", backup.display()));
        }
        write_settings(&path, &content)?;
    }
    let mut outcomes = vec![Outcome { path, content, changed, notes }];
    if target.agent == InstallAgent::Codex {
        outcomes.push(codex_notify(target, dry_run, true)?);
        if let Some(first) = outcomes.first_mut() {
            first.notes.push(
                "Codex runs a new hook only after you trust it: start `codex`, type /hooks, review tl's hooks and trust them (for one-off automation, `codex exec --dangerously-bypass-hook-trust`)".into(),
            );
        }
    }
    Ok(outcomes)
}

/// Computes (and unless `dry_run`, writes) the uninstall.
pub fn uninstall(target: &Target, dry_run: bool) -> anyhow::Result<Vec<Outcome>> {
    let path = target.settings_path();
    let (original, mut settings) = read_settings(&path)?;
    let removed = remove_tl_hooks(&mut settings, target.agent.name());
    let backup = backup_path(&path);
    let backup_text = std::fs::read_to_string(&backup).ok();
    if target.agent == InstallAgent::Gemini && removed > 0 {
        // `hooksConfig: {enabled: true}` is what install adds when the user had no hooksConfig.
        let user_had_it = backup_text
            .as_deref()
            .and_then(|b| read_settings_text(b).ok())
            .is_some_and(|(_, m)| m.contains_key("hooksConfig"));
        if !user_had_it && settings.get("hooksConfig") == Some(&json!({ "enabled": true })) {
            settings.remove("hooksConfig");
        }
    }
    // When the file holds exactly the backup plus tl's hooks, put the backup's bytes back.
    let restored = backup_text.filter(|b| {
        let Ok((_, mut from_backup)) = read_settings_text(b) else { return false };
        remove_tl_hooks(&mut from_backup, target.agent.name());
        from_backup == settings
    });
    let content = match &restored {
        Some(bytes) => bytes.clone(),
        None => to_json(&settings, original.as_deref()),
    };
    let changed = removed > 0 && original.as_deref() != Some(content.as_str());
    let mut notes = vec![if removed == 0 {
        format!("tl's {} hooks are not in {}", target.agent.name(), path.display())
    } else {
        format!(
            "{} {removed} tl hooks from {}",
            if dry_run { "would remove" } else { "removed" },
            path.display()
        )
    }];
    // A file tl created (no backup of an earlier one) and that holds nothing else goes away.
    let created_by_tl = settings.is_empty() && restored.is_none() && !backup.exists();
    if !dry_run && changed && created_by_tl {
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        notes.push(format!("removed {}, which tl had created", path.display()));
    } else if !dry_run && changed {
        write_settings(&path, &content)?;
        if restored.is_some() {
            let _ = std::fs::remove_file(&backup);
            notes.push("restored the file exactly as it was before tl install".into());
        }
    }
    let mut outcomes = vec![Outcome { path, content, changed, notes }];
    if target.agent == InstallAgent::Codex {
        outcomes.push(codex_notify(target, dry_run, false)?);
    }
    Ok(outcomes)
}

fn read_settings_text(text: &str) -> anyhow::Result<((), Map<String, Value>)> {
    if text.trim().is_empty() {
        return Ok(((), Map::new()));
    }
    match serde_json::from_str::<Value>(text)? {
        Value::Object(map) => Ok(((), map)),
        _ => bail!("not an object"),
    }
}

/// Writes settings in place of the old file, keeping its permissions.
fn write_settings(path: &Path, content: &str) -> anyhow::Result<()> {
    let mode = std::fs::metadata(path)
        .ok()
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()));
    write_private(path, content.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if let Some(mode) = mode {
        let _ = std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode));
    }
    Ok(())
}

const NOTIFY_MARK: &str = "# added by tl install";

/// Codex's `notify` program (config.toml, top level): tl's line is prepended, marked, so that
/// the rest of the file stays byte for byte, and removed by uninstall. A `notify` the user set
/// is left alone.
fn codex_notify(target: &Target, dry_run: bool, install: bool) -> anyhow::Result<Outcome> {
    let path = target.dir.join("config.toml");
    let original = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let text = original.clone().unwrap_or_default();
    let without: String = text.split_inclusive('\n').filter(|l| !l.contains(NOTIFY_MARK)).collect();
    let mut notes = Vec::new();
    let content = if install {
        let top_level = without.lines().take_while(|l| !l.trim_start().starts_with('['));
        if top_level.clone().any(|l| l.trim_start().starts_with("notify")) {
            notes.push(format!(
                "{} already sets a notify program; left as it is, so Codex's turn-complete notifications are not recorded (the hooks still are)",
                path.display()
            ));
            without.clone()
        } else {
            let argv: Vec<String> = if target.command.len() == 4 {
                // TL_HOME=… prefix: notify is an argv, not a shell line, so go through env.
                std::iter::once("env".to_string()).chain(target.command.iter().cloned()).collect()
            } else {
                target.command.clone()
            };
            let argv = serde_json::to_string(&argv).unwrap_or_default().replace("\",\"", "\", \"");
            notes.push(format!("registered tl as Codex's notify program in {}", path.display()));
            format!("notify = {argv}  {NOTIFY_MARK}\n{without}")
        }
    } else {
        without.clone()
    };
    let changed =
        Some(&content) != original.as_ref() && !(original.is_none() && content.is_empty());
    if !dry_run && changed {
        if content.is_empty() && !install {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        } else {
            std::fs::create_dir_all(&target.dir)?;
            write_settings(&path, &content)?;
        }
    }
    Ok(Outcome { path, content, changed, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_tl_commands_wherever_tl_was() {
        assert!(is_tl_command("/usr/local/bin/tl hook claude-code", "claude-code"));
        assert!(is_tl_command("TL_HOME=/x '/opt/my tools/tl' hook codex", "codex"));
        assert!(is_tl_command("TL_HOME=/x /opt/tl hook codex --enforce", "codex"));
        assert!(!is_tl_command("/usr/bin/tl hook gemini", "codex"));
        assert!(!is_tl_command("python3 /x/hook_logger.py /out", "codex"));
        assert!(!is_tl_command("/usr/bin/atl hook codex", "codex"));
    }

    #[test]
    fn splits_words_like_a_shell() {
        assert_eq!(shell_words(r#"a 'b c' "d \"e\"" f\ g"#), ["a", "b c", "d \"e\"", "f g"]);
        assert_eq!(shell_words("  "), Vec::<String>::new());
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(shell_quote("/usr/bin/tl"), "/usr/bin/tl");
        assert_eq!(shell_quote("/opt/my tools/tl"), "'/opt/my tools/tl'");
        assert_eq!(shell_quote("TL_HOME=/a b"), "TL_HOME='/a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
