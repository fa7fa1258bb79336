//! The secret operations: each checks the caller's role, stays inside the
//! caller's tenant and writes exactly one audit record. Payloads and
//! metadata values are never audited or logged.

use std::collections::BTreeMap;

use tresor_core::{Action, Caller, Change, SecretBytes, SecretFilter, SecretId, SecretRecord};

use super::types::{NewSecret, SecretInfo, SecretPayload, check_metadata, check_payload};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;

const NOT_FOUND: ServiceError = ServiceError::NotFound { what: "secret" };

impl Kms {
    /// Stores a secret (with or without its payload).
    pub async fn put_secret(&self, caller: &Caller, req: NewSecret) -> Result<SecretInfo> {
        let (mut op, allowed) = self.begin(caller, Action::SecretPut);
        let result = async {
            allowed?;
            let now = self.now();
            let kind = req.validate(now)?;
            let id = SecretId::generate();
            op.object(id);
            op.detail("secret_type", kind.clone());
            op.detail("with_payload", req.payload.is_some());
            let sealed = match &req.payload {
                Some(p) => Some(self.seal_secret(caller, &id, p).await?),
                None => None,
            };
            let record = SecretRecord {
                tenant: caller.tenant.clone(),
                id,
                name: req.name,
                secret_type: kind,
                algorithm: req.algorithm,
                bit_length: req.bit_length,
                mode: req.mode,
                content_type: req.content_type,
                expiration: req.expiration,
                metadata: req.metadata,
                created_by: caller.principal.clone(),
                state: "ACTIVE".into(),
                wrapping_key: sealed.as_ref().map(|s| s.wrapping_key),
                wrapped_key: sealed.as_ref().map(|s| s.wrapped_key.clone()),
                payload: sealed.map(|s| s.payload),
                created_at: now,
                updated_at: now,
                revision: 0,
            };
            let info = SecretInfo::from(&record);
            self.commit(&mut op, vec![Change::CreateSecret(record)])
                .await?;
            Ok(info)
        }
        .await;
        self.finish(op, result).await
    }

    /// Adds the payload to a secret created without one (once only).
    pub async fn put_secret_payload(
        &self,
        caller: &Caller,
        id: &SecretId,
        payload: SecretBytes,
        content_type: Option<String>,
    ) -> Result<SecretInfo> {
        let (mut op, allowed) = self.begin(caller, Action::SecretPut);
        op.object(id);
        op.detail("two_step", true);
        let result = async {
            allowed?;
            check_payload(&payload)?;
            let mut s = self.load_secret(caller, id).await?;
            if s.payload.is_some() {
                return Err(ServiceError::AlreadyExists {
                    what: "secret payload",
                });
            }
            if let Some(ct) = content_type {
                if ct.is_empty() || ct.len() > 255 || ct.chars().any(char::is_control) {
                    return Err(ServiceError::invalid("content_type", "1-255 bytes"));
                }
                s.content_type = Some(ct);
            }
            let sealed = self.seal_secret(caller, id, &payload).await?;
            let expected_revision = s.revision;
            s.wrapping_key = Some(sealed.wrapping_key);
            s.wrapped_key = Some(sealed.wrapped_key);
            s.payload = Some(sealed.payload);
            s.updated_at = self.now();
            let info = SecretInfo::from(&s);
            let change = Change::UpdateSecret {
                secret: s,
                expected_revision,
            };
            self.commit(&mut op, vec![change]).await?;
            Ok(info)
        }
        .await;
        self.finish(op, result).await
    }

    /// A secret's description (no payload).
    pub async fn get_secret(&self, caller: &Caller, id: &SecretId) -> Result<SecretInfo> {
        let (mut op, allowed) = self.begin(caller, Action::SecretGet);
        op.object(id);
        let result = async {
            allowed?;
            Ok(SecretInfo::from(&self.load_secret(caller, id).await?))
        }
        .await;
        self.finish(op, result).await
    }

    /// A secret with its decrypted payload; an expired secret, or one
    /// whose payload has not arrived yet, has none to read (`NotFound`).
    pub async fn get_secret_payload(
        &self,
        caller: &Caller,
        id: &SecretId,
    ) -> Result<SecretPayload> {
        let (mut op, allowed) = self.begin(caller, Action::SecretGet);
        op.object(id);
        op.detail("payload", true);
        let result = async {
            allowed?;
            let s = self.load_secret(caller, id).await?;
            if s.expiration.is_some_and(|e| e <= self.now()) {
                op.detail("expired", true);
                return Err(ServiceError::NotFound {
                    what: "secret payload (the secret has expired)",
                });
            }
            let (Some(k), Some(w), Some(p)) = (s.wrapping_key, &s.wrapped_key, &s.payload) else {
                return Err(ServiceError::NotFound {
                    what: "secret payload",
                });
            };
            let payload = self.open_secret(&caller.tenant, id, k, w, p).await?;
            Ok(SecretPayload {
                info: SecretInfo::from(&s),
                payload,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// The tenant's secrets matching `filter`, in id order.
    pub async fn list_secrets(
        &self,
        caller: &Caller,
        filter: SecretFilter,
    ) -> Result<Vec<SecretInfo>> {
        let (op, allowed) = self.begin(caller, Action::SecretList);
        let result = async {
            allowed?;
            let rows = self.store().list_secrets(&caller.tenant, &filter).await?;
            Ok(rows.iter().map(SecretInfo::from).collect())
        }
        .await;
        self.finish(op, result).await
    }

    /// Replaces a secret's metadata.
    pub async fn set_secret_metadata(
        &self,
        caller: &Caller,
        id: &SecretId,
        metadata: BTreeMap<String, String>,
    ) -> Result<SecretInfo> {
        let (mut op, allowed) = self.begin(caller, Action::SecretPut);
        op.object(id);
        op.detail("metadata", true);
        let result = async {
            allowed?;
            check_metadata(&metadata)?;
            let mut s = self.load_secret(caller, id).await?;
            let expected_revision = s.revision;
            s.metadata = metadata;
            s.updated_at = self.now();
            let info = SecretInfo::from(&s);
            self.commit(
                &mut op,
                vec![Change::UpdateSecret {
                    secret: s,
                    expected_revision,
                }],
            )
            .await?;
            Ok(info)
        }
        .await;
        self.finish(op, result).await
    }

    /// Deletes a secret with its wrapped data key and ciphertext
    /// (crypto-shredding: nothing left can recover the payload).
    pub async fn delete_secret(&self, caller: &Caller, id: &SecretId) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::SecretDelete);
        op.object(id);
        let result = async {
            allowed?;
            self.load_secret(caller, id).await?;
            self.commit(
                &mut op,
                vec![Change::DeleteSecret {
                    tenant: caller.tenant.clone(),
                    id: *id,
                }],
            )
            .await
        }
        .await;
        self.finish(op, result).await
    }

    async fn load_secret(&self, caller: &Caller, id: &SecretId) -> Result<SecretRecord> {
        self.store()
            .get_secret(&caller.tenant, id)
            .await?
            .ok_or(NOT_FOUND)
    }
}
