//! Row mapping shared by every SQL backend: domain records to column values
//! (for binding) and result rows back to domain records, with every decode
//! failure reported as [`StoreError::Corrupt`] rather than a panic.
//!
//! A backend implements [`RowExt`] for its row type; the `*_from_row`
//! functions then work unchanged on it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tresor_core::audit::AuditRecord;
use tresor_core::{
    Algorithm, ApiKeyId, ApiKeyRecord, AuditEvent, CertPrincipal, KeyId, KeyOrigin, KeyRecord,
    KeyState, Operation, Outcome, ProviderId, RevocationReason, Role, StoreError, TenantId,
    TenantRecord, Timestamp, VersionRecord, VersionState,
};

/// Typed column access with decode failures mapped to `Corrupt`.
pub(crate) trait RowExt {
    fn text(&self, col: &str) -> Result<String, StoreError>;
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, col: &str) -> Result<i64, StoreError>;
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError>;
    fn flag(&self, col: &str) -> Result<bool, StoreError>;
    fn blob(&self, col: &str) -> Result<Vec<u8>, StoreError>;
    fn opt_blob(&self, col: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Implements [`RowExt`] for a sqlx row type whose backend decodes the
/// standard Rust types.
macro_rules! impl_row_ext {
    ($row:ty) => {
        impl $crate::rows::RowExt for $row {
            fn text(&self, col: &str) -> Result<String, StoreError> {
                $crate::rows::decoded(col, sqlx::Row::try_get(self, col))
            }
            fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
                $crate::rows::decoded(col, sqlx::Row::try_get(self, col))
            }
            fn int(&self, col: &str) -> Result<i64, StoreError> {
                $crate::rows::decoded(col, sqlx::Row::try_get(self, col))
            }
            fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
                $crate::rows::decoded(col, sqlx::Row::try_get(self, col))
            }
            fn flag(&self, col: &str) -> Result<bool, StoreError> {
                $crate::rows::decoded(col, sqlx::Row::try_get(self, col))
            }
            fn blob(&self, col: &str) -> Result<Vec<u8>, StoreError> {
                $crate::rows::decoded(col, sqlx::Row::try_get(self, col))
            }
            fn opt_blob(&self, col: &str) -> Result<Option<Vec<u8>>, StoreError> {
                $crate::rows::decoded(col, sqlx::Row::try_get(self, col))
            }
        }
    };
}
pub(crate) use impl_row_ext;

/// Maps a column decode result.
pub(crate) fn decoded<T>(col: &str, r: Result<T, sqlx::Error>) -> Result<T, StoreError> {
    r.map_err(|e| corrupt(col, e))
}

fn corrupt(col: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column {col}: {what}"))
}

/// Parses a text column with `f`, naming the column on failure.
fn parsed<T, E: std::fmt::Display>(
    col: &str,
    s: &str,
    f: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    f(s).map_err(|e| corrupt(col, format!("{e} ({:?})", truncate(s))))
}

fn named<T>(col: &str, s: &str, f: impl FnOnce(&str) -> Option<T>) -> Result<T, StoreError> {
    f(s).ok_or_else(|| corrupt(col, format!("unknown value {:?}", truncate(s))))
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

/// A `u64` as a signed 64-bit column value.
pub(crate) fn u64_col(what: &str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v} is out of range")))
}

fn u64_of(col: &str, v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| corrupt(col, format!("negative value {v}")))
}

fn u32_of(col: &str, v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| corrupt(col, format!("value {v} out of range")))
}

fn ts(v: i64) -> Timestamp {
    Timestamp::from_unix_micros(v)
}

fn opt_ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp::from_unix_micros)
}

/// A serde-named enum (kebab-case wire name) as text.
fn wire_name<T: Serialize>(v: &T) -> Result<String, StoreError> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::Corrupt("value has no wire name".into())),
    }
}

fn from_wire_name<T: DeserializeOwned>(col: &str, s: &str) -> Result<T, StoreError> {
    parsed(col, s, |s| {
        serde_json::from_value::<T>(serde_json::Value::String(s.to_owned()))
    })
}

fn hash32(col: &str, v: Vec<u8>) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(v.as_slice()).map_err(|_| corrupt(col, "expected 32 bytes"))
}

