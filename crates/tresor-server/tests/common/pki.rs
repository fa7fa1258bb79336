//! Helpers of the PKI tests: the `openssl` CLI (skip when it is missing,
//! run it, make keys and CSRs) and CA creation / CSR signing over REST.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use super::Api;

pub fn have_openssl() -> bool {
    match Command::new("openssl").arg("version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!("SKIPPED: the `openssl` CLI is not installed (scripts/test installs it)");
            false
        }
    }
}

/// Runs openssl; returns (success, stdout+stderr).
pub fn openssl(args: &[&str]) -> (bool, String) {
    let o = Command::new("openssl").args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

pub fn p(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

pub fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> String {
    let path = p(dir, name);
    std::fs::write(&path, data).unwrap();
    path
}

/// A key and CSR made by openssl: `(key path, csr PEM)`.
pub fn openssl_csr(
    dir: &Path,
    name: &str,
    newkey: &[&str],
    subj: &str,
    exts: &[&str],
) -> (String, String) {
    let key = p(dir, &format!("{name}.key"));
    let csr = p(dir, &format!("{name}.csr"));
    let mut args = vec![
        "req", "-new", "-nodes", "-keyout", &key, "-out", &csr, "-subj", subj,
    ];
    args.extend_from_slice(newkey);
    for e in exts {
        args.push("-addext");
        args.push(e);
    }
    let (ok, out) = openssl(&args);
    assert!(ok, "openssl req: {out}");
    (key, std::fs::read_to_string(&csr).unwrap())
}

pub const EC256: &[&str] = &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];

pub async fn create_ca(
    api: &Api,
    name: &str,
    alg: &str,
    parent: Option<&str>,
    domains: &[&str],
) -> Value {
    let mut body = json!({
        "name": name, "algorithm": alg, "subject": format!("CN=Tresor {name},O=Tresor Test"),
        "validity_days": 3650, "allowed_domains": domains,
    });
    if let Some(p) = parent {
        body["parent"] = json!(p);
        body["path_len"] = json!(0);
    }
    api.post("/v1/cas", body).await.ok()
}

pub async fn sign(api: &Api, ca: &str, csr: &str, profile: &str) -> super::Resp {
    api.post(
        &format!("/v1/cas/{ca}/sign"),
        json!({ "csr": csr, "profile": profile }),
    )
    .await
}
