//! AWS Signature Version 4 for the KMS JSON API (POST, no query string):
//! the canonical request, string to sign, derived signing key and the
//! `Authorization` header, on aws-lc-rs HMAC-SHA-256 and SHA-256.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::hmac;

/// Long-term or session credentials.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: zeroize::Zeroizing<String>,
    pub session_token: Option<zeroize::Zeroizing<String>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key id is not a secret, but only enough of it to tell keys
        // apart is shown (its kind, AKIA/ASIA, and the last four).
        let id = &self.access_key_id;
        let shown = match (id.get(..4), id.get(id.len().saturating_sub(4)..)) {
            (Some(head), Some(tail)) if id.len() >= 12 => format!("{head}...{tail}"),
            _ => "...".to_owned(),
        };
        f.debug_struct("Credentials")
            .field("access_key_id", &shown)
            .finish_non_exhaustive()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

/// The signing key for a day (`YYYYMMDD`), region and service.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = mac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = mac(&k_date, region.as_bytes());
    let k_service = mac(&k_region, service.as_bytes());
    mac(&k_service, b"aws4_request")
}

/// What is signed.
#[derive(Debug)]
pub struct Request<'a> {
    pub method: &'a str,
    /// Absolute path, e.g. `/`.
    pub path: &'a str,
    /// Query string already in canonical form (sorted, encoded), or empty.
    pub query: &'a str,
    /// Lower-case header names with trimmed values, including `host` and
    /// `x-amz-date`; sorted here.
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

/// The `Authorization` header value for `req` at `amz_date`
/// (`YYYYMMDDTHHMMSSZ`).
pub fn authorization(
    req: &Request<'_>,
    creds: &Credentials,
    amz_date: &str,
    region: &str,
    service: &str,
) -> String {
    let mut headers = req.headers.clone();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed = signed.join(";");
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed}\n{}",
        req.method,
        req.path,
        req.query,
        hex(digest(&SHA256, req.body).as_ref())
    );
    let date = &amz_date[..8.min(amz_date.len())];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(digest(&SHA256, canonical.as_bytes()).as_ref())
    );
    let key = signing_key(&creds.secret_access_key, date, region, service);
    let signature = hex(&mac(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        creds.access_key_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of AWS's "Signature Version 4 signing process"
    /// documentation (IAM ListUsers, 2015-08-30).
    #[test]
    fn aws_documented_example() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        assert_eq!(
            hex(&signing_key(secret, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        let creds = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: zeroize::Zeroizing::new(secret.into()),
            session_token: None,
        };
        let req = Request {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: vec![
                ("host".into(), "iam.amazonaws.com".into()),
                (
                    "content-type".into(),
                    "application/x-www-form-urlencoded; charset=utf-8".into(),
                ),
                ("x-amz-date".into(), "20150830T123600Z".into()),
            ],
            body: b"",
        };
        let auth = authorization(&req, &creds, "20150830T123600Z", "us-east-1", "iam");
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
        let shown = format!("{creds:?}");
        assert!(!shown.contains("EXAMPLEKEY"), "{shown}");
        let long = Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            ..creds
        };
        let shown = format!("{long:?}");
        assert!(shown.contains("AKIA...MPLE"), "{shown}");
        assert!(!shown.contains("IOSFODNN7"), "{shown}");
    }
}
