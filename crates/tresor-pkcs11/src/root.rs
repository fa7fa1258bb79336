//! Creating the AES-256 key that holds up the software keystore when its
//! root key lives in the token (see [`tresor_crypto::ProviderRoot`]): a
//! sensitive, non-extractable token object with a chosen `CKA_LABEL`.

use cryptoki::object::ObjectClass;
use tresor_core::{Algorithm, ProviderError};

use crate::error::Failure;
use crate::keys::{self, Placement};
use crate::provider::Pkcs11Provider;

impl Pkcs11Provider {
    /// Generates an AES-256 key labelled `label` inside the token, unless
    /// one exists already. Returns whether it was created.
    pub async fn create_root_key(&self, label: &str) -> Result<bool, ProviderError> {
        if label.is_empty() || label.len() > 128 {
            return Err(ProviderError::InvalidInput(
                "the root key label must be 1 to 128 bytes",
            ));
        }
        let caps = std::sync::Arc::clone(&self.caps);
        let label = label.to_owned();
        self.pool
            .run(move |cx| {
                match cx.find_by_label(ObjectClass::SECRET_KEY, &label) {
                    Ok(_) => return Ok(false),
                    Err(Failure::Provider(ProviderError::Crypto)) => {}
                    Err(e) => return Err(e),
                }
                let mut id = [0u8; 16];
                aws_lc_rs::rand::fill(&mut id)
                    .map_err(|_| ProviderError::Unavailable("random generator failure".into()))?;
                let at = Placement {
                    id,
                    label: label.clone(),
                };
                keys::generate(cx, &caps, Algorithm::Aes256Gcm, &at)?;
                tracing::warn!(label = %label, "created a NEW root key inside the token");
                Ok(true)
            })
            .await
    }
}
