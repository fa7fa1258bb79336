//! `tresor user`, `tresor login`, `tresor session` and `tresor logout`
//! against a real server: accounts created from a password file or the
//! environment, a printed session token that works as TRESOR_TOKEN, roles
//! set in the acting tenant, sessions listed and revoked, accounts
//! disabled, reset and deleted, and two-factor sign-in with --totp.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tresor_server::Config;

const BIN: &str = env!("CARGO_BIN_EXE_tresor");
const PW: &str = "mellow-otter-canyon-42";

/// The binary with a clean environment, `addr` and (if any) `token`.
fn tresor(addr: &str, token: Option<&str>) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("TRESOR_") {
            c.env_remove(k);
        }
    }
    c.env("TRESOR_ADDR", addr);
    if let Some(t) = token {
        c.env("TRESOR_TOKEN", t);
    }
    c.kill_on_drop(true);
    c
}

async fn run(mut cmd: Command, args: &[&str]) -> Output {
    cmd.args(args).output().await.expect("run tresor")
}

fn text(o: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[track_caller]
fn code(o: &Output, want: i32) {
    assert_eq!(o.status.code(), Some(want), "{}", text(o));
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json_of(o: &Output) -> Value {
    code(o, 0);
    serde_json::from_slice(&o.stdout).unwrap()
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.to_str().unwrap().to_owned()
}

/// `tresor login --user NAME --password-file FILE [extra]`: the token.
async fn login(addr: &str, name: &str, file: &str, extra: &[&str]) -> String {
    let mut args = vec!["login", "--user", name, "--password-file", file];
    args.extend_from_slice(extra);
    let o = run(tresor(addr, None), &args).await;
    code(&o, 0);
    let out = stdout(&o);
    let token = out.trim_end_matches('\n');
    assert!(
        token.starts_with("tses_") && !token.contains('\n'),
        "stdout must be the token alone: {}",
        text(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("TRESOR_TOKEN"),
        "{}",
        text(&o)
    );
    token.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_login_roles_and_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let server = tresor_server::start(Config::for_data_dir(dir.path()))
        .await
        .expect("server starts");
    let url = server.url();
    let admin = server.initial_token.clone().unwrap();
    let root = || tresor(&url, Some(&admin));
    let pw_file = write(dir.path(), "pw", &format!("{PW}\n"));

    // Creating: the password from a file or the environment, never argv.
    let o = run(
        root(),
        &[
            "user",
            "create",
            "alice",
            "--display-name",
            "Alice A.",
            "--role",
            "default=readonly",
            "--password-file",
            &pw_file,
        ],
    )
    .await;
    code(&o, 0);
    assert!(stdout(&o).contains("default=readonly"), "{}", text(&o));
    let mut c = root();
    c.env("TRESOR_NEW_PASSWORD", PW);
    let bob = json_of(&run(c, &["--json", "user", "create", "bob", "--platform-admin"]).await);
    assert_eq!(bob["platform_admin"], true, "{bob}");
    let o = run(root(), &["user", "create", "carol"]).await;
    code(&o, 1);
    assert!(text(&o).contains("TRESOR_NEW_PASSWORD"), "{}", text(&o));
    let weak = write(dir.path(), "weak", "password1234\n");
    let o = run(
        root(),
        &["user", "create", "carol", "--password-file", &weak],
    )
    .await;
    code(&o, 4);
    assert!(text(&o).contains("common"), "{}", text(&o));
    let o = run(
        root(),
        &["user", "create", "alice", "--password-file", &pw_file],
    )
    .await;
    code(&o, 4);

    // `tresor login` prints the token alone; it works as TRESOR_TOKEN.
    let a1 = login(&url, "alice", &pw_file, &[]).await;
    let alice = || tresor(&url, Some(&a1));
    code(&run(alice(), &["key", "list"]).await, 0);
    code(
        &run(alice(), &["key", "create", "--algorithm", "aes-256-gcm"]).await,
        3,
    );
    code(&run(alice(), &["user", "list"]).await, 3);
    // The password from TRESOR_PASSWORD, or stdin.
    let mut c = tresor(&url, None);
    c.env("TRESOR_PASSWORD", PW);
    let o = run(c, &["login", "--user", "alice"]).await;
    code(&o, 0);
    let a2 = stdout(&o).trim().to_owned();
    let mut c = tresor(&url, None);
    let mut child = c
        .args(["login", "--user", "alice", "--password-file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{PW}\n").as_bytes()).await.unwrap();
    drop(stdin);
    let o = child.wait_with_output().await.unwrap();
    code(&o, 0);
    let a3 = stdout(&o).trim().to_owned();
    assert!(a3.starts_with("tses_") && a3 != a2);
    let bad = write(dir.path(), "bad", "mellow-otter-canyon-43\n");
    let o = run(
        tresor(&url, None),
        &["login", "--user", "alice", "--password-file", &bad],
    )
    .await;
    code(&o, 3);
    code(
        &run(tresor(&url, None), &["login", "--user", "alice"]).await,
        1,
    );

    // A role in the acting tenant.
    let o = run(root(), &["user", "set-role", "alice", "user"]).await;
    code(&o, 0);
    assert!(stdout(&o).contains("default=user"), "{}", text(&o));
    code(
        &run(alice(), &["key", "create", "--algorithm", "aes-256-gcm"]).await,
        0,
    );
    let o = run(root(), &["user", "list"]).await;
    code(&o, 0);
    let table = stdout(&o);
    assert!(table.starts_with("NAME"), "{table}");
    let line = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} not listed: {table}"))
            .to_owned()
    };
    assert!(line("alice").contains("Alice A.") && line("alice").contains("default=user"));
    assert!(line("bob").contains("platform-admin"), "{table}");
    let shown = json_of(&run(root(), &["--json", "user", "show", "alice"]).await);
    assert_eq!(shown["roles"], json!({"default": "user"}), "{shown}");
    code(
        &run(root(), &["user", "set-role", "alice", "owner"]).await,
        4,
    );

    // Sessions: the one in use is marked; another one is revoked.
    let o = run(alice(), &["session", "list"]).await;
    code(&o, 0);
    let own = stdout(&o);
    assert_eq!(own.lines().count(), 4, "header and three sessions: {own}");
    assert_eq!(
        own.lines().filter(|l| l.starts_with('*')).count(),
        1,
        "{own}"
    );
    let listed = json_of(&run(alice(), &["--json", "session", "list"]).await);
    let ids: Vec<String> = listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    let marked = own
        .lines()
        .find_map(|l| l.strip_prefix('*'))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let other = ids.iter().find(|i| **i != marked).unwrap().clone();
    code(&run(alice(), &["session", "revoke", &other]).await, 0);
    let after = json_of(&run(alice(), &["--json", "session", "list"]).await);
    assert_eq!(after["sessions"].as_array().unwrap().len(), 2, "{after}");
    code(&run(alice(), &["session", "revoke", &other]).await, 2);
    // The revoked token is refused (whichever of a2/a3 it was).
    let mut refused = 0;
    for t in [&a2, &a3] {
        let o = run(tresor(&url, Some(t)), &["key", "list"]).await;
        if o.status.code() == Some(3) {
            refused += 1;
        }
    }
    assert_eq!(refused, 1);

    // No role in the tenant, no access.
    code(
        &run(root(), &["user", "set-role", "alice", "none"]).await,
        0,
    );
    let o = run(alice(), &["key", "list"]).await;
    code(&o, 3);
    assert!(text(&o).contains("tenant_forbidden"), "{}", text(&o));
    code(
        &run(root(), &["user", "set-role", "alice", "user"]).await,
        0,
    );

    // Disable, enable, reset the password, unlock, delete.
    let o = run(root(), &["user", "disable", "alice"]).await;
    code(&o, 0);
    assert!(stdout(&o).contains("disabled"), "{}", text(&o));
    code(&run(alice(), &["key", "list"]).await, 3);
    code(
        &run(
            tresor(&url, None),
            &["login", "--user", "alice", "--password-file", &pw_file],
        )
        .await,
        3,
    );
    code(&run(root(), &["user", "enable", "alice"]).await, 0);
    let a4 = login(&url, "alice", &pw_file, &[]).await;
    let new_pw = write(dir.path(), "new", "granite-heron-meadow-77\n");
    code(
        &run(
            root(),
            &[
                "user",
                "reset-password",
                "alice",
                "--password-file",
                &new_pw,
            ],
        )
        .await,
        0,
    );
    code(&run(tresor(&url, Some(&a4)), &["key", "list"]).await, 3);
    code(
        &run(
            tresor(&url, None),
            &["login", "--user", "alice", "--password-file", &pw_file],
        )
        .await,
        3,
    );
    let a5 = login(&url, "alice", &new_pw, &[]).await;
    code(&run(root(), &["user", "unlock", "alice"]).await, 0);
    code(&run(root(), &["user", "reset-totp", "alice"]).await, 0);
    code(&run(tresor(&url, Some(&a5)), &["key", "list"]).await, 3);
    code(&run(root(), &["user", "delete", "alice"]).await, 0);
    code(&run(root(), &["user", "show", "alice"]).await, 2);

    // Two-factor: bob enrols over REST, then needs --totp.
    let b1 = login(&url, "bob", &pw_file, &[]).await;
    let http = reqwest::Client::new();
    let enrol: Value = http
        .post(format!("{url}/v1/users/me/totp"))
        .bearer_auth(&b1)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = totp_rs::Secret::Encoded(enrol["secret"].as_str().unwrap().to_owned())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret).unwrap();
    let confirmed: Value = http
        .post(format!("{url}/v1/users/me/totp/confirm"))
        .bearer_auth(&b1)
        .json(&json!({"code": totp.generate_current().unwrap()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let recovery = confirmed["recovery_codes"][0].as_str().unwrap().to_owned();
    let o = run(
        tresor(&url, None),
        &["login", "--user", "bob", "--password-file", &pw_file],
    )
    .await;
    code(&o, 3);
    assert!(text(&o).contains("--totp"), "{}", text(&o));
    assert!(o.stdout.is_empty(), "no token printed: {}", text(&o));
    let b2 = login(&url, "bob", &pw_file, &["--totp", &recovery]).await;
    let bob = || tresor(&url, Some(&b2));
    // The refused sign-in left no half signed-in session behind.
    let sessions = json_of(&run(bob(), &["--json", "session", "list"]).await);
    let states: Vec<&str> = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["user"] == "bob")
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["active", "active"], "{sessions}");
    // Signing out ends the session of the token in use.
    code(&run(bob(), &["logout"]).await, 0);
    code(&run(bob(), &["key", "list"]).await, 3);
    code(&run(root(), &["logout"]).await, 1);
    server.shutdown().await;
}
