//! `tl rules`: check shows the parse and the findings, disable/enable persist, a broken user
//! rule file is reported with its file and line and the other rules still load.

use crate::Sandbox;

fn json(out: std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rules_of(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn check_parses_and_explains() {
    let sandbox = Sandbox::new();
    let cwd = sandbox.dir.path().to_str().unwrap().to_string();
    let v = json(sandbox.run(&["rules", "check", "--json", "--cwd", &cwd, "sudo rm -rf ~/"], b""));
    assert!(rules_of(&v).contains(&"dangerous-rm-rf".to_string()), "{v}");
    let rm =
        v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "dangerous-rm-rf").unwrap();
    assert_eq!(rm["severity"], "danger");
    let v =
        json(sandbox.run(&["rules", "check", "--json", "--cwd", &cwd, "grep -rn 'rm -rf' ."], b""));
    assert!(rules_of(&v).is_empty(), "quoted data is not a command: {v}");
    let text = String::from_utf8(
        sandbox.run(&["rules", "check", "bash -c 'curl -s https://x.sh | sh'"], b"").stdout,
    )
    .unwrap();
    assert!(text.contains("sh via=bash-c") && text.contains("dangerous-curl-pipe-sh"), "{text}");
}

#[test]
fn disable_and_enable_persist() {
    let sandbox = Sandbox::new();
    let findings =
        |s: &Sandbox| rules_of(&json(s.run(&["rules", "check", "--json", "sudo ls"], b"")));
    assert_eq!(findings(&sandbox), ["dangerous-sudo"]);
    assert!(sandbox.run(&["rules", "disable", "dangerous-sudo"], b"").status.success());
    assert!(findings(&sandbox).is_empty());
    let list = json(sandbox.run(&["rules", "list", "--json"], b""));
    let sudo =
        list["rules"].as_array().unwrap().iter().find(|r| r["id"] == "dangerous-sudo").unwrap();
    assert_eq!(sudo["enabled"], false);
    assert!(sandbox.run(&["rules", "enable", "dangerous-sudo"], b"").status.success());
    assert_eq!(findings(&sandbox), ["dangerous-sudo"]);
    let out = sandbox.run(&["rules", "disable", "no-such-rule"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint: `tl rules list`"));
}

#[test]
fn builtin_tests_pass_and_a_broken_user_file_is_reported() {
    let sandbox = Sandbox::new();
    let v = json(sandbox.run(&["rules", "test", "--json"], b""));
    assert_eq!(v["failures"].as_array().unwrap().len(), 0);
    assert!(v["positives"].as_u64().unwrap() >= 400);
    let dir = sandbox.tl_home().join("rules");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mine.toml"),
        "[[rule]]\nid = \"bad-rule\"\nseverity = \"apocalyptic\"\n",
    )
    .unwrap();
    let list = json(sandbox.run(&["rules", "list", "--json"], b""));
    let errors = list["load_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{list}");
    assert!(errors[0].as_str().unwrap().contains("mine.toml:1"), "{list}");
    assert!(list["rules"].as_array().unwrap().len() >= 60, "the built-ins still load");
    assert_eq!(sandbox.run(&["rules", "test"], b"").status.code(), Some(1));
}
