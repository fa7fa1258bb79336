//! The secret operations: each checks the caller's role, stays inside the
//! caller's tenant and writes exactly one audit record. Payloads and
//! metadata values are never audited or logged.

use std::collections::BTreeMap;

use tresor_core::{Action, Caller, Change, SecretBytes, SecretFilter, SecretId, SecretRecord};

use super::objects::Target;
use super::quotas::QuotaKind;
use super::types::{
    EntryChange, NewSecret, SecretInfo, SecretPayload, check_metadata, check_payload,
};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;

/// Consumers shown with a secret.
const CONSUMERS_SHOWN: u32 = 100;

const NOT_FOUND: ServiceError = ServiceError::NotFound { what: "secret" };

impl Kms {
    /// Stores a secret (with or without its payload).
    pub async fn put_secret(&self, caller: &Caller, req: NewSecret) -> Result<SecretInfo> {
        let (mut op, allowed) = self.begin(caller, Action::SecretPut);
        let result = async {
            allowed?;
            let record = self.new_secret_record(caller, &mut op, req).await?;
            let info = SecretInfo::from(&record);
            self.commit(&mut op, vec![Change::CreateSecret(record)])
                .await?;
            Ok(info)
        }
        .await;
        self.finish(op, result).await
    }

    /// Validates and seals a new secret of the caller's tenant (within its
    /// quota) without storing it: the caller commits it.
    pub(crate) async fn new_secret_record(
        &self,
        caller: &Caller,
        op: &mut Op,
        req: NewSecret,
    ) -> Result<SecretRecord> {
        let now = self.now();
        let kind = req.validate(now)?;
        self.check_quota(caller, QuotaKind::Secrets).await?;
        let id = SecretId::generate();
        op.object(id);
        op.detail("secret_type", kind.clone());
        op.detail("with_payload", req.payload.is_some());
        let sealed = match &req.payload {
            Some(p) => Some(self.seal_secret(caller, &id, p).await?),
            None => None,
        };
        Ok(SecretRecord {
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
        })
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

    /// A secret's description (no payload), with its first consumers.
    pub async fn get_secret(&self, caller: &Caller, id: &SecretId) -> Result<SecretInfo> {
        let (mut op, allowed) = self.begin(caller, Action::SecretGet);
        op.object(id);
        let result = async {
            let s = self.readable_secret(caller, id, &allowed).await?;
            let mut info = SecretInfo::from(&s);
            info.consumers = self
                .consumers_of(caller, Target::Secret(*id), 0, CONSUMERS_SHOWN)
                .await?
                .0;
            Ok(info)
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
            let s = self.readable_secret(caller, id, &allowed).await?;
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

    /// A secret the caller may read (role and ACL, see `access`).
    async fn readable_secret(
        &self,
        caller: &Caller,
        id: &SecretId,
        role: &Result<()>,
    ) -> Result<SecretRecord> {
        let s = self.load_secret(caller, id).await?;
        self.check_read(
            caller,
            Action::SecretGet,
            Target::Secret(*id),
            &s.created_by,
            role,
        )
        .await?;
        Ok(s)
    }

    /// The tenant's secrets matching `filter` (id order unless sorted).
    pub async fn list_secrets(
        &self,
        caller: &Caller,
        filter: SecretFilter,
    ) -> Result<Vec<SecretInfo>> {
        Ok(self.list_secrets_counted(caller, filter, false).await?.0)
    }

    /// A page of secrets and, when `count`, how many match in all.
    pub async fn list_secrets_counted(
        &self,
        caller: &Caller,
        filter: SecretFilter,
        count: bool,
    ) -> Result<(Vec<SecretInfo>, Option<u64>)> {
        let (op, allowed) = self.begin(caller, Action::SecretList);
        let result = async {
            allowed?;
            let rows = self.store().list_secrets(&caller.tenant, &filter).await?;
            let total = match count {
                true => Some(self.store().count_secrets(&caller.tenant, &filter).await?),
                false => None,
            };
            Ok((rows.iter().map(SecretInfo::from).collect(), total))
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

    /// Changes one metadata entry, checked against the stored secret in
    /// the same revision-checked write (see [`EntryChange`]).
    pub async fn set_secret_metadata_entry(
        &self,
        caller: &Caller,
        id: &SecretId,
        key: &str,
        change: EntryChange,
    ) -> Result<SecretInfo> {
        let (mut op, allowed) = self.begin(caller, Action::SecretPut);
        op.object(id);
        op.detail("metadata_key", key);
        let result = async {
            allowed?;
            let mut s = self.load_secret(caller, id).await?;
            let expected_revision = s.revision;
            let present = s.metadata.contains_key(key);
            match change {
                EntryChange::Create(_) if present => {
                    return Err(ServiceError::AlreadyExists {
                        what: "metadata key",
                    });
                }
                EntryChange::Update(_) | EntryChange::Remove if !present => {
                    return Err(ServiceError::NotFound {
                        what: "metadata key",
                    });
                }
                EntryChange::Create(v) | EntryChange::Update(v) | EntryChange::Upsert(v) => {
                    s.metadata.insert(key.to_owned(), v);
                }
                EntryChange::Remove => {
                    s.metadata.remove(key);
                }
            }
            check_metadata(&s.metadata)?;
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
    /// (crypto-shredding: nothing left can recover the payload), and its
    /// ACL and consumer registrations. A secret with consumers is deleted
    /// only with `force`.
    pub async fn delete_secret(&self, caller: &Caller, id: &SecretId, force: bool) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::SecretDelete);
        op.object(id);
        let result = async {
            allowed?;
            self.load_secret(caller, id).await?;
            let (_, consumers) = self.consumers_of(caller, Target::Secret(*id), 0, 1).await?;
            if consumers > 0 {
                op.detail("consumers", consumers);
                if !force {
                    return Err(ServiceError::InUse(
                        "the secret has consumers; remove them or delete with force",
                    ));
                }
            }
            self.commit(
                &mut op,
                vec![
                    Change::DeleteChildren {
                        tenant: caller.tenant.clone(),
                        parent: id.to_string(),
                    },
                    Change::DeleteSecret {
                        tenant: caller.tenant.clone(),
                        id: *id,
                    },
                ],
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
