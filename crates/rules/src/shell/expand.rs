//! From resolved words to segments: unwrap wrappers (`sudo`, `env`, `xargs`, …), parse
//! options with the command's table, classify targets, and follow embedded scripts
//! (`bash -c`, `eval`, `ssh host CMD`, `docker exec`, `find -exec`).

use super::parse::rough_split;
use super::path::{classify, resolve};
use super::spec::{self, Arg, Spec, parse_options};
use super::walk::{Frame, Proto, Walker};
use super::words::{Env, Val};
use super::{Flag, Lang, PipelinePos, SHELLS, Segment, Word};

/// The command name of a command word: basename, leading backslashes removed.
pub(crate) fn command_name(text: &str) -> String {
    let t = text.trim_start_matches('\\');
    match t.rsplit('/').next() {
        Some(base) if !base.is_empty() => base.to_owned(),
        _ => t.to_owned(),
    }
}

/// The table key for a command name (`mkfs.ext4` → `mkfs`, `python3.12` → `python3`).
fn spec_key(name: &str) -> &str {
    if name.starts_with("mkfs") {
        "mkfs"
    } else if name.starts_with("python3") {
        "python3"
    } else if name.starts_with("python2") {
        "python2"
    } else {
        name
    }
}

fn flag_value<'a>(flags: &'a [Flag], name: &str) -> Option<&'a str> {
    flags.iter().find(|f| f.name == name).and_then(|f| f.value.as_deref())
}

fn has(flags: &[Flag], name: &str) -> bool {
    flags.iter().any(|f| f.name == name)
}

fn is_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn join(words: &[Word]) -> String {
    words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
}

/// Decodes PowerShell's `-EncodedCommand` payload: base64 of UTF-16LE text.
fn decode_utf16le_base64(b64: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(b64.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in b64.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push(((acc >> bits) & 0xff) as u8);
        }
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
    String::from_utf16(&units).ok()
}

/// Options, subcommand path and operands of one command.
struct CmdParse {
    sub: Vec<String>,
    flags: Vec<Flag>,
    operands: Vec<Word>,
    spec: &'static Spec,
}

fn parse_cmd(name: &str, args: &[Word]) -> CmdParse {
    let mut spec = spec::lookup(name).unwrap_or_else(spec::generic);
    let mut key = name.to_owned();
    let mut rest = args;
    let mut flags = Vec::new();
    let mut sub = Vec::new();
    loop {
        if spec.sub && sub.len() < 3 {
            let p = parse_options(rest, spec, true);
            flags.extend(p.flags);
            let Some(w) = rest.get(p.stop) else {
                return CmdParse { sub, flags, operands: Vec::new(), spec };
            };
            if w.dynamic {
                let operands = rest.get(p.stop..).unwrap_or(&[]).to_vec();
                return CmdParse { sub, flags, operands, spec };
            }
            let after = rest.get(p.stop + 1..).unwrap_or(&[]);
            if name == "cargo" && w.text.starts_with('+') {
                rest = after;
                continue;
            }
            sub.push(w.text.clone());
            key.push(' ');
            key.push_str(&w.text);
            rest = after;
            spec = spec::lookup(&key)
                .or_else(|| spec::lookup(&format!("{name} *")))
                .unwrap_or_else(spec::generic_sub);
            continue;
        }
        let p = parse_options(rest, spec, false);
        let mut operands: Vec<Word> =
            p.operands.iter().filter_map(|&i| rest.get(i).cloned()).collect();
        operands.extend(rest.get(p.stop..).unwrap_or(&[]).iter().cloned());
        flags.extend(p.flags);
        return CmdParse { sub, flags, operands, spec };
    }
}

