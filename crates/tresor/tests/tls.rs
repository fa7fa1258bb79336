//! HTTPS and client certificates on the REST listener, with a test CA made by
//! rcgen: bearer tokens over TLS, a mapped client certificate authenticates
//! as `cert:<CN>`, an unmapped one is refused, `require` mode refuses clients
//! without a certificate, and the CLI talks HTTPS with `--ca-file`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use serde_json::{Value, json};
use tresor_server::config::ClientAuth;
use tresor_server::{Config, RunningServer};

struct Pki {
    dir: PathBuf,
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    fn new(dir: &Path) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Tresor Test CA");
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        Self {
            dir: dir.to_owned(),
            ca,
        }
    }

    /// Issues a certificate and writes `<name>.pem` and `<name>.key`.
    fn issue(&self, name: &str, cn: &str, sans: &[&str], client: bool) -> (PathBuf, PathBuf) {
        let sans: Vec<String> = sans.iter().map(|s| (*s).to_owned()).collect();
        let mut params = CertificateParams::new(sans).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        let (c, k) = (
            self.dir.join(format!("{name}.pem")),
            self.dir.join(format!("{name}.key")),
        );
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (c, k)
    }

    fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("ca.pem")).unwrap()
    }

    fn identity(&self, name: &str) -> reqwest::Identity {
        let mut pem = std::fs::read(self.dir.join(format!("{name}.pem"))).unwrap();
        pem.extend(std::fs::read(self.dir.join(format!("{name}.key"))).unwrap());
        reqwest::Identity::from_pem(&pem).unwrap()
    }

    fn client(&self, identity: Option<&str>) -> reqwest::Client {
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&self.ca_pem()).unwrap());
        if let Some(name) = identity {
            b = b.identity(self.identity(name));
        }
        b.build().unwrap()
    }
}

async fn start(dir: &Path, pki: &Pki, auth: ClientAuth) -> RunningServer {
    let (cert, key) = pki.issue("server", "localhost", &["localhost", "127.0.0.1"], false);
    let mut config = Config::for_data_dir(dir.join("data"));
    config.dev = true;
    config.tls_cert = Some(cert);
    config.tls_key = Some(key);
    config.tls_client_ca = Some(dir.join("ca.pem"));
    config.tls_client_auth = auth;
    tresor_server::start(config).await.unwrap()
}

async fn call(
    client: &reqwest::Client,
    server: &RunningServer,
    token: Option<&str>,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client.request(method, format!("{}{path}", server.url()));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_map_to_principals() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    pki.issue("billing", "billing-service", &[], true);
    pki.issue("stranger", "stranger", &[], true);
    let server = start(dir.path(), &pki, ClientAuth::Optional).await;
    assert!(server.url().starts_with("https://"));
    let token = server.initial_token.clone().unwrap();
    let plain = pki.client(None);

    // Bearer tokens keep working over TLS; map the client certificate.
    let (s, _) = call(
        &plain,
        &server,
        Some(&token),
        reqwest::Method::POST,
        "/v1/cert-principals",
        Some(json!({"subject_cn": "billing-service", "role": "user"})),
    )
    .await;
    assert_eq!(s, 201);

    // The mapped certificate acts as a user, with no token at all.
    let billing = pki.client(Some("billing"));
    let (s, key) = call(
        &billing,
        &server,
        None,
        reqwest::Method::POST,
        "/v1/keys",
        Some(json!({"algorithm": "aes-256-gcm"})),
    )
    .await;
    assert_eq!(s, 201, "{key}");
    let id = key["id"].as_str().unwrap().to_owned();
    let (s, _) = call(
        &billing,
        &server,
        None,
        reqwest::Method::POST,
        &format!("/v1/keys/{id}/encrypt"),
        Some(json!({"plaintext": "aGk="})),
    )
    .await;
    assert_eq!(s, 200);
    // A user may not manage API keys.
    let (s, body) = call(
        &billing,
        &server,
        None,
        reqwest::Method::GET,
        "/v1/api-keys",
        None,
    )
    .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );

    // Unmapped certificate, or no credential at all: 401.
    let stranger = pki.client(Some("stranger"));
    let (s, _) = call(
        &stranger,
        &server,
        None,
        reqwest::Method::GET,
        "/v1/keys",
        None,
    )
    .await;
    assert_eq!(s, 401);
    let (s, _) = call(
        &plain,
        &server,
        None,
        reqwest::Method::GET,
        "/v1/keys",
        None,
    )
    .await;
    assert_eq!(s, 401);

    // The audit trail names the certificate principal.
    let (_, audit) = call(
        &plain,
        &server,
        Some(&token),
        reqwest::Method::GET,
        "/v1/audit?principal=cert:billing-service&limit=10",
        None,
    )
    .await;
    let actions: Vec<&str> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"key.create"), "{actions:?}");
    assert!(actions.contains(&"crypto.encrypt"), "{actions:?}");

    // A client that does not trust the server's CA cannot connect.
    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(
        untrusting
            .get(format!("{}/healthz", server.url()))
            .send()
            .await
            .is_err()
    );

    // The CLI over HTTPS with --ca-file.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tresor"))
        .env_remove("TRESOR_TENANT")
        .env("TRESOR_ADDR", server.url())
        .env("TRESOR_TOKEN", &token)
        .args(["--ca-file", dir.path().join("ca.pem").to_str().unwrap()])
        .args(["key", "show", &id])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&id));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_mode_refuses_clients_without_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    pki.issue("billing", "billing-service", &[], true);
    let server = start(dir.path(), &pki, ClientAuth::Require).await;
    let url = format!("{}/healthz", server.url());
    assert!(pki.client(None).get(&url).send().await.is_err());
    let ok = pki.client(Some("billing")).get(&url).send().await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    server.shutdown().await;
}
