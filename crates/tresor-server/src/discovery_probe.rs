//! The TLS prober behind endpoint discovery: connects with rustls, once
//! allowing only TLS 1.3 and once only TLS 1.2, and records which versions
//! the server accepts, the negotiated cipher suite and the certificate
//! chain it presents (parsed with x509-parser).
//!
//! The prober observes; it does not authenticate the server. Its verifier
//! accepts any chain and handshake signature so that expired, self-signed
//! and weak certificates can be recorded — nothing secret is ever sent on
//! these connections. rustls has no TLS 1.0/1.1, so older versions are not
//! detected.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_lc_rs::digest;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tresor_core::Timestamp;
use tresor_core::discovery::{CertInfo, EndpointProber, EndpointResult};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
use x509_parser::public_key::PublicKey;

/// Most certificates recorded per chain.
const MAX_CHAIN: usize = 10;

/// The rustls-based [`EndpointProber`].
#[derive(Debug, Default, Clone)]
pub struct TlsProber;

#[derive(Debug)]
struct Observe(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Observe {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn config(version: &'static rustls::SupportedProtocolVersion) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[version])
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Observe(provider)))
        .with_no_client_auth();
    Ok(cfg)
}

/// What one handshake gave.
struct Handshake {
    suite: String,
    chain: Vec<Vec<u8>>,
}

async fn handshake(
    host: &str,
    port: u16,
    version: &'static rustls::SupportedProtocolVersion,
    timeout: Duration,
) -> Result<Handshake, String> {
    let name = ServerName::try_from(host.to_owned()).map_err(|e| format!("server name: {e}"))?;
    let connector = TlsConnector::from(Arc::new(config(version)?));
    let attempt = async {
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS handshake: {e}"))?;
        let (_, conn) = tls.get_ref();
        let suite = conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default();
        let chain = conn
            .peer_certificates()
            .unwrap_or_default()
            .iter()
            .take(MAX_CHAIN)
            .map(|c| c.as_ref().to_vec())
            .collect();
        Ok(Handshake { suite, chain })
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| "timed out".to_owned())?
}

#[async_trait]
impl EndpointProber for TlsProber {
    async fn probe(&self, host: &str, port: u16, timeout: Duration) -> EndpointResult {
        let mut result = EndpointResult {
            host: host.to_owned(),
            port,
            tls: false,
            tls_versions: Vec::new(),
            cipher_suite: None,
            chain: Vec::new(),
            error: None,
        };
        let mut errors = Vec::new();
        for (name, version) in [
            ("TLSv1.3", &rustls::version::TLS13),
            ("TLSv1.2", &rustls::version::TLS12),
        ] {
            match handshake(host, port, version, timeout).await {
                Ok(h) => {
                    result.tls = true;
                    result.tls_versions.push(name.to_owned());
                    if result.cipher_suite.is_none() {
                        result.cipher_suite = Some(h.suite);
                        result.chain = h.chain.iter().filter_map(|d| cert_info(d)).collect();
                    }
                }
                Err(e) => {
                    let refused = e.starts_with("connect:") || e == "timed out";
                    errors.push(format!("{name}: {e}"));
                    if refused && !result.tls {
                        // Nothing listens: no point trying another version.
                        break;
                    }
                }
            }
        }
        result.tls_versions.reverse();
        if !result.tls {
            result.error = Some(errors.join("; "));
        }
        result
    }
}

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
