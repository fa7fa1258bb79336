//! The TLS prober behind endpoint discovery: connects with rustls, once
//! allowing only TLS 1.3 and once only TLS 1.2, and records which versions
//! the server accepts, the negotiated cipher suite and the certificate
//! chain it presents (parsed by `tresor_service::discovery::certinfo`).
//!
//! The prober observes; it does not authenticate the server. Its verifier
//! accepts any chain and handshake signature so that expired, self-signed
//! and weak certificates can be recorded — nothing secret is ever sent on
//! these connections. rustls has no TLS 1.0/1.1, so older versions are not
//! detected.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tresor_core::discovery::{EndpointProber, EndpointResult};
use tresor_service::discovery::certinfo::cert_info;

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
