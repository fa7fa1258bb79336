//! Reading certificates and CSRs (x509-parser): the fields Tresor indexes
//! and the facts a profile checks.

use rcgen::CertificateSigningRequestParams;
use rustls_pki_types::CertificateSigningRequestDer;
use x509_parser18::extensions::GeneralName;
use x509_parser18::prelude::{FromDer, X509Certificate};
use x509_parser18::public_key::PublicKey;
use x509_parser18::x509::SubjectPublicKeyInfo;

use crate::error::{X509Error, invalid};

/// Largest certificate, CSR or CRL accepted.
pub const MAX_DER: usize = 64 * 1024;

/// What a certificate says, as Tresor stores and searches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Lowercase hex, no separators, no leading zero bytes.
    pub serial_hex: String,
    pub subject: String,
    pub issuer: String,
    /// `dns:…`, `ip:…`, `email:…`, `uri:…`.
    pub sans: Vec<String>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub is_ca: bool,
    /// The basic constraints path length, when the certificate sets one.
    pub path_len: Option<u32>,
    pub spki_der: Vec<u8>,
}

/// Parses one DER certificate.
pub fn parse_cert(der: &[u8]) -> Result<CertInfo, X509Error> {
    if der.len() > MAX_DER {
        return Err(invalid("certificate is too large"));
    }
    let (rest, c) =
        X509Certificate::from_der(der).map_err(|_| invalid("not a DER X.509 certificate"))?;
    if !rest.is_empty() {
        return Err(invalid("trailing data after the certificate"));
    }
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = c.subject_alternative_name() {
        for n in &ext.value.general_names {
            sans.push(match n {
                GeneralName::DNSName(d) => format!("dns:{d}"),
                GeneralName::RFC822Name(e) => format!("email:{e}"),
                GeneralName::URI(u) => format!("uri:{u}"),
                GeneralName::IPAddress(b) => match b.len() {
                    4 => format!("ip:{}", std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])),
                    16 => {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(b);
                        format!("ip:{}", std::net::Ipv6Addr::from(a))
                    }
                    _ => continue,
                },
                _ => continue,
            });
        }
    }
    let bc = c.basic_constraints().ok().flatten();
    let is_ca = bc.as_ref().is_some_and(|b| b.value.ca);
    let path_len = bc.and_then(|b| b.value.path_len_constraint);
    Ok(CertInfo {
        serial_hex: serial_hex(c.raw_serial()),
        subject: c.subject().to_string(),
        issuer: c.issuer().to_string(),
        sans,
        not_before: c.validity().not_before.timestamp(),
        not_after: c.validity().not_after.timestamp(),
        is_ca,
        path_len,
        spki_der: c.public_key().raw.to_vec(),
    })
}

/// Lowercase hex of a serial without leading zero bytes.
pub(crate) fn serial_hex(raw: &[u8]) -> String {
    let trimmed: Vec<u8> = raw.iter().copied().skip_while(|b| *b == 0).collect();
    if trimmed.is_empty() {
        return "00".into();
    }
    trimmed.iter().map(|b| format!("{b:02x}")).collect()
}

/// The kind and size of a subject public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyKind {
    Rsa(usize),
    EcP256,
    EcP384,
    EcP521,
    Ed25519,
    /// ML-DSA-44, -65 or -87 (FIPS 204), by its parameter set.
    MlDsa(u16),
    Other,
}

impl KeyKind {
    /// From a SubjectPublicKeyInfo DER.
    pub fn of_spki(der: &[u8]) -> Result<Self, X509Error> {
        let (_, spki) = SubjectPublicKeyInfo::from_der(der)
            .map_err(|_| invalid("not a SubjectPublicKeyInfo"))?;
        Ok(Self::of(&spki))
    }