/// Columns of the `keys` table (for SELECT; rows are decoded by name).
pub(crate) const KEY_COLUMNS: &str = "tenant, id, alias, description, algorithm, operations, \
     provider, state, primary_version, tags, exportable, publish_jwk, internal, origin, \
     rotation_period_secs, next_rotation_at, destroy_at, revocation_reason, revocation_message, \
     created_at, updated_at, activated_at, deactivated_at, destroyed_at, revision";

/// The `keys` columns other than the primary key `(tenant, id)`, in the order
/// a backend binds the matching [`KeyRow`] fields.
pub(crate) const KEY_VALUE_COLUMNS: [&str; 23] = [
    "alias",
    "description",
    "algorithm",
    "operations",
    "provider",
    "state",
    "primary_version",
    "tags",
    "exportable",
    "publish_jwk",
    "internal",
    "origin",
    "rotation_period_secs",
    "next_rotation_at",
    "destroy_at",
    "revocation_reason",
    "revocation_message",
    "created_at",
    "updated_at",
    "activated_at",
    "deactivated_at",
    "destroyed_at",
    "revision",
];

/// A [`KeyRecord`] as column values, ready to bind.
#[derive(Debug, Clone)]
pub(crate) struct KeyRow {
    pub tenant: String,
    pub id: String,
    pub alias: Option<String>,
    pub description: String,
    pub algorithm: &'static str,
    pub operations: String,
    pub provider: String,
    pub state: &'static str,
    pub primary_version: i64,
    pub tags: String,
    pub exportable: bool,
    pub publish_jwk: bool,
    pub internal: bool,
    pub origin: &'static str,
    pub rotation_period_secs: Option<i64>,
    pub next_rotation_at: Option<i64>,
    pub destroy_at: Option<i64>,
    pub revocation_reason: Option<String>,
    pub revocation_message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub activated_at: Option<i64>,
    pub deactivated_at: Option<i64>,
    pub destroyed_at: Option<i64>,
    pub revision: i64,
}

impl KeyRow {
    /// Encodes a record; `revision` is the value to store.
    pub(crate) fn new(k: &KeyRecord, revision: u64) -> Result<Self, StoreError> {
        let json = |e: serde_json::Error| StoreError::Corrupt(format!("cannot encode: {e}"));
        Ok(Self {
            tenant: k.tenant.as_str().to_owned(),
            id: k.id.to_string(),
            alias: k.alias.as_ref().map(|a| a.as_str().to_owned()),
            description: k.description.clone(),
            algorithm: k.algorithm.as_str(),
            operations: serde_json::to_string(&k.operations).map_err(json)?,
            provider: k.provider.as_str().to_owned(),
            state: k.state.as_str(),
            primary_version: i64::from(k.primary_version),
            tags: serde_json::to_string(&k.tags).map_err(json)?,
            exportable: k.exportable,
            publish_jwk: k.publish_jwk,
            internal: k.internal,
            origin: k.origin.as_str(),
            rotation_period_secs: k.rotation_period_secs,
            next_rotation_at: k.next_rotation_at.map(Timestamp::unix_micros),
            destroy_at: k.destroy_at.map(Timestamp::unix_micros),
            revocation_reason: k.revocation_reason.as_ref().map(wire_name).transpose()?,
            revocation_message: k.revocation_message.clone(),
            created_at: k.created_at.unix_micros(),
            updated_at: k.updated_at.unix_micros(),
            activated_at: k.activated_at.map(Timestamp::unix_micros),
            deactivated_at: k.deactivated_at.map(Timestamp::unix_micros),
            destroyed_at: k.destroyed_at.map(Timestamp::unix_micros),
            revision: u64_col("revision", revision)?,
        })
    }
}

pub(crate) fn tenant_id(col: &str, s: &str) -> Result<TenantId, StoreError> {
    parsed(col, s, TenantId::parse)
}