impl Walker<'_> {
    /// Turns one command's words into segments: unwraps wrappers, then builds the final
    /// segment and follows what it embeds.
    pub(crate) fn emit(&mut self, argv: Vec<Word>, proto: Proto, env: &mut Env, frame: &Frame) {
        let mut argv = argv;
        let mut via = frame.via.clone();
        let mut cwd = env.cwd.clone();
        let mut assignments = proto.assignments.clone();
        let mut dynamic_args = false;
        for _ in 0..16 {
            let mut extra_via: Option<&str> = None;
            let mut label: Option<String> = None;
            let Some(first) = argv.first() else { break };
            if first.dynamic {
                break;
            }
            let name = command_name(&first.text);
            let rest = argv.get(1..).unwrap_or(&[]);
            let opts = |rest: &[Word]| {
                parse_options(rest, spec::lookup(&name).unwrap_or_else(spec::generic), true)
            };
            let next: Option<Vec<Word>> = match name.as_str() {
                "sudo" | "doas" | "pkexec" | "run0" => {
                    let p = opts(rest);
                    if let Some(dir) = flag_value(&p.flags, "chdir") {
                        cwd = cwd
                            .as_deref()
                            .map(|c| resolve(c, dir))
                            .or_else(|| dir.starts_with('/').then(|| dir.to_owned()));
                    }
                    Some(rest.get(p.stop..).unwrap_or(&[]).to_vec())
                }
                "env" => {
                    let p = opts(rest);
                    if let Some(dir) = flag_value(&p.flags, "chdir") {
                        cwd = cwd.as_deref().map(|c| resolve(c, dir));
                    }
                    let mut tail: Vec<Word> = rest.get(p.stop..).unwrap_or(&[]).to_vec();
                    let mut k = 0;
                    while let Some(w) = tail.get(k) {
                        match w.text.split_once('=') {
                            Some((n, v)) if is_var_name(n) => {
                                assignments
                                    .push((n.to_owned(), Word { text: v.to_owned(), ..w.clone() }));
                                k += 1;
                            }
                            _ => break,
                        }
                    }
                    tail.drain(..k);
                    if let Some(s) = flag_value(&p.flags, "split-string") {
                        extra_via = Some("env-S");
                        let mut split: Vec<Word> = rough_split(s)
                            .into_iter()
                            .next()
                            .unwrap_or_default()
                            .into_iter()
                            .map(Word::lit)
                            .collect();
                        split.extend(tail);
                        tail = split;
                    }
                    Some(tail)
                }
                "nohup" | "builtin" | "setsid" | "stdbuf" | "ionice" | "time" | "nice" | "exec" => {
                    let p = opts(rest);
                    Some(rest.get(p.stop..).unwrap_or(&[]).to_vec())
                }
                "command" => {
                    let p = opts(rest);
                    if has(&p.flags, "v") || has(&p.flags, "V") {
                        None
                    } else {
                        Some(rest.get(p.stop..).unwrap_or(&[]).to_vec())
                    }
                }
                "caffeinate" | "unbuffer" | "chronic" | "torsocks" | "proxychains"
                | "proxychains4" => {
                    let p = opts(rest);
                    Some(rest.get(p.stop..).unwrap_or(&[]).to_vec())
                }
                "runuser" => {
                    let p = opts(rest);
                    if has(&p.flags, "command") {
                        None
                    } else {
                        Some(rest.get(p.stop..).unwrap_or(&[]).to_vec())
                    }
                }
                "uv" | "poetry" | "pipenv" | "bundle" | "pnpm" | "npm" | "yarn" | "conda" => {
                    // Project runners: `uv run CMD`, `npm exec -- CMD`, `bundle exec CMD`…
                    let sub = rest.first().map(|w| format!("{name} {}", w.text));
                    let runner = sub.as_deref().and_then(|k| {
                        matches!(k.rsplit(' ').next(), Some("run" | "exec" | "dlx"))
                            .then(|| spec::lookup(k))
                            .flatten()
                    });
                    match runner {
                        Some(s) => {
                            let tail = rest.get(1..).unwrap_or(&[]);
                            let p = parse_options(tail, s, true);
                            if has(&p.flags, "call") {
                                None
                            } else {
                                label = sub.clone().map(|k| k.replace(' ', "-"));
                                Some(tail.get(p.stop..).unwrap_or(&[]).to_vec())
                            }
                        }
                        None => None,
                    }
                }
                "timeout" | "chroot" => {
                    let p = opts(rest);
                    Some(rest.get(p.stop + 1..).unwrap_or(&[]).to_vec())
                }
                "flock" => {
                    let p = opts(rest);
                    if has(&p.flags, "command") {
                        None
                    } else {
                        Some(rest.get(p.stop + 1..).unwrap_or(&[]).to_vec())
                    }
                }
                "busybox" | "toybox" => match rest.first() {
                    Some(w) if !w.text.starts_with('-') => Some(rest.to_vec()),
                    _ => None,
                },
                "xargs" => {
                    let p = opts(rest);
                    dynamic_args = true;
                    let replace = flag_value(&p.flags, "I").map(str::to_owned).or_else(|| {
                        p.flags
                            .iter()
                            .find(|f| f.name == "replace")
                            .map(|f| f.value.clone().unwrap_or_else(|| "{}".to_owned()))
                    });
                    let mut cmd: Vec<Word> = rest.get(p.stop..).unwrap_or(&[]).to_vec();
                    if cmd.is_empty() {
                        cmd.push(Word::lit("echo"));
                    }
                    match replace {
                        Some(r) if !r.is_empty() => {
                            for w in cmd.iter_mut().skip(1) {
                                if w.text.contains(r.as_str()) {
                                    w.dynamic = true;
                                }
                            }
                        }
                        _ => cmd.push(Word::dynamic("<stdin>")),
                    }
                    Some(cmd)
                }
                "parallel" => {
                    let p = opts(rest);
                    let tail = rest.get(p.stop..).unwrap_or(&[]);
                    let marker = tail.iter().position(|w| w.text.starts_with(":::"));
                    let (cmd, inputs) = match marker {
                        Some(m) => (
                            tail.get(..m).unwrap_or(&[]).to_vec(),
                            tail.get(m..)
                                .unwrap_or(&[])
                                .iter()
                                .filter(|w| !w.text.starts_with(":::"))
                                .cloned()
                                .collect::<Vec<_>>(),
                        ),
                        None => (tail.to_vec(), Vec::new()),
                    };
                    dynamic_args = true;
                    let mut cmd = match cmd.as_slice() {
                        [one] if one.text.contains(' ') => rough_split(&one.text)
                            .into_iter()
                            .next()
                            .unwrap_or_default()
                            .into_iter()
                            .map(Word::lit)
                            .collect(),
                        _ => cmd,
                    };
                    let fill: Vec<Word> =
                        if inputs.is_empty() { vec![Word::dynamic("<stdin>")] } else { inputs };
                    if cmd.iter().any(|w| w.text == "{}") {
                        cmd = cmd
                            .into_iter()
                            .flat_map(|w| if w.text == "{}" { fill.clone() } else { vec![w] })
                            .collect();
                    } else if !cmd.is_empty() {
                        cmd.extend(fill);
                    }
                    Some(cmd)
                }
                _ => None,
            };
            match next {
                Some(n) if !n.is_empty() => {
                    via.push(label.unwrap_or(name));
                    via.extend(extra_via.map(str::to_owned));
                    argv = n;
                }
                _ => break,
            }
        }
        self.finish(argv, proto, assignments, via, cwd, dynamic_args, env, frame);
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        argv: Vec<Word>,
        proto: Proto,
        assignments: Vec<(String, Word)>,
        via: Vec<String>,
        cwd: Option<String>,
        dynamic_args: bool,
        env: &mut Env,
        frame: &Frame,
    ) {
        let Some(first) = argv.first().cloned() else { return };
        let name = if first.dynamic { first.text.clone() } else { command_name(&first.text) };
        let wrapped = via.len() > frame.via.len();
        let mut seg = Segment {
            name,
            argv: argv.clone(),
            via,
            assignments,
            pipeline: PipelinePos { len: 1, ..PipelinePos::default() },
            redirects: proto.redirects,
            heredoc: proto.heredoc,
            remote: frame.remote,
            depth: frame.depth,
            cwd,
            dynamic_args,
            cmdsubst_cmds: proto.cmdsubst_cmds,
            procsubst_cmds: proto.procsubst_cmds,
            unparsed: proto.unparsed,
            ..Segment::default()
        };
        let args = argv.get(1..).unwrap_or(&[]);
        let key = if first.dynamic { String::new() } else { spec_key(&seg.name).to_owned() };
        if key == "find" {
            self.find(seg, args, env, frame);
            return;
        }
        if key == "dd" {
            for w in args {
                if let Some((k, v)) = w.text.split_once('=') {
                    seg.flags.push(Flag {
                        name: k.to_owned(),
                        spelled: k.to_owned(),
                        value: Some(v.to_owned()),
                    });
                    if k == "of" {
                        let word = Word { text: v.to_owned(), ..w.clone() };
                        seg.targets.push(classify(&word, seg.cwd.as_deref(), self.ctx));
                    }
                } else {
                    seg.operands.push(w.clone());
                }
            }
            self.push(seg);
            return;
        }
        let parsed = if key == "tar" {
            // Old-style `tar czf FILE`: a first argument without a dash is an option bundle.
            match args.split_first() {
                Some((first, rest))
                    if !first.text.starts_with('-')
                        && !first.dynamic
                        && first.text.chars().all(|c| c.is_ascii_alphabetic()) =>
                {
                    let mut fixed = vec![Word::lit(format!("-{}", first.text))];
                    fixed.extend(rest.iter().cloned());
                    parse_cmd(&key, &fixed)
                }
                _ => parse_cmd(&key, args),
            }
        } else {
            parse_cmd(&key, args)
        };
        seg.subcommand = parsed.sub;
        seg.flags = parsed.flags;
        seg.operands = parsed.operands;
        if key == "git" {
            for f in seg.flags.iter().filter(|f| f.spelled == "-C") {
                if let Some(dir) = &f.value {
                    seg.cwd = seg
                        .cwd
                        .as_deref()
                        .map(|c| resolve(c, dir))
                        .or_else(|| dir.starts_with('/').then(|| dir.clone()));
                }
            }
            if seg.subcommand.first().is_some_and(|s| s == "branch") {
                let upper: Vec<String> = seg
                    .flags
                    .iter()
                    .filter_map(|f| {
                        match f.spelled.as_str() {
                            "-D" => Some("delete"),
                            "-M" => Some("move"),
                            "-C" => Some("copy"),
                            _ => None,
                        }
                        .map(str::to_owned)
                    })
                    .collect();
                for name in upper {
                    seg.flags.push(Flag { name, spelled: String::new(), value: None });
                    seg.flags.push(Flag {
                        name: "force".to_owned(),
                        spelled: String::new(),
                        value: None,
                    });
                }
            }
        }
        // Targets: path operands, resolved and classified.
        let mut paths: Vec<Word> = Vec::new();
        if parsed.spec.paths {
            let skip = parsed.spec.skip1
                && !["reference", "regexp", "expression", "file"]
                    .iter()
                    .any(|n| has(&seg.flags, n));
            paths.extend(seg.operands.iter().skip(usize::from(skip)).cloned());
        }
        if key == "git" && seg.subcommand.first().is_some_and(|s| s == "clean") && paths.is_empty()
        {
            paths.push(Word::lit("."));
        }
        if matches!(key.as_str(), "curl" | "wget") {
            for f in &seg.flags {
                if matches!(f.name.as_str(), "output" | "output-document" | "output-file")
                    && let Some(v) = f.value.as_deref().filter(|v| *v != "-")
                {
                    paths.push(Word::lit(v));
                }
            }
        }
        seg.targets = paths.iter().map(|w| classify(w, seg.cwd.as_deref(), self.ctx)).collect();

        // Inline code and embedded scripts.
        let mut nested: Vec<(String, String, bool)> = Vec::new(); // (how, script, remote)
        let mut nested_argv: Vec<(String, Vec<Word>, bool)> = Vec::new(); // (how, argv, remote)
        let op_text = |i: usize| seg.operands.get(i).map(|w| w.text.clone());
        let heredoc_or = |lang: Lang, seg: &Segment| -> Option<(Lang, String)> {
            let stdin = seg.operands.first().is_none_or(|w| w.text == "-");
            seg.heredoc.clone().filter(|_| stdin).map(|h| (lang, h))
        };
        let n = seg.name.as_str();
        if SHELLS.contains(&n) {
            if has(&seg.flags, "command") {
                if let Some(script) = seg.operands.first().cloned() {
                    seg.inline_script = Some((Lang::Shell, script.text.clone()));
                    if !script.dynamic {
                        nested.push((format!("{n}-c"), script.text, false));
                    }
                }
            } else if (seg.operands.first().is_none_or(|w| w.text == "-") || has(&seg.flags, "s"))
                && let Some(h) = seg.heredoc.clone()
            {
                nested.push(("heredoc".to_owned(), h, false));
            }
        } else if key.starts_with("python") || key.starts_with("pypy") {
            seg.inline_script = flag_value(&seg.flags, "c")
                .map(|c| (Lang::Python, c.to_owned()))
                .or_else(|| heredoc_or(Lang::Python, &seg));
        } else if matches!(n, "node" | "nodejs") {
            seg.inline_script = flag_value(&seg.flags, "eval")
                .or_else(|| flag_value(&seg.flags, "print"))
                .map(|c| (Lang::JavaScript, c.to_owned()))
                .or_else(|| heredoc_or(Lang::JavaScript, &seg));
        } else if n == "deno" && seg.subcommand.first().is_some_and(|s| s == "eval") {
            seg.inline_script = op_text(0).map(|c| (Lang::JavaScript, c));
        } else if matches!(n, "perl" | "ruby" | "osascript") {
            let lang = match n {
                "perl" => Lang::Perl,
                "ruby" => Lang::Ruby,
                _ => Lang::AppleScript,
            };
            let code: Vec<&str> = seg
                .flags
                .iter()
                .filter(|f| f.name == "e" || f.name == "E")
                .filter_map(|f| f.value.as_deref())
                .collect();
            seg.inline_script = if code.is_empty() {
                heredoc_or(lang, &seg)
            } else {
                Some((lang, code.join("\n")))
            };
        } else if n == "php" {
            seg.inline_script = flag_value(&seg.flags, "r")
                .map(|c| (Lang::Php, c.to_owned()))
                .or_else(|| heredoc_or(Lang::Php, &seg));
        } else if matches!(n, "awk" | "gawk" | "mawk" | "nawk") {
            seg.inline_script = match flag_value(&seg.flags, "source") {
                Some(src) => Some((Lang::Awk, src.to_owned())),
                None if !has(&seg.flags, "f") => op_text(0).map(|c| (Lang::Awk, c)),
                None => None,
            };
        } else if matches!(n, "pwsh" | "powershell") {
            // `-EncodedCommand` carries base64 of UTF-16LE text; show the decoded script.
            seg.inline_script = flag_value(&seg.flags, "command")
                .map(str::to_owned)
                .or_else(|| {
                    flag_value(&seg.flags, "encodedcommand")
                        .map(|b64| decode_utf16le_base64(b64).unwrap_or_else(|| b64.to_owned()))
                })
                .map(|c| (Lang::PowerShell, c));
        } else if n == "psql" {
            seg.inline_script = flag_value(&seg.flags, "command")
                .map(|c| (Lang::Sql, c.to_owned()))
                .or_else(|| seg.heredoc.clone().map(|h| (Lang::Sql, h)));
        } else if matches!(n, "mysql" | "mariadb") {
            seg.inline_script = flag_value(&seg.flags, "execute")
                .map(|c| (Lang::Sql, c.to_owned()))
                .or_else(|| seg.heredoc.clone().map(|h| (Lang::Sql, h)));
        } else if n == "sqlite3" {
            seg.inline_script = op_text(1)
                .map(|c| (Lang::Sql, c))
                .or_else(|| seg.heredoc.clone().map(|h| (Lang::Sql, h)));
        } else if n == "su" {
            if let Some(c) = flag_value(&seg.flags, "command")
                .or_else(|| flag_value(&seg.flags, "session-command"))
            {
                seg.inline_script = Some((Lang::Shell, c.to_owned()));
                nested.push(("su-c".to_owned(), c.to_owned(), false));
            }
        } else if matches!(n, "runuser" | "npx" | "bunx" | "pnpx") {
            let script =
                flag_value(&seg.flags, "command").or_else(|| flag_value(&seg.flags, "call"));
            if let Some(c) = script {
                seg.inline_script = Some((Lang::Shell, c.to_owned()));
                nested.push((format!("{n}-c"), c.to_owned(), false));
            } else if n != "runuser" && !seg.operands.is_empty() {
                // The package binary runs here with the remaining words.
                nested_argv.push((n.to_owned(), seg.operands.clone(), false));
            }
        } else if n == "flock" {
            if let Some(c) = flag_value(&seg.flags, "command") {
                seg.inline_script = Some((Lang::Shell, c.to_owned()));
                nested.push(("flock-c".to_owned(), c.to_owned(), false));
            }
        } else if n == "tar" {
            // `--to-command=CMD` and `--checkpoint-action=exec=CMD` run shell commands.
            for f in &seg.flags {
                let script = match (f.name.as_str(), f.value.as_deref()) {
                    ("to-command", Some(v)) => Some(v),
                    ("checkpoint-action", Some(v)) => v.strip_prefix("exec="),
                    _ => None,
                };
                if let Some(script) = script {
                    nested.push(("tar-exec".to_owned(), script.to_owned(), false));
                }
            }
        } else if n == "eval" && !args.is_empty() {
            let script = join(args);
            seg.inline_script = Some((Lang::Shell, script.clone()));
            nested.push(("eval".to_owned(), script, false));
        } else if n == "watch" && !seg.operands.is_empty() {
            let script = join(&seg.operands);
            nested.push(("watch".to_owned(), script, false));
        } else if n == "trap" && args.len() >= 2 {
            if let Some(a) = args.first().filter(|a| a.text != "-" && !a.text.is_empty()) {
                nested.push(("trap".to_owned(), a.text.clone(), false));
            }
        } else if n == "ssh" {
            // `-o ProxyCommand=…` and `-o LocalCommand=…` run locally through a shell.
            for f in seg.flags.iter().filter(|f| f.name == "o") {
                if let Some((key, cmd)) = f.value.as_deref().and_then(|v| v.split_once('='))
                    && matches!(key.to_ascii_lowercase().as_str(), "proxycommand" | "localcommand")
                {
                    nested.push(("ssh-o".to_owned(), cmd.to_owned(), false));
                }
            }
            if seg.operands.len() > 1 {
                let script = join(seg.operands.get(1..).unwrap_or(&[]));
                seg.inline_script = Some((Lang::Shell, script.clone()));
                nested.push(("ssh".to_owned(), script, true));
            } else if let Some(h) = seg.heredoc.clone() {
                nested.push(("ssh".to_owned(), h, true));
            }
        } else if matches!(n, "docker" | "podman") {
            let last = seg.subcommand.last().map(String::as_str);
            if matches!(last, Some("exec" | "run")) && seg.operands.len() > 1 {
                let how = if last == Some("exec") { "docker-exec" } else { "docker-run" };
                nested_argv.push((
                    how.to_owned(),
                    seg.operands.get(1..).unwrap_or(&[]).to_vec(),
                    true,
                ));
            }
        } else if matches!(n, "kubectl" | "oc")
            && seg.subcommand.first().is_some_and(|s| s == "exec")
        {
            let after: Vec<Word> = match args.iter().position(|w| w.text == "--") {
                Some(p) => args.get(p + 1..).unwrap_or(&[]).to_vec(),
                None => seg.operands.get(1..).unwrap_or(&[]).to_vec(),
            };
            if !after.is_empty() {
                nested_argv.push(("kubectl-exec".to_owned(), after, true));
            }
        }

        // State changes for later commands in the same shell.
        if !wrapped {
            self.apply_builtin(&seg, env);
        }
        // Embedded commands are reached through this command's wrappers too.
        let frame = &Frame { depth: frame.depth, via: seg.via.clone(), remote: frame.remote };
        self.push(seg);
        for (how, script, remote) in nested {
            let mut child = env.clone();
            let mut f = frame.nested(&how);
            if remote {
                f.remote = true;
                child = Env { vars: Default::default(), cwd: None, remote: true };
            }
            self.analyze_str(&script, &mut child, &f);
        }
        for (how, words, remote) in nested_argv {
            let mut f = frame.nested(&how);
            let mut child = if remote {
                f.remote = true;
                Env { vars: Default::default(), cwd: None, remote: true }
            } else {
                env.clone()
            };
            self.emit(words, Proto::default(), &mut child, &f);
        }
    }

    /// Effects of builtins on the analysis state: `cd`, `export`, `unset`, `read`.
    fn apply_builtin(&self, seg: &Segment, env: &mut Env) {
        match seg.name.as_str() {
            "cd" | "pushd" => {
                let target = seg.operands.first();
                env.cwd = match target {
                    None if env.remote => None,
                    None => self.ctx.home.clone(),
                    Some(w) if w.dynamic || w.text == "-" => None,
                    Some(w) => match &env.cwd {
                        Some(c) => Some(resolve(c, &w.text)),
                        None if w.text.starts_with('/') => Some(resolve("/", &w.text)),
                        None => None,
                    },
                };
            }
            "popd" => env.cwd = None,
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                for w in seg.argv.iter().skip(1) {
                    if let Some((n, v)) = w.text.split_once('=')
                        && is_var_name(n)
                    {
                        let val = if w.dynamic || v.len() > super::limits::MAX_VALUE {
                            Val::Unknown
                        } else {
                            Val::Known(vec![v.to_owned()])
                        };
                        env.vars.insert(n.to_owned(), val);
                    }
                }
            }
            "unset" | "read" => {
                for w in seg.argv.iter().skip(1).filter(|w| !w.text.starts_with('-')) {
                    env.vars.insert(w.text.clone(), Val::Unknown);
                }
            }
            _ => {}
        }
    }

    /// `find START… EXPR`: start points are the targets; `-exec CMD … ;` commands become
    /// segments of their own with `{}` standing for the start points.
    fn find(&mut self, mut seg: Segment, args: &[Word], env: &mut Env, frame: &Frame) {
        let spec = spec::lookup("find").unwrap_or_else(spec::generic);
        let mut i = 0;
        while let Some(w) = args.get(i) {
            match w.text.as_str() {
                "-H" | "-L" | "-P" => i += 1,
                "-D" => i += 2,
                t if t.starts_with("-O") => i += 1,
                _ => break,
            }
        }
        let mut starts = Vec::new();
        while let Some(w) = args.get(i) {
            if w.text.starts_with('-') || w.text == "(" || w.text == "!" {
                break;
            }
            starts.push(w.clone());
            i += 1;
        }
        let mut execs: Vec<Vec<Word>> = Vec::new();
        while let Some(w) = args.get(i) {
            let t = w.text.clone();
            i += 1;
            if matches!(t.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir") {
                let mut cmd = Vec::new();
                while let Some(c) = args.get(i) {
                    i += 1;
                    if c.text == ";" || c.text == "+" {
                        break;
                    }
                    cmd.push(c.clone());
                }
                seg.flags.push(Flag {
                    name: t[1..].to_owned(),
                    spelled: t.clone(),
                    value: Some(join(&cmd)),
                });
                execs.push(cmd);
                continue;
            }
            if let Some(body) = t.strip_prefix('-').filter(|b| !b.is_empty()) {
                let (canon, arg) = spec::long_opt(spec, body).unwrap_or((body, Arg::No));
                let value = if matches!(arg, Arg::Required | Arg::Terminal) {
                    let v = args.get(i).map(|v| v.text.clone());
                    i += 1;
                    v
                } else {
                    None
                };
                seg.flags.push(Flag { name: canon.to_owned(), spelled: t.clone(), value });
            }
        }
        if starts.is_empty() {
            starts.push(Word::lit("."));
        }
        seg.targets = starts.iter().map(|w| classify(w, seg.cwd.as_deref(), self.ctx)).collect();
        seg.operands = starts.clone();
        let frame = &Frame { depth: frame.depth, via: seg.via.clone(), remote: frame.remote };
        self.push(seg);
        for cmd in execs {
            let words: Vec<Word> = cmd
                .into_iter()
                .flat_map(|w| {
                    if w.text.contains("{}") {
                        starts
                            .iter()
                            .map(|s| Word {
                                text: w.text.replace("{}", &s.text),
                                dynamic: s.dynamic || w.dynamic,
                                glob: s.glob,
                            })
                            .collect()
                    } else {
                        vec![w]
                    }
                })
                .collect();
            let start = self.out.segments.len();
            let mut child = env.clone();
            self.emit(words, Proto::default(), &mut child, &frame.nested("find-exec"));
            for s in self.out.segments.get_mut(start..).unwrap_or(&mut []) {
                s.dynamic_args = true;
            }
        }
    }
}
