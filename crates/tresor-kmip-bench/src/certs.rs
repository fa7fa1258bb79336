//! A throw-away PKI for the run: a CA, a server certificate for
//! 127.0.0.1 / localhost and a client certificate (CN `kmip-bench`, the
//! principal both servers see), written as PEM files into a directory.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};

use crate::Error;

/// The client certificate's subject CN.
pub const CLIENT_CN: &str = "kmip-bench";

/// Paths of the PEM files.
#[derive(Debug, Clone)]
pub struct Certs {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error(format!("certificates: {e}"))
}

fn leaf(
    ca: &CertifiedIssuer<'_, KeyPair>,
    cn: &str,
    sans: Vec<String>,
    eku: ExtendedKeyUsagePurpose,
) -> Result<(String, String), Error> {
    let mut params = CertificateParams::new(sans).map_err(err)?;
    params.distinguished_name.push(DnType::CommonName, cn);
    params.extended_key_usages = vec![eku];
    let key = KeyPair::generate().map_err(err)?;
    let cert = params.signed_by(&key, ca).map_err(err)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Makes the CA and both certificates in `dir`.
pub fn make(dir: &Path) -> Result<Certs, Error> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "KMIP bench CA");
    let ca =
        CertifiedIssuer::self_signed(params, KeyPair::generate().map_err(err)?).map_err(err)?;
    let server = leaf(
        &ca,
        "localhost",
        vec!["localhost".into(), "127.0.0.1".into()],
        ExtendedKeyUsagePurpose::ServerAuth,
    )?;
    let client = leaf(&ca, CLIENT_CN, vec![], ExtendedKeyUsagePurpose::ClientAuth)?;
    let c = Certs {
        ca: dir.join("ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client.key"),
    };
    for (path, text) in [
        (&c.ca, ca.pem()),
        (&c.server_cert, server.0),
        (&c.server_key, server.1),
        (&c.client_cert, client.0),
        (&c.client_key, client.1),
    ] {
        std::fs::write(path, text)?;
    }
    Ok(c)
}
