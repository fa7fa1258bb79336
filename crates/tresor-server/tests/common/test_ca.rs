//! A throw-away CA (rcgen) that writes `ca.pem` and issues TLS server or
//! client certificates into a directory, for the TLS listener tests.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};

/// The CA and the directory its files go to.
pub struct TestCa {
    pub dir: PathBuf,
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A new CA "KMIP Test CA"; its certificate is `dir/ca.pem`.
    pub fn new(dir: &Path) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "KMIP Test CA");
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        Self {
            dir: dir.to_owned(),
            ca,
        }
    }

    /// `dir/ca.pem`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Issues `name.pem` and `name.key` with subject CN `cn`: a client
    /// certificate, or a server one for localhost and 127.0.0.1.
    pub fn issue(&self, name: &str, cn: &str, client: bool) -> (PathBuf, PathBuf) {
        let sans = if client {
            vec![]
        } else {
            vec!["localhost".to_owned(), "127.0.0.1".to_owned()]
        };
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
}
