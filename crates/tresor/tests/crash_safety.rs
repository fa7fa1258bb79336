//! Crash safety (issue 11): the real `tresor serve` binary under a
//! concurrent load of creates, rotations and encrypts is killed with
//! SIGKILL at a seeded random point, restarted on the same data dir, and
//! every acknowledged operation must still be there: the key, the rotated
//! version, a ciphertext that decrypts, and its audit record (found by the
//! `X-Request-Id` the test sent). The audit chain must verify and no key may
//! be half-written. Several rounds with different kill points share one
//! data dir, so later rounds also re-check earlier rounds' work.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_tresor");
const TOKEN: &str = "crash-safety-bootstrap-token-0123456789abcdef";
const TASKS: u64 = 8;
const SEED: u64 = 0x7E50_2C4A_5E00_0011;

/// Tiny deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Operations the server acknowledged with a 2xx.
#[derive(Debug, Default)]
struct Acked {
    /// key id → request id of its creation.
    creates: BTreeMap<String, String>,
    /// (key id, new version, request id).
    rotations: Vec<(String, u32, String)>,
    encrypts: Vec<Encrypted>,
}

/// An acknowledged encrypt.
#[derive(Debug, Clone)]
struct Encrypted {
    key: String,
    ciphertext: String,
    plaintext: Vec<u8>,
    request_id: String,
}

