//! Third-party interoperability with the `openssl` CLI: Tresor's signatures
//! verify with exported PEM public keys, and RSA-OAEP ciphertexts made by
//! openssl decrypt in Tresor. Skipped (with a message) when `openssl` is not
//! installed; `scripts/test` installs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{Api, Env, b64, unb64, unb64url};
use serde_json::json;

fn have_openssl() -> bool {
    match Command::new("openssl").arg("version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!("SKIPPED: the `openssl` CLI is not installed (scripts/test installs it)");
            false
        }
    }
}

/// Runs openssl; returns (success, stdout+stderr).
fn openssl(args: &[&str]) -> (bool, String) {
    let o = Command::new("openssl").args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

async fn export_pem(api: &Api, key: &str, dir: &Path, name: &str) -> String {
    let path = p(dir, name);
    std::fs::write(&path, api.public_pem(key).await).unwrap();
    path
}

#[tokio::test]
async fn tresor_signatures_verify_with_openssl() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("ossl-sig").await;
    let dir = tempfile::tempdir().unwrap();
    let msg = b"signed by tresor, checked by openssl";
    let msg_path = p(dir.path(), "msg.bin");
    std::fs::write(&msg_path, msg).unwrap();
    let bad_path = p(dir.path(), "bad.bin");
    std::fs::write(&bad_path, b"something else").unwrap();

    // ECDSA P-256 (DER) and RSA (PKCS#1 v1.5, PSS) with `openssl dgst`.
    let ec = api.create_key("ec-p256").await;
    let rsa = api
        .create_key_with(json!({"algorithm": "rsa-2048", "operations": ["sign", "verify"]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases: [(&str, Option<&str>, &[&str]); 3] = [
        (&ec, None, &[]),
        (&rsa, Some("pkcs1-sha256"), &[]),
        (
            &rsa,
            Some("pss-sha256"),
            &[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:-1",
            ],
        ),
    ];
    for (i, (key, scheme, extra)) in cases.iter().enumerate() {
        let pem = export_pem(&api, key, dir.path(), &format!("pub{i}.pem")).await;
        let mut body = json!({"message": b64(msg)});
        if let Some(s) = scheme {
            body["scheme"] = json!(s);
        }
        let sig = unb64(&api.op(key, "sign", body).await.ok()["signature"]);
        let sig_path = p(dir.path(), &format!("sig{i}.bin"));
        std::fs::write(&sig_path, &sig).unwrap();
        for (data, expect) in [(&msg_path, true), (&bad_path, false)] {
            let mut args = vec!["dgst", "-sha256", "-verify", &pem, "-signature", &sig_path];
            args.extend_from_slice(extra);
            args.push(data);
            let (ok, out) = openssl(&args);
            assert_eq!(ok, expect, "{scheme:?} on {data}: {out}");
            if expect {
                assert!(out.contains("Verified OK"), "{out}");
            }
        }
    }

    // Ed25519 with `openssl pkeyutl -rawin`.
    let ed = api.create_key("ed25519").await;
    let pem = export_pem(&api, &ed, dir.path(), "ed.pem").await;
    let sig_path = p(dir.path(), "ed.sig");
    std::fs::write(&sig_path, api.sign(&ed, msg).await).unwrap();
    for (data, expect) in [(&msg_path, true), (&bad_path, false)] {
        let (ok, out) = openssl(&[
            "pkeyutl", "-verify", "-pubin", "-inkey", &pem, "-rawin", "-in", data, "-sigfile",
            &sig_path,
        ]);
        assert_eq!(ok, expect, "ed25519 on {data}: {out}");
    }

    // ECDSA over a digest with `openssl pkeyutl` (no hashing by openssl).
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, msg);
    let dg_path = p(dir.path(), "digest.bin");
    std::fs::write(&dg_path, digest.as_ref()).unwrap();
    let s = api
        .op(&ec, "sign", json!({"digest": b64(digest.as_ref())}))
        .await
        .ok();
    let sig_path = p(dir.path(), "ecd.sig");
    std::fs::write(&sig_path, unb64(&s["signature"])).unwrap();
    let pem = export_pem(&api, &ec, dir.path(), "ec.pem").await;
    let (ok, out) = openssl(&[
        "pkeyutl", "-verify", "-pubin", "-inkey", &pem, "-in", &dg_path, "-sigfile", &sig_path,
    ]);
    assert!(ok, "{out}");

    // The JWK names the same point as the PEM.
    let (ok, text) = openssl(&[
        "pkey",
        "-pubin",
        "-in",
        &pem,
        "-outform",
        "DER",
        "-out",
        &p(dir.path(), "ec.der"),
    ]);
    assert!(ok, "{text}");
    let der = std::fs::read(p(dir.path(), "ec.der")).unwrap();
    let jwk = api
        .get(&format!("/v1/keys/{ec}/public?format=jwk"))
        .await
        .ok();
    let point = [vec![4u8], unb64url(&jwk["x"]), unb64url(&jwk["y"])].concat();
    assert!(der.ends_with(&point), "JWK x/y differ from the PEM point");
}

#[tokio::test]
async fn openssl_oaep_ciphertexts_decrypt_in_tresor() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("ossl-oaep").await;
    let dir = tempfile::tempdir().unwrap();
    let rsa = api.create_key("rsa-2048").await;
    let pem = export_pem(&api, &rsa, dir.path(), "rsa.pem").await;
    let pt_path = p(dir.path(), "pt.bin");
    std::fs::write(&pt_path, b"encrypted by openssl").unwrap();
    let ct_path = p(dir.path(), "ct.bin");
    let (ok, out) = openssl(&[
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        &pem,
        "-in",
        &pt_path,
        "-out",
        &ct_path,
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        "rsa_oaep_md:sha256",
        "-pkeyopt",
        "rsa_mgf1_md:sha256",
    ]);
    assert!(ok, "{out}");
    let ct = std::fs::read(&ct_path).unwrap();
    assert_eq!(ct.len(), 256);
    let d = api
        .op(&rsa, "decrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .ok();
    assert_eq!(unb64(&d["plaintext"]), b"encrypted by openssl");
    assert_eq!(d["key_version"], 1);
    // Rotated: name the version for raw ciphertexts of the old one.
    api.op(&rsa, "rotate", json!({})).await.ok();
    let d = api
        .op(
            &rsa,
            "decrypt",
            json!({"ciphertext": b64(&ct), "key_version": 1}),
        )
        .await
        .ok();
    assert_eq!(unb64(&d["plaintext"]), b"encrypted by openssl");
    api.op(&rsa, "decrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .err(400, "crypto_failed");

    // SHA-1 OAEP (openssl's default) is not what Tresor uses: opaque failure.
    let ct1_path = p(dir.path(), "ct1.bin");
    let pem2 = export_pem(&api, &rsa, dir.path(), "rsa2.pem").await;
    let (ok, out) = openssl(&[
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        &pem2,
        "-in",
        &pt_path,
        "-out",
        &ct1_path,
        "-pkeyopt",
        "rsa_padding_mode:oaep",
    ]);
    assert!(ok, "{out}");
    api.op(
        &rsa,
        "decrypt",
        json!({"ciphertext": b64(&std::fs::read(&ct1_path).unwrap())}),
    )
    .await
    .err(400, "crypto_failed");
}
