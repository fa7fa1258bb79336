//! Public keys as PEM, DER and JWK, and the tenant's JWKS (only published,
//! active signing keys, every enabled version).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, public_bytes, unb64url};
use serde_json::{Value, json};

#[tokio::test]
async fn pem_der_and_jwk_agree() {
    let env = Env::shared();
    let (_, api) = env.tenant("pub-fmt").await;
    for alg in [
        "ec-p256",
        "ec-p384",
        "ed25519",
        "x25519",
        "rsa-2048",
        "ml-dsa-65",
        "ml-kem-768",
    ] {
        let id = api.create_key(alg).await;
        let der = api.public_der(&id).await;
        let r = api.get(&format!("/v1/keys/{id}/public?format=der")).await;
        assert_eq!(r.headers["content-type"], "application/pkix-spki", "{alg}");
        let pem_text = api.public_pem(&id).await;
        assert!(
            pem_text.starts_with("-----BEGIN PUBLIC KEY-----"),
            "{pem_text}"
        );
        let parsed = pem::parse(&pem_text).unwrap();
        assert_eq!(parsed.tag(), "PUBLIC KEY");
        assert_eq!(
            parsed.contents(),
            der.as_slice(),
            "{alg}: PEM and DER differ"
        );
        // Default format is PEM.
        let r = api.get(&format!("/v1/keys/{id}/public")).await;
        assert_eq!(
            String::from_utf8(public_bytes(&r, "pem")).unwrap(),
            pem_text
        );

        let jwk = api
            .get(&format!("/v1/keys/{id}/public?format=jwk"))
            .await
            .ok();
        assert_eq!(jwk["kid"], format!("{id}.1"), "{jwk}");
        match alg {
            "ec-p256" | "ec-p384" => {
                let n = if alg == "ec-p256" { 32 } else { 48 };
                let point = &der[der.len() - (2 * n + 1)..];
                assert_eq!(point[0], 4);
                assert_eq!(jwk["kty"], "EC");
                assert_eq!(jwk["crv"], if n == 32 { "P-256" } else { "P-384" });
                assert_eq!(unb64url(&jwk["x"]), &point[1..=n]);
                assert_eq!(unb64url(&jwk["y"]), &point[n + 1..]);
                assert_eq!(jwk["use"], "sig");
            }
            "ed25519" | "x25519" => {
                assert_eq!(jwk["kty"], "OKP");
                assert_eq!(unb64url(&jwk["x"]), &der[der.len() - 32..]);
            }
            "rsa-2048" => {
                assert_eq!(jwk["kty"], "RSA");
                assert_eq!(unb64url(&jwk["e"]), vec![1, 0, 1]);
                let n = unb64url(&jwk["n"]);
                assert_eq!(n.len(), 256);
                assert!(der.windows(256).any(|w| w == n.as_slice()));
                assert_eq!(jwk["use"], "enc");
            }
            _ => {
                assert_eq!(jwk["kty"], "AKP");
                let p = unb64url(&jwk["pub"]);
                assert_eq!(p.as_slice(), &der[der.len() - p.len()..]);
            }
        }
        // Version 1 explicitly, and a missing version.
        let v1 = api
            .get(&format!("/v1/keys/{id}/public?format=der&version=1"))
            .await;
        assert_eq!(public_bytes(&v1, "der"), der);
        api.get(&format!("/v1/keys/{id}/public?version=7"))
            .await
            .err(404, "version_not_found");
    }
    let aes = api.create_key("aes-256-gcm").await;
    api.get(&format!("/v1/keys/{aes}/public"))
        .await
        .err(400, "invalid_argument");
    let ec = api.create_key("ec-p256").await;
    api.get(&format!("/v1/keys/{ec}/public?format=ssh"))
        .await
        .err(400, "invalid_argument");
}

fn kids(jwks: &Value) -> Vec<String> {
    let mut v: Vec<String> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn jwks_lists_only_published_active_signing_keys() {
    let env = Env::shared();
    let (_, api) = env.tenant("pub-jwks").await;
    assert_eq!(api.get("/v1/jwks").await.ok(), json!({"keys": []}));

    let published = |alg: &'static str| {
        let api = api.clone();
        async move {
            api.create_key_with(json!({"algorithm": alg, "publish_jwk": true}))
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let ec = published("ec-p256").await;
    let ed = published("ed25519").await;
    let rsa = api
        .create_key_with(
            json!({"algorithm": "rsa-2048", "operations": ["sign", "verify"], "publish_jwk": true}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let _hidden = api.create_key("ec-p256").await;
    // Only signing keys can be published.
    for bad in [
        json!({"algorithm": "aes-256-gcm", "publish_jwk": true}),
        json!({"algorithm": "rsa-2048", "publish_jwk": true}),
        json!({"algorithm": "x25519", "publish_jwk": true}),
    ] {
        api.post("/v1/keys", bad).await.err(400, "invalid_argument");
    }

    let mut want = vec![format!("{ec}.1"), format!("{ed}.1"), format!("{rsa}.1")];
    want.sort();
    let jwks = api.get("/v1/jwks").await.ok();
    assert_eq!(kids(&jwks), want);
    let ec_jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == format!("{ec}.1"))
        .unwrap()
        .clone();
    assert_eq!(
        ec_jwk,
        api.get(&format!("/v1/keys/{ec}/public?format=jwk"))
            .await
            .ok()
    );

    // Rotation publishes both versions; disabling a version removes it.
    api.op(&ec, "rotate", json!({})).await.ok();
    let mut want2 = want.clone();
    want2.push(format!("{ec}.2"));
    want2.sort();
    assert_eq!(kids(&api.get("/v1/jwks").await.ok()), want2);
    api.post(&format!("/v1/keys/{ec}/versions/1/disable"), json!({}))
        .await
        .ok();
    let mut want3: Vec<String> = want2
        .iter()
        .filter(|k| **k != format!("{ec}.1"))
        .cloned()
        .collect();
    want3.sort();
    assert_eq!(kids(&api.get("/v1/jwks").await.ok()), want3);

    // Suspended, revoked and unpublished keys leave the set.
    api.op(&ed, "disable", json!({})).await.ok();
    api.op(&rsa, "revoke", json!({"reason": "superseded"}))
        .await
        .ok();
    assert_eq!(
        kids(&api.get("/v1/jwks").await.ok()),
        vec![format!("{ec}.2")]
    );
    api.patch(&format!("/v1/keys/{ec}"), json!({"publish_jwk": false}))
        .await
        .ok();
    assert_eq!(api.get("/v1/jwks").await.ok(), json!({"keys": []}));
    api.op(&ed, "enable", json!({})).await.ok();
    assert_eq!(
        kids(&api.get("/v1/jwks").await.ok()),
        vec![format!("{ed}.1")]
    );
}
