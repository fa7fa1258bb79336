//! `tresor key policy` and `tresor approval` against a real server: an
//! encrypt on a guarded key exits 8 naming its request, the approver finds
//! and approves it, and the requester collects the ciphertext once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Output;

use tokio::process::Command;
use tresor_server::Config;

const BIN: &str = env!("CARGO_BIN_EXE_tresor");

fn tresor(addr: &str, token: &str) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("TRESOR_") {
            c.env_remove(k);
        }
    }
    c.env("TRESOR_ADDR", addr).env("TRESOR_TOKEN", token);
    c.kill_on_drop(true);
    c
}

async fn run(mut cmd: Command, args: &[&str]) -> Output {
    cmd.args(args).output().await.expect("run tresor")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypt_waits_for_approval() {
    let dir = tempfile::tempdir().unwrap();
    let server = tresor_server::start(Config::for_data_dir(dir.path()))
        .await
        .expect("server starts");
    let url = server.url();
    let admin = server.initial_token.clone().unwrap();

    let bob = json(
        &run(
            tresor(&url, &admin),
            &[
                "--json", "api-key", "create", "--name", "bob", "--role", "readonly",
            ],
        )
        .await,
    );
    let bob_token = bob["token"].as_str().unwrap().to_owned();
    let bob_principal = format!("api-key:{}", bob["api_key"]["id"].as_str().unwrap());
    let key = json(
        &run(
            tresor(&url, &admin),
            &["--json", "key", "create", "--algorithm", "aes-256-gcm"],
        )
        .await,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let policy = dir.path().join("policy.json");
    std::fs::write(
        &policy,
        serde_json::json!({"use": {"any_of": [{"all_of": [
            {"required": 1, "approvers": [bob_principal]}
        ]}]}})
        .to_string(),
    )
    .unwrap();
    let o = run(
        tresor(&url, &admin),
        &[
            "key",
            "policy",
            "set",
            &key,
            "--file",
            policy.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let shown = run(tresor(&url, &admin), &["key", "policy", "get", &key]).await;
    assert!(text(&shown).contains(&bob_principal), "{}", text(&shown));

    let o = run(
        tresor(&url, &admin),
        &["key", "encrypt", &key, "--plaintext", "wire transfer"],
    )
    .await;
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    let id = stderr
        .split_whitespace()
        .skip_while(|w| *w != "request")
        .nth(1)
        .unwrap()
        .to_owned();

    let tasks = run(tresor(&url, &bob_token), &["approval", "list"]).await;
    assert!(text(&tasks).contains(&id), "{}", text(&tasks));
    let o = run(tresor(&url, &bob_token), &["approval", "approve", &id]).await;
    assert!(text(&o).contains("approved"), "{}", text(&o));

    let got = json(&run(tresor(&url, &admin), &["--json", "approval", "get", &id]).await);
    assert_eq!(got["state"], "executed");
    assert!(
        got["result"]["ciphertext"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    let again = json(&run(tresor(&url, &admin), &["--json", "approval", "get", &id]).await);
    assert!(again["result"].is_null());

    // The tenant default applies to keys created afterwards.
    let o = run(
        tresor(&url, &admin),
        &[
            "key",
            "policy",
            "set-default",
            "--file",
            policy.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(tresor(&url, &admin), &["key", "policy", "get-default"]).await;
    assert!(text(&o).contains(&bob_principal), "{}", text(&o));
    let fresh = json(
        &run(
            tresor(&url, &admin),
            &["--json", "key", "create", "--algorithm", "aes-256-gcm"],
        )
        .await,
    );
    assert_eq!(fresh["tags"]["tresor:policy"], "use", "{fresh}");

    // Signed approvals: Bob's key is made by openssl; the CLI signs the
    // challenge locally.
    let private = dir.path().join("bob.pem");
    let public = dir.path().join("bob.pub.pem");
    let openssl = |args: &[&str]| {
        let o = std::process::Command::new("openssl")
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    openssl(&[
        "genpkey",
        "-algorithm",
        "ed25519",
        "-out",
        private.to_str().unwrap(),
    ]);
    openssl(&[
        "pkey",
        "-in",
        private.to_str().unwrap(),
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    let o = run(
        tresor(&url, &bob_token),
        &[
            "approval",
            "register-key",
            "--public-key",
            public.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    std::fs::write(
        &policy,
        serde_json::json!({
            "use": {"any_of": [{"all_of": [{"required": 1, "approvers": [bob_principal]}]}]},
            "manage": {"any_of": [{"all_of": [
                {"required": 1, "approvers": [bob_principal], "require_signature": true}
            ]}]}
        })
        .to_string(),
    )
    .unwrap();
    let o = run(
        tresor(&url, &admin),
        &[
            "key",
            "policy",
            "set",
            &key,
            "--file",
            policy.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "tightening needs no quorum: {}",
        text(&o)
    );
    let o = run(tresor(&url, &admin), &["key", "rotate", &key]).await;
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    let id = String::from_utf8_lossy(&o.stderr)
        .split_whitespace()
        .skip_while(|w| *w != "request")
        .nth(1)
        .unwrap()
        .to_owned();
    let o = run(tresor(&url, &bob_token), &["approval", "approve", &id]).await;
    assert_ne!(o.status.code(), Some(0), "unsigned: {}", text(&o));
    let o = run(
        tresor(&url, &bob_token),
        &[
            "approval",
            "approve",
            &id,
            "--sign-with",
            private.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("(signed)") && text(&o).contains("executed"),
        "{}",
        text(&o)
    );

    // Approver groups.
    let o = run(
        tresor(&url, &admin),
        &[
            "approval", "group", "set", "spare", "--member", "user:x", "--member", "user:y",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(tresor(&url, &admin), &["approval", "group", "list"]).await;
    assert!(
        text(&o).contains("spare") && text(&o).contains("user:y"),
        "{}",
        text(&o)
    );
    let o = run(
        tresor(&url, &admin),
        &["approval", "group", "delete", "spare"],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
