//! No input from the network may break the server: ~200 randomly mutated
//! bodies to the crypto endpoints all get a JSON 4xx (or a 2xx when the
//! mutation left them valid), and the server still answers afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, b64};
use reqwest::Method;
use serde_json::{Value, json};

/// xorshift64*: deterministic, seedable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap()
    }
}

fn mutate(rng: &mut Rng, body: &str) -> String {
    let mut b = body.as_bytes().to_vec();
    let junk: &[&[u8]] = &[
        b"null",
        b"[]",
        b"{}",
        b"-1",
        b"1e999",
        b"\"\\u0000\"",
        b"\xff\xfe",
        b"\"====\"",
        b"true",
    ];
    for _ in 0..=rng.below(3) {
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = u8::try_from(rng.below(256)).unwrap();
            }
            1 => b.truncate(rng.below(b.len() + 1)),
            2 => {
                let i = rng.below(b.len() + 1);
                let j = junk[rng.below(junk.len())];
                b.splice(i..i, j.iter().copied());
            }
            3 if !b.is_empty() => {
                let i = rng.below(b.len());
                b.remove(i);
            }
            4 => {
                let i = rng.below(b.len() + 1);
                b.splice(i..i, br#","extra":1"#.iter().copied());
            }
            _ => b = b.repeat(1 + rng.below(2)),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_bodies_never_break_the_server() {
    let env = Env::shared();
    let (_, api) = env.tenant("bad-fuzz").await;
    let aes = api.create_key("aes-256-gcm").await;
    let ed = api.create_key("ed25519").await;
    let hm = api.create_key("hmac-sha256").await;
    let ct = b64(&api.encrypt(&aes, b"seed").await);
    let sig = b64(&api.sign(&ed, b"m").await);
    let seeds: Vec<(String, Value)> = vec![
        (
            format!("/v1/keys/{aes}/encrypt"),
            json!({"plaintext": b64(b"hello"), "aad": b64(b"a"), "context": {"k": "v"}}),
        ),
        (
            format!("/v1/keys/{aes}/decrypt"),
            json!({"ciphertext": ct, "context": {"k": "v"}}),
        ),
        ("/v1/decrypt".into(), json!({"ciphertext": ct})),
        (
            format!("/v1/keys/{aes}/reencrypt"),
            json!({"ciphertext": ct, "source_aad": b64(b"")}),
        ),
        (
            format!("/v1/keys/{aes}/datakey"),
            json!({"bytes": 32, "include_plaintext": true}),
        ),
        (
            format!("/v1/keys/{aes}/encrypt/batch"),
            json!({"items": [{"plaintext": b64(b"x")}]}),
        ),
        (format!("/v1/keys/{ed}/sign"), json!({"message": b64(b"m")})),
        (
            format!("/v1/keys/{ed}/verify"),
            json!({"message": b64(b"m"), "signature": sig, "key_version": 1}),
        ),
        (format!("/v1/keys/{hm}/mac"), json!({"message": b64(b"m")})),
        ("/v1/random".into(), json!({"bytes": 16})),
        (
            "/v1/keys".into(),
            json!({"algorithm": "aes-256-gcm", "tags": {"a": "b"}}),
        ),
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..220 {
        let (path, body) = &seeds[i % seeds.len()];
        let mutated = mutate(&mut rng, &body.to_string());
        let r = api
            .raw(
                Method::POST,
                path,
                mutated.clone().into_bytes(),
                "application/json",
            )
            .await;
        let s = r.status.as_u16();
        *statuses.entry(s).or_insert(0) += 1;
        assert!(s < 500, "{path} {mutated:?} -> {s} {}", r.text());
        if !r.status.is_success() {
            assert!((400..500).contains(&s));
            assert!(
                r.code().is_some(),
                "{path} {mutated:?} -> {s} non-JSON {}",
                r.text()
            );
        }
    }
    assert!(statuses.keys().any(|s| *s >= 400), "{statuses:?}");
    let h = api.anonymous().get("/healthz").await;
    assert_eq!(h.status.as_u16(), 200, "{}", h.text());
    assert_eq!(api.decrypt(&aes, &common::unb64(&json!(ct))).await, b"seed");
}
