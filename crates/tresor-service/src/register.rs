//! Registering an existing provider-side key (e.g. an HSM key found by its
//! label) as a Tresor key without moving its material. Platform admins
//! only: a label can name any object on the token.

use tresor_core::{Action, Caller, KeyOrigin, VersionRecord};

use crate::error::{Result, ServiceError};
use crate::keys::ctx_of;
use crate::kms::Kms;
use crate::types::{KeyDetails, KeySpec};

/// Longest accepted provider-side label.
const MAX_LABEL: usize = 255;

impl Kms {
    /// Adopts the provider object named `label` on `spec.provider` (which
    /// must be given) as version 1 of a new key.
    pub async fn register_key(
        &self,
        caller: &Caller,
        spec: KeySpec,
        label: &str,
    ) -> Result<KeyDetails> {
        let (mut op, allowed) = self.begin(caller, Action::KeyRegister);
        let result = async {
            allowed?;
            if spec.provider.is_none() {
                return Err(ServiceError::invalid(
                    "provider",
                    "registering a key needs the provider that holds it",
                ));
            }
            if label.is_empty() || label.len() > MAX_LABEL || label.chars().any(char::is_control) {
                return Err(ServiceError::invalid(
                    "label",
                    format!("1-{MAX_LABEL} printable characters"),
                ));
            }
            self.validate_spec(&spec, false)?;
            op.detail("algorithm", spec.algorithm.as_str());
            op.detail("label", label);
            let (key, version) = self.new_key_record(caller, &spec, KeyOrigin::Registered)?;
            op.object(key.id);
            self.note_binding(&mut op, &spec, &key);
            self.check_crypto_policy(&mut op, &key).await?;
            let made = self
                .provider(&key.provider)?
                .register_existing(&ctx_of(&key, 1), label)
                .await?;
            let version = VersionRecord {
                handle: made.handle.0,
                public_key: made.public_key,
                ..version
            };
            self.insert_key(&mut op, key, version).await
        }
        .await;
        self.finish(op, result).await
    }
}