pub(crate) fn key_from_row(r: &impl RowExt) -> Result<KeyRecord, StoreError> {
    let operations: BTreeSet<Operation> = parsed("operations", &r.text("operations")?, |s| {
        serde_json::from_str(s)
    })?;
    let tags: BTreeMap<String, String> =
        parsed("tags", &r.text("tags")?, |s| serde_json::from_str(s))?;
    let revocation_reason: Option<RevocationReason> = r
        .opt_text("revocation_reason")?
        .map(|s| from_wire_name("revocation_reason", &s))
        .transpose()?;
    let origin: KeyOrigin = from_wire_name("origin", &r.text("origin")?)?;
    Ok(KeyRecord {
        id: parsed("id", &r.text("id")?, KeyId::parse)?,
        tenant: tenant_id("tenant", &r.text("tenant")?)?,
        alias: r
            .opt_text("alias")?
            .map(|s| parsed("alias", &s, tresor_core::Alias::parse))
            .transpose()?,
        description: r.text("description")?,
        algorithm: parsed("algorithm", &r.text("algorithm")?, str::parse::<Algorithm>)?,
        operations,
        provider: parsed("provider", &r.text("provider")?, ProviderId::parse)?,
        state: named("state", &r.text("state")?, KeyState::parse)?,
        primary_version: u32_of("primary_version", r.int("primary_version")?)?,
        tags,
        exportable: r.flag("exportable")?,
        publish_jwk: r.flag("publish_jwk")?,
        internal: r.flag("internal")?,
        origin,
        rotation_period_secs: r.opt_int("rotation_period_secs")?,
        next_rotation_at: opt_ts(r.opt_int("next_rotation_at")?),
        destroy_at: opt_ts(r.opt_int("destroy_at")?),
        revocation_reason,
        revocation_message: r.opt_text("revocation_message")?,
        created_at: ts(r.int("created_at")?),
        updated_at: ts(r.int("updated_at")?),
        activated_at: opt_ts(r.opt_int("activated_at")?),
        deactivated_at: opt_ts(r.opt_int("deactivated_at")?),
        destroyed_at: opt_ts(r.opt_int("destroyed_at")?),
        revision: u64_of("revision", r.int("revision")?)?,
    })
}

/// Columns of the `key_versions` table.
pub(crate) const VERSION_COLUMNS: &str =
    "tenant, key_id, version, state, handle, public_key, created_at, destroyed_at";

pub(crate) fn version_from_row(r: &impl RowExt) -> Result<VersionRecord, StoreError> {
    Ok(VersionRecord {
        tenant: tenant_id("tenant", &r.text("tenant")?)?,
        key_id: parsed("key_id", &r.text("key_id")?, KeyId::parse)?,
        version: u32_of("version", r.int("version")?)?,
        state: named("state", &r.text("state")?, VersionState::parse)?,
        handle: r.blob("handle")?,
        public_key: r.opt_blob("public_key")?,
        created_at: ts(r.int("created_at")?),
        destroyed_at: opt_ts(r.opt_int("destroyed_at")?),
    })
}

/// Columns of the `tenants` table.
pub(crate) const TENANT_COLUMNS: &str = "id, display_name, created_at";

pub(crate) fn tenant_from_row(r: &impl RowExt) -> Result<TenantRecord, StoreError> {
    Ok(TenantRecord {
        id: tenant_id("id", &r.text("id")?)?,
        display_name: r.text("display_name")?,
        created_at: ts(r.int("created_at")?),
    })
}

/// Columns of the `api_keys` table.
pub(crate) const API_KEY_COLUMNS: &str = "tenant, id, name, role, platform_admin, token_hash, \
     token_prefix, created_at, created_by, expires_at, revoked_at";

pub(crate) fn api_key_from_row(r: &impl RowExt) -> Result<ApiKeyRecord, StoreError> {
    Ok(ApiKeyRecord {
        id: parsed("id", &r.text("id")?, ApiKeyId::parse)?,
        tenant: tenant_id("tenant", &r.text("tenant")?)?,
        name: r.text("name")?,
        role: named("role", &r.text("role")?, Role::parse)?,
        platform_admin: r.flag("platform_admin")?,
        token_hash: r.blob("token_hash")?,
        token_prefix: r.text("token_prefix")?,
        created_at: ts(r.int("created_at")?),
        created_by: r.text("created_by")?,
        expires_at: opt_ts(r.opt_int("expires_at")?),
        revoked_at: opt_ts(r.opt_int("revoked_at")?),
    })
}

