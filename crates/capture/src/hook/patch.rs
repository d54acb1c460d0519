//! Codex's `apply_patch` envelope: which files a patch adds, updates, moves or deletes.
//!
//! ```text
//! *** Begin Patch
//! *** Add File: path        (then +lines)
//! *** Update File: path     (then an optional "*** Move to: new-path", then @@ hunks)
//! *** Delete File: path
//! *** End Patch
//! ```
//!
//! Only the file headers matter here; hunks are left to the raw payload.

/// One file operation of a patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatchOp {
    /// `*** Add File: path`.
    Add(String),
    /// `*** Update File: path`, with `*** Move to: to` when the file is also renamed.
    Update {
        /// The file patched.
        path: String,
        /// Where it moves to, if it does.
        move_to: Option<String>,
    },
    /// `*** Delete File: path`.
    Delete(String),
}

impl PatchOp {
    /// The file the operation starts from.
    pub fn path(&self) -> &str {
        match self {
            PatchOp::Add(p) | PatchOp::Delete(p) => p,
            PatchOp::Update { path, .. } => path,
        }
    }
}

/// The file operations of a patch, in order. Lines that are not file headers are skipped, so any
/// text (even one that is not a patch at all) gives a list, possibly empty.
pub fn parse_apply_patch(patch: &str) -> Vec<PatchOp> {
    let mut ops = Vec::new();
    for line in patch.lines() {
        let line = line.trim_end();
        let header = |prefix: &str| {
            line.strip_prefix(prefix).map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned)
        };
        if let Some(path) = header("*** Add File:") {
            ops.push(PatchOp::Add(path));
        } else if let Some(path) = header("*** Update File:") {
            ops.push(PatchOp::Update { path, move_to: None });
        } else if let Some(path) = header("*** Delete File:") {
            ops.push(PatchOp::Delete(path));
        } else if let Some(to) = header("*** Move to:")
            && let Some(PatchOp::Update { move_to, .. }) = ops.last_mut()
        {
            *move_to = Some(to);
        }
    }
    ops
}

/// The patch inside a shell command that runs `apply_patch` with a heredoc
/// (`apply_patch <<'EOF'\n*** Begin Patch…`), as Codex models sometimes do.
pub fn patch_in_shell_command(command: &str) -> Option<&str> {
    let trimmed = command.trim_start();
    if !(trimmed.starts_with("apply_patch") || trimmed.starts_with("applypatch")) {
        return None;
    }
    let start = command.find("*** Begin Patch")?;
    command.get(start..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_header() {
        let patch = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** Update File: src/b.rs\r\n*** Move to: src/c.rs\n@@\n-x\n+y\n*** Delete File: d.md\n*** Update File: e\n@@\n*** End Patch\n";
        assert_eq!(
            parse_apply_patch(patch),
            vec![
                PatchOp::Add("a.txt".into()),
                PatchOp::Update { path: "src/b.rs".into(), move_to: Some("src/c.rs".into()) },
                PatchOp::Delete("d.md".into()),
                PatchOp::Update { path: "e".into(), move_to: None },
            ]
        );
    }

    #[test]
    fn garbage_gives_no_ops() {
        for text in ["", "hello", "*** Add File:", "*** Move to: x", "*** Add File:    "] {
            assert_eq!(parse_apply_patch(text), vec![], "{text:?}");
        }
    }

    #[test]
    fn finds_heredoc_patches_in_shell_commands() {
        let cmd = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: x\n*** End Patch\nEOF";
        assert_eq!(
            patch_in_shell_command(cmd),
            Some("*** Begin Patch\n*** Add File: x\n*** End Patch\nEOF")
        );
        assert_eq!(patch_in_shell_command("echo '*** Begin Patch'"), None);
        assert_eq!(patch_in_shell_command("apply_patch"), None);
    }
}
