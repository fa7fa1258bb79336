//! ML-DSA (FIPS 204) in the PKI: CSRs and self-signed certificates for
//! ML-DSA-44/65/87 keys, an ML-DSA-65 root CA issuing an ML-DSA-44 and an
//! EC leaf, an intermediate below it, and its CRL. OpenSSL 3.0 (this
//! machine's) cannot verify ML-DSA, so every signature is checked
//! independently here: the DER is parsed with x509-parser, the algorithm
//! identifier must be id-ml-dsa-* with absent parameters (RFC 9881), and
//! the signature over the to-be-signed bytes is verified with aws-lc-rs's
//! ML-DSA against the issuer's public key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_lc_rs::signature::{ML_DSA_44, ML_DSA_65, ML_DSA_87, UnparsedPublicKey};
use common::Env;
use common::pki::create_ca;
use serde_json::json;
use x509_parser::prelude::*;

fn der_of(pem_text: &str) -> Vec<u8> {
    ::pem::parse(pem_text).unwrap().into_contents()
}

/// The OID of an ML-DSA parameter set.
fn oid_of(level: u16) -> &'static str {
    match level {
        44 => "2.16.840.1.101.3.4.3.17",
        65 => "2.16.840.1.101.3.4.3.18",
        _ => "2.16.840.1.101.3.4.3.19",
    }
}

/// Verifies an ML-DSA signature made by the key in `spki` (raw key bits).
fn verify(level: u16, public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let alg = match level {
        44 => &ML_DSA_44,
        65 => &ML_DSA_65,
        _ => &ML_DSA_87,
    };
    UnparsedPublicKey::new(alg, public_key)
        .verify(message, signature)
        .is_ok()
}

/// Checks a certificate's algorithm identifier and its signature by
/// `issuer_key` (raw ML-DSA public key bytes).
fn check_cert(der: &[u8], level: u16, issuer_key: &[u8]) {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    assert_eq!(
        cert.signature_algorithm.algorithm.to_id_string(),
        oid_of(level)
    );
    assert!(
        cert.signature_algorithm.parameters.is_none(),
        "parameters must be absent"
    );
    assert!(
        verify(
            level,
            issuer_key,
            cert.tbs_certificate.as_ref(),
            &cert.signature_value.data
        ),
        "certificate signature does not verify"
    );
    // A changed TBS does not verify.
    let mut tampered = cert.tbs_certificate.as_ref().to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(!verify(
        level,
        issuer_key,
        &tampered,
        &cert.signature_value.data
    ));
}

fn own_key(der: &[u8]) -> Vec<u8> {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    cert.public_key().subject_public_key.data.to_vec()
}

#[tokio::test]
async fn ml_dsa_csrs_certificates_and_cas_verify_independently() {
    let env = Env::shared();
    let (_, api) = env.tenant("pki-mldsa").await;

    // CSRs and self-signed certificates for each parameter set.
    for level in [44u16, 65, 87] {
        let k = api
            .create_key_with(json!({ "algorithm": format!("ml-dsa-{level}") }))
            .await;
        let key = k["id"].as_str().unwrap().to_owned();
        let r = api
            .post(
                &format!("/v1/keys/{key}/csr"),
                json!({ "subject": format!("CN=pq {level}"), "dns": ["pq.example.com"] }),
            )
            .await
            .ok();
        let csr_der = der_of(r["csr"].as_str().unwrap());
        let (_, csr) = X509CertificationRequest::from_der(&csr_der).unwrap();
        assert_eq!(
            csr.signature_algorithm.algorithm.to_id_string(),
            oid_of(level)
        );
        let spki = &csr.certification_request_info.subject_pki;
        assert_eq!(spki.algorithm.algorithm.to_id_string(), oid_of(level));
        // The CSR carries the key's public key and is signed by it.
        let public_der = api.public_der(&key).await;
        assert_eq!(spki.raw, &public_der[..]);
        assert!(verify(
            level,
            &spki.subject_public_key.data,
            csr.certification_request_info.raw,
            &csr.signature_value.data
        ));

        let ss = api
            .post(
                &format!("/v1/keys/{key}/self-signed"),
                json!({ "subject": format!("CN=self pq {level}"), "validity_days": 30 }),
            )
            .await
            .ok();
        let der = der_of(ss["certificate_pem"].as_str().unwrap());
        check_cert(&der, level, &own_key(&der));
    }

    // An ML-DSA-65 root issuing an ML-DSA-44 leaf and an EC leaf, and an
    // intermediate below it.
    let root = create_ca(&api, "pq-root", "ml-dsa-65", None, &[]).await;
    let root_der = der_of(root["certificate"]["pem"].as_str().unwrap());
    let root_key = own_key(&root_der);
    check_cert(&root_der, 65, &root_key);
    for alg in ["ml-dsa-44", "ec-p256"] {
        let issued = api
            .post(
                "/v1/cas/pq-root/issue",
                json!({ "algorithm": alg, "profile": "client-tls", "subject": format!("CN={alg} client"),
                        "validity_days": 30 }),
            )
            .await
            .ok();
        let leaf = der_of(issued["certificate_pem"].as_str().unwrap());
        check_cert(&leaf, 65, &root_key);
    }
    let inter = create_ca(&api, "pq-inter", "ml-dsa-87", Some("pq-root"), &[]).await;
    let inter_der = der_of(inter["certificate"]["pem"].as_str().unwrap());
    check_cert(&inter_der, 65, &root_key);
    let issued = api
        .post(
            "/v1/cas/pq-inter/issue",
            json!({ "algorithm": "ml-dsa-65", "profile": "server-tls", "subject": "CN=pq.example.com",
                    "dns": ["pq.example.com"], "validity_days": 30 }),
        )
        .await
        .ok();
    let leaf = der_of(issued["certificate_pem"].as_str().unwrap());
    check_cert(&leaf, 87, &own_key(&inter_der));

    // An uploaded ML-DSA CSR cannot be verified yet (the CSR verifier has
    // no ML-DSA): refused with a clear message, nothing issued.
    let k = api
        .create_key_with(json!({ "algorithm": "ml-dsa-44" }))
        .await;
    let key = k["id"].as_str().unwrap();
    let csr = api
        .post(
            &format!("/v1/keys/{key}/csr"),
            json!({ "subject": "CN=outside pq" }),
        )
        .await
        .ok();
    let e = common::pki::sign(&api, "pq-root", csr["csr"].as_str().unwrap(), "client-tls")
        .await
        .err(400, "invalid_argument");
    assert!(e["message"].as_str().unwrap().contains("ML-DSA"), "{e}");

    // The root's CRL is signed with ML-DSA-65 too.
    let crl = api.get("/v1/cas/pq-root/crl").await;
    let (_, crl) = CertificateRevocationList::from_der(&crl.bytes).unwrap();
    assert_eq!(crl.signature_algorithm.algorithm.to_id_string(), oid_of(65));
    assert!(verify(
        65,
        &root_key,
        crl.tbs_cert_list.as_ref(),
        &crl.signature_value.data
    ));
}