    fn of(spki: &SubjectPublicKeyInfo<'_>) -> Self {
        let alg = spki.algorithm.algorithm.to_id_string();
        match alg.as_str() {
            "1.3.101.112" => KeyKind::Ed25519,
            "1.2.840.10045.2.1" => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string());
                match curve.as_deref() {
                    Some("1.2.840.10045.3.1.7") => KeyKind::EcP256,
                    Some("1.3.132.0.34") => KeyKind::EcP384,
                    Some("1.3.132.0.35") => KeyKind::EcP521,
                    _ => KeyKind::Other,
                }
            }
            "2.16.840.1.101.3.4.3.17" => KeyKind::MlDsa(44),
            "2.16.840.1.101.3.4.3.18" => KeyKind::MlDsa(65),
            "2.16.840.1.101.3.4.3.19" => KeyKind::MlDsa(87),
            "1.2.840.113549.1.1.1" => match spki.parsed() {
                Ok(PublicKey::RSA(r)) => KeyKind::Rsa(r.key_size()),
                _ => KeyKind::Other,
            },
            _ => KeyKind::Other,
        }
    }

    /// Display name, e.g. `RSA-2048`.
    pub fn name(self) -> String {
        match self {
            KeyKind::Rsa(b) => format!("RSA-{b}"),
            KeyKind::EcP256 => "EC P-256".into(),
            KeyKind::EcP384 => "EC P-384".into(),
            KeyKind::EcP521 => "EC P-521".into(),
            KeyKind::Ed25519 => "Ed25519".into(),
            KeyKind::MlDsa(n) => format!("ML-DSA-{n}"),
            KeyKind::Other => "an unsupported key type".into(),
        }
    }
}

/// A parsed CSR whose self-signature verified.
#[derive(Debug, Clone)]
pub struct CsrInfo {
    pub request: CertificateSigningRequestParams,
    pub key: KeyKind,
    pub subject: String,
}

/// The subject key kind of a DER CSR, without verifying it (so a profile
/// can refuse a weak key before its signature is even checked: the
/// verifier itself rejects RSA keys under 2048 bits).
pub fn csr_key(der: &[u8]) -> Result<KeyKind, X509Error> {
    if der.len() > MAX_DER {
        return Err(invalid("CSR is too large"));
    }
    let (_, raw) = x509_parser18::certification_request::X509CertificationRequest::from_der(der)
        .map_err(|_| invalid("not a PKCS#10 certificate request"))?;
    Ok(KeyKind::of(&raw.certification_request_info.subject_pki))
}

/// Parses and verifies a DER CSR.
pub fn parse_csr(der: &[u8]) -> Result<CsrInfo, X509Error> {
    if der.len() > MAX_DER {
        return Err(invalid("CSR is too large"));
    }
    let (_, raw) = x509_parser18::certification_request::X509CertificationRequest::from_der(der)
        .map_err(|_| invalid("not a PKCS#10 certificate request"))?;
    let key = KeyKind::of(&raw.certification_request_info.subject_pki);
    // The CSR verifier (x509-parser) has no ML-DSA yet: say so instead of
    // calling a good signature bad.
    if raw
        .signature_algorithm
        .algorithm
        .to_id_string()
        .starts_with("2.16.840.1.101.3.4.3.")
    {
        return Err(invalid(
            "CSRs signed with ML-DSA cannot be verified yet; let Tresor generate the key and issue its certificate (POST /v1/cas/{ca}/issue)",
        ));
    }
    let subject = raw.certification_request_info.subject.to_string();
    let request =
        CertificateSigningRequestParams::from_der(&CertificateSigningRequestDer::from(der))
            .map_err(|e| match e {
                rcgen::Error::InvalidCertificationRequestSignature => {
                    invalid("the CSR's signature does not verify")
                }
                rcgen::Error::UnsupportedExtension => {
                    invalid("the CSR requests an extension Tresor does not issue")
                }
                rcgen::Error::UnsupportedSignatureAlgorithm => {
                    invalid("the CSR's signature algorithm is not supported")
                }
                _ => invalid("the CSR cannot be read"),
            })?;
    Ok(CsrInfo {
        request,
        key,
        subject,
    })
}

/// Every `label` block of a PEM text as DER (other blocks are skipped).
pub fn pem_to_ders(text: &str, label: &str) -> Result<Vec<Vec<u8>>, X509Error> {
    let blocks = pem::parse_many(text).map_err(|_| invalid("malformed PEM"))?;
    let ders: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|b| b.tag() == label)
        .map(|b| b.into_contents())
        .collect();
    if ders.is_empty() {
        return Err(invalid(format!("no {label} found in the PEM input")));
    }
    Ok(ders)
}
