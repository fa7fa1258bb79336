//! Plaintext key material and plaintext data never reach the disk or the
//! logs: after importing a known key, using it, rotating and shutting down,
//! no file in the data dir (database, WAL, shared memory, anything) and no
//! captured log line holds the key or the plaintexts, raw or encoded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{Owned, b64, hex, unb64};
use serde_json::json;

/// Collects every log line the server emits.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every form a secret could be written in.
fn forms(secret: &[u8]) -> Vec<Vec<u8>> {
    vec![
        secret.to_vec(),
        hex(secret).into_bytes(),
        hex(secret).to_uppercase().into_bytes(),
        STANDARD.encode(secret).into_bytes(),
        URL_SAFE_NO_PAD.encode(secret).into_bytes(),
        // A 16-byte window catches partial copies and other alignments.
        secret[..16].to_vec(),
        secret[secret.len() - 16..].to_vec(),
    ]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn random(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut v).unwrap();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_plaintext_secret_in_data_dir_or_logs() {
    let logs = Capture::default();
    let writer = logs.clone();
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init();

    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-secrets-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();

    let material = random(32);
    let rotated = random(32);
    let plaintext = random(48);
    let hmac_material = random(32);
    let k = root
        .post(
            "/v1/keys/import",
            json!({"algorithm": "aes-256-gcm", "material": b64(&material), "alias": "secret/known"}),
        )
        .await
        .ok();
    let id = k["id"].as_str().unwrap().to_owned();
    let ct = root.encrypt(&id, &plaintext).await;
    assert_eq!(root.decrypt(&id, &ct).await, plaintext);
    root.op(&id, "rotate", json!({"material": b64(&rotated)}))
        .await
        .ok();
    let ct2 = root.encrypt(&id, &plaintext).await;
    assert_eq!(root.decrypt(&id, &ct2).await, plaintext);
    let dk = root.op(&id, "datakey", json!({})).await.ok();
    let data_key = unb64(&dk["plaintext"]);
    let hm = root
        .post(
            "/v1/keys/import",
            json!({"algorithm": "hmac-sha256", "material": b64(&hmac_material)}),
        )
        .await
        .ok();
    root.op(
        hm["id"].as_str().unwrap(),
        "mac",
        json!({"message": b64(&plaintext)}),
    )
    .await
    .ok();
    // Generated keys' material is checked through export: wrap it out.
    let exp = root
        .create_key_with(json!({"algorithm": "aes-256-gcm", "exportable": true}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kek = root
        .create_key_with(json!({"algorithm": "aes-256-gcm", "operations": ["wrap", "unwrap"]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let w = root.op(&kek, "wrap", json!({"key": exp})).await.ok();
    let generated = unb64(
        &root
            .op(&kek, "unwrap", json!({"ciphertext": w["ciphertext"]}))
            .await
            .ok()["plaintext"],
    );
    assert_eq!(generated.len(), 32);
    // A failure path too (errors must not echo inputs).
    root.op(
        &id,
        "decrypt",
        json!({"ciphertext": b64(&ct), "aad": b64(&plaintext)}),
    )
    .await
    .err(400, "crypto_failed");
    server.stop().await;

    let mut all = Vec::new();
    files(dir.path(), &mut all);
    let names: Vec<String> = all
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".db")), "{names:?}");
    let secrets: [(&str, &[u8]); 6] = [
        ("imported key", &material),
        ("rotated-in key", &rotated),
        ("hmac key", &hmac_material),
        ("generated key", &generated),
        ("plaintext", &plaintext),
        ("data key", &data_key),
    ];
    let mut scanned = 0;
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        scanned += bytes.len();
        for (what, s) in &secrets {
            for f in forms(s) {
                assert!(!contains(&bytes, &f), "{what} found in {}", path.display());
            }
        }
    }
    assert!(
        scanned > 4096,
        "the data dir holds the database: {scanned} bytes"
    );

    let log = logs.0.lock().unwrap().clone();
    for (what, s) in &secrets {
        for f in forms(s) {
            assert!(!contains(&log, &f), "{what} found in the server log");
        }
    }
}
