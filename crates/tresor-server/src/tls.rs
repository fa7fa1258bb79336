//! TLS for the HTTPS listener: a rustls server configuration (TLS 1.2 and
//! 1.3 on the aws-lc-rs provider) from PEM files, optional client
//! certificates verified against a CA, and the verified certificate's
//! subject CN for [`PeerIdentity`](crate::PeerIdentity).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

use crate::config::ClientAuth;

/// ALPN protocols offered, preferred first.
pub const ALPN_H2: &[u8] = b"h2";
/// HTTP/1.1 ALPN id.
pub const ALPN_HTTP11: &[u8] = b"http/1.1";

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{what} {path}: {message}")]
    Pem {
        what: &'static str,
        path: PathBuf,
        message: String,
    },
    /// rustls refused the certificate, key or verifier.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client CA could not be turned into a verifier.
    #[error("client certificate verifier ({path}): {source}")]
    Verifier {
        path: PathBuf,
        #[source]
        source: rustls::server::VerifierBuilderError,
    },
}

/// The crypto provider every TLS configuration uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Builds the server configuration: certificate chain and key from PEM
/// files; with `client_ca`, client certificates are requested and verified
/// (required only with [`ClientAuth::Require`]).
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
    client_auth: ClientAuth,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = provider();
    let chain = load_certs(cert, "TLS certificate")?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Pem {
        what: "TLS private key",
        path: key.to_owned(),
        message: e.to_string(),
    })?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in load_certs(ca, "TLS client CA")? {
                roots.add(c)?;
            }
            let mut v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            if client_auth != ClientAuth::Require {
                v = v.allow_unauthenticated();
            }
            let verifier = v.build().map_err(|source| TlsError::Verifier {
                path: ca.to_owned(),
                source,
            })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = vec![ALPN_H2.to_vec(), ALPN_HTTP11.to_vec()];
    Ok(Arc::new(config))
}

pub(crate) fn load_certs(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem_err = |message: String| TlsError::Pem {
        what,
        path: path.to_owned(),
        message,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_err(e.to_string()))?;
    if certs.is_empty() {
        return Err(pem_err("no CERTIFICATE found".into()));
    }
    Ok(certs)
}

/// The subject CN of the client's end-entity certificate (rustls only
/// reports certificates its verifier accepted).
pub fn peer_common_name(conn: &rustls::ServerConnection) -> Option<String> {
    let der = conn.peer_certificates()?.first()?;
    common_name(der.as_ref())
}

/// The first subject CN of a DER certificate.
pub fn common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = cert.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_clear_errors() {
        let e = server_config(
            Path::new("/nonexistent/cert.pem"),
            Path::new("/nonexistent/key.pem"),
            None,
            ClientAuth::Optional,
        )
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/cert.pem"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let e = server_config(&empty, &empty, None, ClientAuth::Optional).unwrap_err();
        assert!(e.to_string().contains("no CERTIFICATE"), "{e}");
        assert_eq!(common_name(b"not a certificate"), None);
    }
}