/// Columns of the `cert_principals` table.
pub(crate) const CERT_PRINCIPAL_COLUMNS: &str = "tenant, subject_cn, role, created_at, created_by";

pub(crate) fn cert_principal_from_row(r: &impl RowExt) -> Result<CertPrincipal, StoreError> {
    Ok(CertPrincipal {
        tenant: tenant_id("tenant", &r.text("tenant")?)?,
        subject_cn: r.text("subject_cn")?,
        role: named("role", &r.text("role")?, Role::parse)?,
        created_at: ts(r.int("created_at")?),
        created_by: r.text("created_by")?,
    })
}

/// Columns of the `audit` table.
pub(crate) const AUDIT_COLUMNS: &str = "seq, time, tenant, principal, action, object, outcome, \
     error_code, request_id, source, detail, prev_hash, hash";

/// Appends `VALUES (…), (…)` for `records` in [`AUDIT_COLUMNS`] order to a
/// multi-row `INSERT INTO audit (…)` on any of the stores.
pub(crate) fn push_audit_rows<'args, DB>(
    q: &mut sqlx::QueryBuilder<'args, DB>,
    records: &[AuditRecord],
) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'args, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'args, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'args, DB> + sqlx::Type<DB>,
    &'static str: sqlx::Encode<'args, DB> + sqlx::Type<DB>,
    Vec<u8>: sqlx::Encode<'args, DB> + sqlx::Type<DB>,
{
    let seqs = records
        .iter()
        .map(|r| u64_col("seq", r.seq))
        .collect::<Result<Vec<_>, _>>()?;
    q.push_values(records.iter().zip(seqs), |mut b, (r, seq)| {
        let e = &r.event;
        b.push_bind(seq)
            .push_bind(e.time.unix_micros())
            .push_bind(e.tenant.clone())
            .push_bind(e.principal.clone())
            .push_bind(e.action.clone())
            .push_bind(e.object.clone())
            .push_bind(e.outcome.as_str())
            .push_bind(e.error_code.clone())
            .push_bind(e.request_id.clone())
            .push_bind(e.source.clone())
            .push_bind(e.detail.clone())
            .push_bind(r.prev_hash.to_vec())
            .push_bind(r.hash.to_vec());
    });
    Ok(())
}

pub(crate) fn audit_from_row(r: &impl RowExt) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: u64_of("seq", r.int("seq")?)?,
        event: AuditEvent {
            time: ts(r.int("time")?),
            tenant: r.text("tenant")?,
            principal: r.text("principal")?,
            action: r.text("action")?,
            object: r.opt_text("object")?,
            outcome: named("outcome", &r.text("outcome")?, Outcome::parse)?,
            error_code: r.opt_text("error_code")?,
            request_id: r.text("request_id")?,
            source: r.opt_text("source")?,
            detail: r.opt_text("detail")?,
        },
        prev_hash: hash32("prev_hash", r.blob("prev_hash")?)?,
        hash: hash32("hash", r.blob("hash")?)?,
    })
}

/// The effective page size: 0 means `default`, anything above `max` is capped.
pub(crate) fn page_limit(requested: u32, default: u32, max: u32) -> u32 {
    match requested {
        0 => default,
        n => n.min(max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for r in [
            RevocationReason::Unspecified,
            RevocationReason::KeyCompromise,
            RevocationReason::CessationOfOperation,
        ] {
            let s = wire_name(&r).unwrap();
            assert_eq!(from_wire_name::<RevocationReason>("c", &s).unwrap(), r);
        }
        assert_eq!(wire_name(&KeyOrigin::Imported).unwrap(), "imported");
        assert!(from_wire_name::<KeyOrigin>("c", "nope").is_err());
    }

    #[test]
    fn key_column_lists_agree() {
        let select: Vec<&str> = KEY_COLUMNS.split(',').map(str::trim).collect();
        assert_eq!(select.len(), KEY_VALUE_COLUMNS.len() + 2);
        assert_eq!(&select[2..], &KEY_VALUE_COLUMNS[..]);
    }

    #[test]
    fn limits() {
        assert_eq!(page_limit(0, 100, 1000), 100);
        assert_eq!(page_limit(5, 100, 1000), 5);
        assert_eq!(page_limit(5000, 100, 1000), 1000);
    }
}
