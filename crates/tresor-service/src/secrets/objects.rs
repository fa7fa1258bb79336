//! Shared plumbing of the secret-store objects: typed documents to and from
//! their stored JSON, ids, loading within the caller's tenant, and the
//! references between objects (a container's secrets, a consumer's parent).

use serde::Serialize;
use serde::de::DeserializeOwned;
use tresor_core::{Caller, Change, ObjectKind, ObjectRecord, SecretId, TenantId, Timestamp};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// What a consumer, ACL or reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Secret(SecretId),
    Container(SecretId),
}

impl Target {
    /// The id as stored (`parent` of the target's children).
    pub fn id(self) -> String {
        match self {
            Target::Secret(id) | Target::Container(id) => id.to_string(),
        }
    }

    /// `secret` or `container`.
    pub fn noun(self) -> &'static str {
        match self {
            Target::Secret(_) => "secret",
            Target::Container(_) => "container",
        }
    }
}

/// Parses an object id (a UUID, as Barbican's are).
pub fn object_id(field: &'static str, s: &str) -> Result<SecretId> {
    SecretId::parse(s).map_err(|_| ServiceError::invalid(field, "not a UUID"))
}

/// Serializes a document.
pub(crate) fn to_body<T: Serialize>(doc: &T) -> Result<String> {
    serde_json::to_string(doc).map_err(|_| ServiceError::Internal("object document"))
}

/// Deserializes a stored document; a document that does not parse is
/// corrupt storage, not the caller's fault.
pub(crate) fn from_body<T: DeserializeOwned>(o: &ObjectRecord) -> Result<T> {
    serde_json::from_str(&o.body).map_err(|_| ServiceError::Internal("corrupt object document"))
}

/// A new object of the caller's tenant.
pub(crate) struct NewObject<'a> {
    pub kind: ObjectKind,
    pub id: String,
    pub parent: Option<String>,
    pub name: Option<String>,
    pub subtype: Option<&'a str>,
    pub body: String,
}

impl NewObject<'_> {
    pub(crate) fn record(self, caller: &Caller, now: Timestamp) -> ObjectRecord {
        ObjectRecord {
            tenant: caller.tenant.clone(),
            kind: self.kind,
            id: self.id,
            parent: self.parent,
            name: self.name,
            subtype: self.subtype.map(str::to_owned),
            body: self.body,
            created_by: caller.principal.clone(),
            created_at: now,
            updated_at: now,
            revision: 0,
        }
    }
}

/// A revision-checked replacement of `existing`'s body, or — when there is
/// none — a new object `(tenant, kind, id)` with it.
pub(crate) fn upsert_object(
    existing: Option<ObjectRecord>,
    tenant: &TenantId,
    kind: ObjectKind,
    id: &str,
    body: String,
    created_by: &str,
    now: Timestamp,
) -> Change {
    match existing {
        Some(mut o) => {
            let expected_revision = o.revision;
            o.body = body;
            o.updated_at = now;
            Change::UpdateObject {
                object: o,
                expected_revision,
            }
        }
        None => Change::CreateObject(ObjectRecord {
            tenant: tenant.clone(),
            kind,
            id: id.to_owned(),
            parent: None,
            name: None,
            subtype: None,
            body,
            created_by: created_by.to_owned(),
            created_at: now,
            updated_at: now,
            revision: 0,
        }),
    }
}

impl Kms {
    /// An object of `tenant`, or `NotFound { what }`.
    pub(crate) async fn load_object(
        &self,
        tenant: &TenantId,
        kind: ObjectKind,
        id: &str,
        what: &'static str,
    ) -> Result<ObjectRecord> {
        self.store()
            .get_object(tenant, kind, id)
            .await?
            .ok_or(ServiceError::NotFound { what })
    }

    /// The creator of a secret or container of the caller's tenant
    /// (`NotFound` when it does not exist there).
    pub(crate) async fn target_creator(&self, caller: &Caller, target: Target) -> Result<String> {
        match target {
            Target::Secret(id) => Ok(self
                .store()
                .get_secret(&caller.tenant, &id)
                .await?
                .ok_or(ServiceError::NotFound { what: "secret" })?
                .created_by),
            Target::Container(id) => Ok(self
                .load_object(
                    &caller.tenant,
                    ObjectKind::Container,
                    &id.to_string(),
                    "container",
                )
                .await?
                .created_by),
        }
    }
}
