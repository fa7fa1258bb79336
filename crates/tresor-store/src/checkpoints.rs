//! The `audit_checkpoints` table, shared by every SQL backend: column values
//! for inserting, the filtered read (built once, generic over the backend),
//! and rows back to [`Checkpoint`]s. A global checkpoint's `tenant` column
//! is the empty string (no tenant id is empty), so `(seq, tenant)` is a
//! primary key on every backend.

use sqlx::{Database, Encode, QueryBuilder, Type};
use tresor_core::{Algorithm, Checkpoint, CheckpointFilter, CheckpointScope, KeyId, StoreError};

use crate::rows::{RowExt, page_limit, tenant_id, u64_col};

/// Columns of `audit_checkpoints`, in [`CheckpointRow`] order.
pub(crate) const CHECKPOINT_COLUMNS: &str =
    "seq, tenant, hash, time, key_id, key_version, algorithm, signature";

/// Default and maximum number of checkpoints per read.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// A checkpoint's column values, in [`CHECKPOINT_COLUMNS`] order.
#[derive(Debug)]
pub(crate) struct CheckpointRow {
    pub seq: i64,
    pub tenant: String,
    pub hash: Vec<u8>,
    pub time: i64,
    pub key_id: String,
    pub key_version: i64,
    pub algorithm: String,
    pub signature: Vec<u8>,
}

impl CheckpointRow {
    pub(crate) fn new(c: &Checkpoint) -> Result<Self, StoreError> {
        Ok(Self {
            seq: u64_col("seq", c.seq)?,
            tenant: c.tenant.as_ref().map_or("", |t| t.as_str()).to_owned(),
            hash: c.hash.to_vec(),
            time: c.time.unix_micros(),
            key_id: c.key_id.to_string(),
            key_version: i64::from(c.key_version),
            algorithm: c.algorithm.as_str().to_owned(),
            signature: c.signature.clone(),
        })
    }
}

/// `INSERT INTO audit_checkpoints …` of one row, with the backend's
/// placeholders.
pub(crate) fn insert<'a, DB: Database>(row: CheckpointRow) -> QueryBuilder<'a, DB>
where
    DB::Arguments<'a>: Default,
    i64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
    Vec<u8>: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::<DB>::new(format!(
        "INSERT INTO audit_checkpoints ({CHECKPOINT_COLUMNS}) VALUES ("
    ));
    let mut values = q.separated(", ");
    values
        .push_bind(row.seq)
        .push_bind(row.tenant)
        .push_bind(row.hash)
        .push_bind(row.time)
        .push_bind(row.key_id)
        .push_bind(row.key_version)
        .push_bind(row.algorithm)
        .push_bind(row.signature)
        .push_unseparated(")");
    q
}

/// `SELECT … FROM audit_checkpoints WHERE …` for `f`, with the backend's
/// placeholders.
pub(crate) fn select<'a, DB: Database>(f: &CheckpointFilter) -> QueryBuilder<'a, DB>
where
    DB::Arguments<'a>: Default,
    i64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::<DB>::new(format!(
        "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE 1 = 1"
    ));
    match &f.scope {
        CheckpointScope::Global => {
            q.push(" AND tenant = ''");
        }
        CheckpointScope::Tenant(t) => {
            q.push(" AND tenant = ").push_bind(t.as_str().to_owned());
        }
        CheckpointScope::TenantAndGlobal(t) => {
            q.push(" AND (tenant = '' OR tenant = ")
                .push_bind(t.as_str().to_owned())
                .push(")");
        }
        // `All`, and scopes added later, read everything.
        _ => {}
    }
    if let Some(s) = f.after_seq {
        q.push(" AND seq > ")
            .push_bind(i64::try_from(s).unwrap_or(i64::MAX));
    }
    q.push(if f.descending {
        " ORDER BY seq DESC, tenant DESC"
    } else {
        " ORDER BY seq ASC, tenant ASC"
    });
    q.push(" LIMIT ")
        .push_bind(i64::from(page_limit(f.limit, DEFAULT_LIMIT, MAX_LIMIT)));
    q
}

/// A row of `audit_checkpoints` as a [`Checkpoint`].
pub(crate) fn checkpoint_from_row(r: &impl RowExt) -> Result<Checkpoint, StoreError> {
    let corrupt = |col: &str, what: &str| StoreError::Corrupt(format!("column {col}: {what}"));
    let seq = u64::try_from(r.int("seq")?).map_err(|_| corrupt("seq", "negative"))?;
    let tenant = r.text("tenant")?;
    let hash = <[u8; 32]>::try_from(r.blob("hash")?.as_slice())
        .map_err(|_| corrupt("hash", "expected 32 bytes"))?;
    let key_id = KeyId::parse(&r.text("key_id")?).map_err(|_| corrupt("key_id", "not a UUID"))?;
    let key_version =
        u32::try_from(r.int("key_version")?).map_err(|_| corrupt("key_version", "out of range"))?;
    let algorithm: Algorithm = r
        .text("algorithm")?
        .parse()
        .map_err(|_| corrupt("algorithm", "unknown algorithm"))?;
    Ok(Checkpoint {
        seq,
        hash,
        time: tresor_core::Timestamp::from_unix_micros(r.int("time")?),
        tenant: if tenant.is_empty() {
            None
        } else {
            Some(tenant_id("tenant", &tenant)?)
        },
        key_id,
        key_version,
        algorithm,
        signature: r.blob("signature")?,
    })
}
