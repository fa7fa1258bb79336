//! The facts of an X.509 certificate that reports and alerts need
//! (subject, issuer, validity, key type and size, signature algorithm,
//! SANs, CA flag, fingerprint), parsed with x509-parser: for certificates
//! found by discovery and certificates kept in the tenant's store.

use aws_lc_rs::digest;
use tresor_core::Timestamp;
use tresor_core::discovery::CertInfo;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
use x509_parser::public_key::PublicKey;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ts(t: x509_parser::time::ASN1Time) -> Timestamp {
    Timestamp::from_unix_micros(t.timestamp().saturating_mul(1_000_000))
}

/// The facts of one DER certificate (None when it does not parse).
pub fn cert_info(der: &[u8]) -> Option<CertInfo> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let (key_type, key_bits, curve) = key_facts(&cert);
    let sig_oid = cert.signature_algorithm.algorithm.clone();
    let signature_algorithm =
        x509_parser::objects::oid2sn(&sig_oid, x509_parser::objects::oid_registry())
            .map(str::to_owned)
            .unwrap_or_else(|_| sig_oid.to_id_string());
    let sans = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some((*d).to_owned()),
                    GeneralName::IPAddress(b) => ip_text(b),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Some(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: hex(cert.raw_serial()),
        not_before: ts(cert.validity().not_before),
        not_after: ts(cert.validity().not_after),
        key_type,
        key_bits,
        curve,
        signature_algorithm,
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        is_ca: cert.is_ca(),
        sans,
        sha256: hex(digest::digest(&digest::SHA256, der).as_ref()),
    })
}

fn ip_text(b: &[u8]) -> Option<String> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b)
            .ok()
            .map(|a| std::net::Ipv4Addr::from(a).to_string()),
        16 => <[u8; 16]>::try_from(b)
            .ok()
            .map(|a| std::net::Ipv6Addr::from(a).to_string()),
        _ => None,
    }
}

fn key_facts(cert: &X509Certificate<'_>) -> (String, u32, Option<String>) {
    let spki = &cert.tbs_certificate.subject_pki;
    let alg = spki.algorithm.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|oid| match oid.to_id_string().as_str() {
            "1.2.840.10045.3.1.7" => "P-256".to_owned(),
            "1.3.132.0.34" => "P-384".to_owned(),
            "1.3.132.0.35" => "P-521".to_owned(),
            other => other.to_owned(),
        });
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => (
            "rsa".into(),
            u32::try_from(rsa.key_size()).unwrap_or(0),
            None,
        ),
        Ok(PublicKey::EC(ec)) => (
            "ec".into(),
            u32::try_from(ec.key_size()).unwrap_or(0),
            curve,
        ),
        _ => match alg.as_str() {
            "1.3.101.112" => ("ed25519".into(), 256, None),
            "1.3.101.113" => ("ed448".into(), 456, None),
            a if a.starts_with("2.16.840.1.101.3.4.3.") => ("ml-dsa".into(), 0, None),
            a => (a.to_owned(), 0, None),
        },
    }
}
