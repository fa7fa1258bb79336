//! The operations that can wait for approval: their parameters (sealed at
//! rest, they may hold plaintext) and how they run once approved.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tresor_core::{Caller, KeyId, RevocationReason, SecretBytes};

use super::policy::KeyPolicy;
use crate::error::Result;
use crate::kms::Kms;
use crate::resolve::KeyRef;
use crate::types::{
    Binding, DecryptRequest, DecryptResult, EncryptRequest, EncryptResult, KeyDetails, SignData,
    SignRequest, SignResult,
};

/// A parked operation's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PendingOp {
    Encrypt {
        plaintext: Vec<u8>,
        aad: Vec<u8>,
        context: BTreeMap<String, String>,
    },
    Decrypt {
        ciphertext: Vec<u8>,
        aad: Vec<u8>,
        context: BTreeMap<String, String>,
        key_version: Option<u32>,
    },
    Sign {
        data: Vec<u8>,
        prehashed: bool,
        scheme: Option<String>,
        raw_signature: bool,
    },
    Rotate,
    Enable,
    Disable,
    Revoke {
        reason: RevocationReason,
        message: Option<String>,
    },
    ScheduleDestroy {
        pending_days: Option<u32>,
    },
    Destroy,
    SetPolicy {
        policy: KeyPolicy,
    },
}

impl Drop for PendingOp {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            PendingOp::Encrypt { plaintext, .. } => plaintext.zeroize(),
            PendingOp::Sign { data, .. } => data.zeroize(),
            _ => {}
        }
    }
}

/// What an approved operation returned.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Executed {
    Encrypt(EncryptResult),
    Decrypt(DecryptResult),
    Sign(SignResult),
    Key(Box<KeyDetails>),
    Policy(KeyPolicy),
}

impl PendingOp {
    /// What approvers see: the operation and non-secret parameters (sizes,
    /// never payloads).
    pub fn summary(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            PendingOp::Encrypt {
                plaintext, context, ..
            } => {
                json!({"operation": "encrypt", "plaintext_bytes": plaintext.len(), "context": context})
            }
            PendingOp::Decrypt {
                ciphertext,
                context,
                ..
            } => {
                json!({"operation": "decrypt", "ciphertext_bytes": ciphertext.len(), "context": context})
            }
            PendingOp::Sign {
                data,
                prehashed,
                scheme,
                ..
            } => {
                json!({"operation": "sign", "bytes": data.len(), "prehashed": prehashed, "scheme": scheme})
            }
            PendingOp::Rotate => json!({"operation": "rotate"}),
            PendingOp::Enable => json!({"operation": "enable"}),
            PendingOp::Disable => json!({"operation": "disable"}),
            PendingOp::Revoke { reason, message } => {
                json!({"operation": "revoke", "reason": reason, "message": message})
            }
            PendingOp::ScheduleDestroy { pending_days } => {
                json!({"operation": "schedule_destroy", "pending_days": pending_days})
            }
            PendingOp::Destroy => json!({"operation": "destroy"}),
            PendingOp::SetPolicy { policy } => json!({"operation": "set_policy", "policy": policy}),
        }
    }

    /// Runs the operation as `caller` (the requester).
    pub(crate) async fn run(&self, kms: &Kms, caller: &Caller, key: KeyId) -> Result<Executed> {
        let k = KeyRef::Id(key);
        let binding = |aad: &Vec<u8>, context: &BTreeMap<String, String>| Binding {
            aad: aad.clone(),
            context: context.clone(),
        };
        Ok(match self {
            PendingOp::Encrypt {
                plaintext,
                aad,
                context,
            } => {
                let req = EncryptRequest {
                    plaintext: SecretBytes::new(plaintext.clone()),
                    binding: binding(aad, context),
                };
                Executed::Encrypt(kms.encrypt(caller, &k, req).await?)
            }
            PendingOp::Decrypt {
                ciphertext,
                aad,
                context,
                key_version,
            } => {
                let req = DecryptRequest {
                    ciphertext: ciphertext.clone(),
                    binding: binding(aad, context),
                    key_version: *key_version,
                };
                Executed::Decrypt(kms.decrypt(caller, &k, req).await?)
            }
            PendingOp::Sign {
                data,
                prehashed,
                scheme,
                raw_signature,
            } => {
                let data = if *prehashed {
                    SignData::Digest(data.clone())
                } else {
                    SignData::Message(data.clone())
                };
                let req = SignRequest {
                    data,
                    scheme: scheme.clone(),
                    raw_signature: *raw_signature,
                };
                Executed::Sign(kms.sign(caller, &k, req).await?)
            }
            PendingOp::Rotate => Executed::Key(Box::new(kms.rotate_key(caller, &k, None).await?)),
            PendingOp::Enable => Executed::Key(Box::new(kms.enable_key(caller, &k).await?)),
            PendingOp::Disable => Executed::Key(Box::new(kms.disable_key(caller, &k).await?)),
            PendingOp::Revoke { reason, message } => Executed::Key(Box::new(
                kms.revoke_key(caller, &k, *reason, message.clone()).await?,
            )),
            PendingOp::ScheduleDestroy { pending_days } => Executed::Key(Box::new(
                kms.schedule_destroy(caller, &k, *pending_days).await?,
            )),
            PendingOp::Destroy => Executed::Key(Box::new(kms.destroy_key(caller, &k).await?)),
            PendingOp::SetPolicy { policy } => {
                Executed::Policy(kms.set_key_policy(caller, &k, policy.clone()).await?)
            }
        })
    }
}