struct Server {
    child: Child,
    url: String,
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn start(data: &Path) -> Server {
    for _attempt in 0..5 {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let listen = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(BIN);
        for v in [
            "TRESOR_CONFIG",
            "TRESOR_ROOT_KEY",
            "TRESOR_DATABASE_URL",
            "TRESOR_LISTEN",
        ] {
            cmd.env_remove(v);
        }
        cmd.args(["serve", "--listen", &listen, "--data-dir"])
            .arg(data)
            .env("TRESOR_BOOTSTRAP_TOKEN", TOKEN)
            .env("TRESOR_LOG_LEVEL", "error")
            .env("TRESOR_SCHEDULER_INTERVAL_SECONDS", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn tresor serve");
        let url = format!("http://{listen}");
        let client = http();
        for _ in 0..1200 {
            if let Ok(r) = client.get(format!("{url}/readyz")).send().await
                && r.status().is_success()
            {
                return Server { child, url };
            }
            if child.try_wait().unwrap().is_some() {
                break; // e.g. the port was taken meanwhile: try another
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill().await;
    }
    panic!("tresor serve did not become ready");
}

/// One request with our request id; `Some(body)` on 2xx, `None` otherwise
/// (including a connection that died with the server).
async fn call(c: &reqwest::Client, url: &str, path: &str, rid: &str, body: Value) -> Option<Value> {
    let r = c
        .post(format!("{url}{path}"))
        .bearer_auth(TOKEN)
        .header("x-request-id", rid)
        .json(&body)
        .send()
        .await
        .ok()?;
    if !r.status().is_success() {
        return None;
    }
    r.json().await.ok()
}

/// One load task: creates (30 %), rotations (20 %) and encrypts (50 %) on
/// its own keys until the server dies or `stop` is set.
async fn load(url: String, round: u64, task: u64, acked: Arc<Mutex<Acked>>, stop: Arc<AtomicBool>) {
    let c = http();
    let mut rng = Rng(SEED ^ (round << 32) ^ task);
    let mut keys: Vec<String> = Vec::new();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let rid = format!("crash-r{round}-t{task}-{n}");
        let choice = if keys.is_empty() { 0 } else { rng.below(10) };
        let key = keys.get(rng.below(keys.len() as u64) as usize).cloned();
        let ok = match (choice, key) {
            (0..=2, _) | (_, None) => {
                let body = json!({ "algorithm": "aes-256-gcm" });
                call(&c, &url, "/v1/keys", &rid, body).await.map(|v| {
                    let id = v["id"].as_str().unwrap().to_owned();
                    keys.push(id.clone());
                    acked.lock().unwrap().creates.insert(id, rid.clone());
                })
            }
            (3..=4, Some(k)) => {
                let path = format!("/v1/keys/{k}/rotate");
                call(&c, &url, &path, &rid, json!({})).await.map(|v| {
                    let version = u32::try_from(v["primary_version"].as_u64().unwrap()).unwrap();
                    acked
                        .lock()
                        .unwrap()
                        .rotations
                        .push((k, version, rid.clone()));
                })
            }
            (_, Some(k)) => {
                let plaintext = format!("round {round} task {task} op {n}").into_bytes();
                let body = json!({ "plaintext": B64.encode(&plaintext) });
                let path = format!("/v1/keys/{k}/encrypt");
                call(&c, &url, &path, &rid, body).await.map(|v| {
                    let ct = v["ciphertext"].as_str().unwrap().to_owned();
                    acked.lock().unwrap().encrypts.push(Encrypted {
                        key: k,
                        ciphertext: ct,
                        plaintext,
                        request_id: rid.clone(),
                    });
                })
            }
        };
        if ok.is_none() && stop.load(Ordering::Relaxed) {
            break;
        }
        if ok.is_none() {
            // The server is gone (or refused): back off briefly.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn get(c: &reqwest::Client, url: &str, path: &str) -> (u16, Value) {
    let r = c
        .get(format!("{url}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Every key in the listing (all pages).
async fn list_keys(c: &reqwest::Client, url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let (s, v) = get(c, url, &format!("/v1/keys?limit=1000&cursor={cursor}")).await;
        assert_eq!(s, 200, "list keys: {v}");
        for k in v["keys"].as_array().unwrap() {
            out.push(k["id"].as_str().unwrap().to_owned());
        }
        match v["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return out,
        }
    }
}

/// Request ids of the successful audit records about `key`.
async fn audit_ids(c: &reqwest::Client, url: &str, key: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut before = String::new();
    loop {
        let path = format!("/v1/audit?object={key}&outcome=success&limit=1000&before={before}");
        let (s, v) = get(c, url, &path).await;
        assert_eq!(s, 200, "audit: {v}");
        for r in v["records"].as_array().unwrap() {
            out.insert(r["request_id"].as_str().unwrap().to_owned());
        }
        match v["next_cursor"].as_str() {
            Some(next) => before = next.to_owned(),
            None => return out,
        }
    }
}

/// Checks everything acknowledged so far against the restarted server.
async fn verify(url: &str, acked: &Acked) {
    let c = http();
    // Nothing half-written: every listed key is gettable with versions 1..=primary.
    let listed = list_keys(&c, url).await;
    let mut versions: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for id in &listed {
        let (s, v) = get(&c, url, &format!("/v1/keys/{id}")).await;
        assert_eq!(s, 200, "listed key {id} is not gettable: {v}");
        let primary = v["primary_version"].as_u64().unwrap();
        let have: BTreeSet<u64> = v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["version"].as_u64().unwrap())
            .collect();
        assert_eq!(
            have,
            (1..=primary).collect(),
            "key {id}: versions {have:?}, primary {primary}"
        );
        versions.insert(id.clone(), have);
    }
    // Every acknowledged create and rotation is there.
    for id in acked.creates.keys() {
        assert!(
            versions.contains_key(id),
            "acknowledged key {id} is missing"
        );
    }
    for (id, version, _) in &acked.rotations {
        let have = versions.get(id).expect("rotated key is listed");
        assert!(
            have.contains(&u64::from(*version)),
            "key {id}: version {version} missing"
        );
    }
    // Every acknowledged ciphertext decrypts to its plaintext.
    let mut by_key: BTreeMap<&str, Vec<&Encrypted>> = BTreeMap::new();
    for e in &acked.encrypts {
        by_key.entry(e.key.as_str()).or_default().push(e);
    }
    for (key, items) in &by_key {
        for chunk in items.chunks(500) {
            let body = json!({ "items": chunk.iter().map(|e| json!({ "ciphertext": e.ciphertext })).collect::<Vec<_>>() });
            let r = c
                .post(format!("{url}/v1/keys/{key}/decrypt/batch"))
                .bearer_auth(TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "decrypt batch: {}", r.status());
            let v: Value = r.json().await.unwrap();
            let results = v["results"].as_array().unwrap();
            assert_eq!(results.len(), chunk.len());
            for (res, e) in results.iter().zip(chunk) {
                let pt = res["plaintext"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{key}: {res}"));
                assert_eq!(
                    B64.decode(pt).unwrap(),
                    e.plaintext,
                    "ciphertext of {} decrypts wrongly",
                    e.request_id
                );
            }
        }
    }
    // Each acknowledged operation has its audit record.
    let mut wanted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, rid) in &acked.creates {
        wanted.entry(id).or_default().push(rid);
    }
    for (id, _, rid) in &acked.rotations {
        wanted.entry(id).or_default().push(rid);
    }
    for e in &acked.encrypts {
        wanted.entry(&e.key).or_default().push(&e.request_id);
    }
    for (key, rids) in wanted {
        let found = audit_ids(&c, url, key).await;
        for rid in rids {
            assert!(
                found.contains(rid),
                "no audit record for acknowledged request {rid} on {key}"
            );
        }
    }
    // The chain verifies.
    let r = c
        .post(format!("{url}/v1/audit/verify"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["ok"], json!(true), "audit chain: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_operations_survive_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut rng = Rng(SEED);
    let base_delays = [200u64, 500, 1000, 350];
    let mut server = start(&data).await;
    for (round, base) in base_delays.iter().enumerate() {
        let round = round as u64;
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = (0..TASKS)
            .map(|t| {
                tokio::spawn(load(
                    server.url.clone(),
                    round,
                    t,
                    acked.clone(),
                    stop.clone(),
                ))
            })
            .collect();
        let kill_after = base + rng.below(150);
        tokio::time::sleep(Duration::from_millis(kill_after)).await;
        server.child.start_kill().unwrap(); // SIGKILL
        server.child.wait().await.unwrap();
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(60), t)
                .await
                .unwrap()
                .unwrap();
        }
        server = start(&data).await;
        let snapshot = std::mem::take(&mut *acked.lock().unwrap());
        eprintln!(
            "round {round}: killed after {kill_after} ms; acknowledged so far: {} creates, {} rotations, {} encrypts",
            snapshot.creates.len(),
            snapshot.rotations.len(),
            snapshot.encrypts.len()
        );
        verify(&server.url, &snapshot).await;
        *acked.lock().unwrap() = snapshot;
    }
    let created = acked.lock().unwrap().creates.len();
    assert!(created > 0, "the load acknowledged nothing");
    server.child.start_kill().unwrap();
    let _ = server.child.wait().await;
}
