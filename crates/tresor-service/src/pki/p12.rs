//! PKCS#12 export of a certificate with its chain and its private key, for
//! keys created exportable in a software provider. The file is protected
//! with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and an HMAC-SHA256 MAC.

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use tresor_core::{Action, Caller, CertId};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::KeyRef;

/// PBKDF2 iterations for the key bag and the MAC key derivation.
const ITERATIONS: u32 = 100_000;
/// Shortest accepted export password (characters).
pub const MIN_PASSWORD: usize = 8;
/// Longest accepted export password (bytes).
pub const MAX_PASSWORD: usize = 1024;

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD || password.len() > MAX_PASSWORD {
        return Err(ServiceError::invalid(
            "password",
            format!("must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// The SubjectPublicKeyInfo DER of a certificate.
fn cert_spki(der: &[u8]) -> Result<Vec<u8>> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|_| ServiceError::Internal("stored certificate does not parse"))?;
    Ok(cert.tbs_certificate.subject_pki.raw.to_vec())
}

/// Builds the PKCS#12 file: one key bag (PKCS#8) and the certificates,
/// leaf first.
fn build(pkcs8: &[u8], certs: &[&[u8]], alias: &str, password: &str) -> Result<Vec<u8>> {
    let opaque = |_| ServiceError::Internal("PKCS#12 encoding failed");
    let key = PrivateKey::from_der(pkcs8).map_err(opaque)?;
    let certs = certs
        .iter()
        .map(|d| Certificate::from_der(d))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(opaque)?;
    let mut store = KeyStore::new();
    store.add_entry(
        alias,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(alias, key, certs)),
    );
    store
        .writer(password)
        .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
        .encryption_iterations(ITERATIONS)
        .mac_algorithm(MacAlgorithm::HmacSha256)
        .mac_iterations(ITERATIONS)
        .write()
        .map_err(opaque)
}

impl Kms {
    /// The certificate `id`, its chain and its Tresor key as a
    /// password-protected PKCS#12 file (DER). Only for a certificate whose
    /// key was created exportable, lives in a software provider, and whose
    /// primary version is the certificate's key. Audited as
    /// `cert.export_pkcs12` (role user or above).
    pub async fn export_pkcs12(
        &self,
        caller: &Caller,
        id: &CertId,
        password: &str,
    ) -> Result<Vec<u8>> {
        let (mut op, allowed) = self.begin(caller, Action::CertExportPkcs12);
        op.object(id);
        let result = async {
            allowed?;
            check_password(password)?;
            let cert = self
                .store()
                .get_certificate(&caller.tenant, id)
                .await?
                .ok_or(ServiceError::NotFound {
                    what: "certificate",
                })?;
            op.detail("serial", cert.serial.clone());
            let key_id = cert.key_id.ok_or_else(|| {
                ServiceError::invalid(
                    "certificate",
                    "the certificate has no key in Tresor (imported or signed from a CSR)",
                )
            })?;
            op.detail("key_id", key_id.to_string());
            let k = self.load_key(&caller.tenant, &KeyRef::Id(key_id)).await?;
            if !k.exportable {
                return Err(ServiceError::OperationNotAllowed("export"));
            }
            let provider = self.provider(&k.provider)?;
            if provider.hardware_backed() {
                return Err(ServiceError::OperationNotAllowed(
                    "export (the key is in a hardware provider)",
                ));
            }
            if k.state.is_destroyed() {
                return Err(ServiceError::WrongState("the key is destroyed".into()));
            }
            let uv = self.usable_version(&k, None).await?;
            let version = self
                .store()
                .get_version(&k.tenant, &k.id, uv.ctx.version)
                .await?
                .ok_or(ServiceError::NotFound {
                    what: "key version",
                })?;
            if version.public_key.as_deref() != Some(cert_spki(&cert.der)?.as_slice()) {
                return Err(ServiceError::WrongState(
                    "the key's primary version is not the certificate's key (rotated?)".into(),
                ));
            }
            op.detail("version", uv.ctx.version);
            let chain = self.chain_of(&caller.tenant, cert.ca.as_deref()).await?;
            let material = provider.export(&uv.ctx, &uv.handle).await?;
            let mut certs: Vec<&[u8]> = vec![&cert.der];
            certs.extend(chain.iter().map(Vec::as_slice));
            build(material.expose(), &certs, &cert.subject, password)
        }
        .await;
        self.finish(op, result).await
    }
}

#[cfg(test)]
mod tests {
    use super::check_password;

    #[test]
    fn passwords_are_bounded() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough").is_ok());
        assert!(check_password(&"x".repeat(1025)).is_err());
    }
}
