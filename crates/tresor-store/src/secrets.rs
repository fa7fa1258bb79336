//! Stored secrets, shared by every SQL backend: rows back to records and the
//! queries, written once as a macro each backend instantiates with its
//! database type (as `crate::pki` does).

use std::collections::BTreeMap;

use tresor_core::{KeyId, SecretId, SecretRecord, StoreError, Timestamp};

use crate::rows::{RowExt, tenant_id};

/// Columns of `secrets`.
pub(crate) const SECRET_COLUMNS: &str = "tenant, id, name, secret_type, algorithm, bit_length, \
     mode, content_type, expiration, metadata, created_by, state, wrapping_key, wrapped_key, \
     payload, created_at, updated_at, revision";

/// Default and maximum secrets per listing.
pub(crate) const DEFAULT_LIMIT: u32 = 100;
pub(crate) const MAX_LIMIT: u32 = 1000;

fn corrupt(col: &str, what: &str) -> StoreError {
    StoreError::Corrupt(format!("column {col}: {what}"))
}

/// The metadata map as stored (a JSON object of strings).
pub(crate) fn metadata_json(m: &BTreeMap<String, String>) -> String {
    serde_json::to_string(m).unwrap_or_else(|_| "{}".into())
}

fn ts(v: i64) -> Timestamp {
    Timestamp::from_unix_micros(v)
}

pub(crate) fn secret_from_row(r: &impl RowExt) -> Result<SecretRecord, StoreError> {
    Ok(SecretRecord {
        tenant: tenant_id("tenant", &r.text("tenant")?)?,
        id: SecretId::parse(&r.text("id")?).map_err(|_| corrupt("id", "not a UUID"))?,
        name: r.opt_text("name")?,
        secret_type: r.text("secret_type")?,
        algorithm: r.opt_text("algorithm")?,
        bit_length: r
            .opt_int("bit_length")?
            .map(|b| u32::try_from(b).map_err(|_| corrupt("bit_length", "out of range")))
            .transpose()?,
        mode: r.opt_text("mode")?,
        content_type: r.opt_text("content_type")?,
        expiration: r.opt_int("expiration")?.map(ts),
        metadata: serde_json::from_str(&r.text("metadata")?)
            .map_err(|_| corrupt("metadata", "not a JSON object of strings"))?,
        created_by: r.text("created_by")?,
        state: r.text("state")?,
        wrapping_key: r
            .opt_text("wrapping_key")?
            .map(|k| KeyId::parse(&k).map_err(|_| corrupt("wrapping_key", "not a UUID")))
            .transpose()?,
        wrapped_key: r.opt_blob("wrapped_key")?,
        payload: r.opt_blob("payload")?,
        created_at: ts(r.int("created_at")?),
        updated_at: ts(r.int("updated_at")?),
        revision: u64::try_from(r.int("revision")?).map_err(|_| corrupt("revision", "negative"))?,
    })
}

/// The secret queries for one backend: `$db` the sqlx database, `$pool` its
/// pool type, `$write` / `$backend` its error mappers.
macro_rules! secret_queries {
    ($db:ty, $pool:ty, $write:path, $backend:path) => {
        use sqlx::QueryBuilder;
        use tresor_core::{Change, SecretFilter, SecretId, SecretRecord, StoreError, TenantId};

        use $crate::rows::{page_limit, u64_col};
        use $crate::secrets::{
            DEFAULT_LIMIT, MAX_LIMIT, SECRET_COLUMNS, metadata_json, secret_from_row,
        };

        /// Applies a secret change inside a transaction; `false` when
        /// `change` is not a secret change.
        pub(super) async fn apply(
            tx: &mut sqlx::Transaction<'_, $db>,
            change: &Change,
        ) -> Result<bool, StoreError> {
            match change {
                Change::CreateSecret(s) => insert(tx, s, s.revision).await?,
                Change::UpdateSecret {
                    secret,
                    expected_revision,
                } => {
                    let mut q = QueryBuilder::<$db>::new("DELETE FROM secrets WHERE tenant = ");
                    q.push_bind(secret.tenant.as_str().to_owned())
                        .push(" AND id = ")
                        .push_bind(secret.id.to_string())
                        .push(" AND revision = ")
                        .push_bind(u64_col("revision", *expected_revision)?);
                    let done = q.build().execute(&mut **tx).await.map_err($write)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict);
                    }
                    insert(tx, secret, expected_revision.saturating_add(1)).await?;
                }
                Change::DeleteSecret { tenant, id } => {
                    let mut q = QueryBuilder::<$db>::new("DELETE FROM secrets WHERE tenant = ");
                    q.push_bind(tenant.as_str().to_owned())
                        .push(" AND id = ")
                        .push_bind(id.to_string());
                    let done = q.build().execute(&mut **tx).await.map_err($write)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict);
                    }
                }
                _ => return Ok(false),
            }
            Ok(true)
        }

        async fn insert(
            tx: &mut sqlx::Transaction<'_, $db>,
            s: &SecretRecord,
            revision: u64,
        ) -> Result<(), StoreError> {
            let mut q = QueryBuilder::<$db>::new(format!(
                "INSERT INTO secrets ({SECRET_COLUMNS}) VALUES ("
            ));
            let mut v = q.separated(", ");
            v.push_bind(s.tenant.as_str().to_owned())
                .push_bind(s.id.to_string())
                .push_bind(s.name.clone())
                .push_bind(s.secret_type.clone())
                .push_bind(s.algorithm.clone())
                .push_bind(s.bit_length.map(i64::from))
                .push_bind(s.mode.clone())
                .push_bind(s.content_type.clone())
                .push_bind(s.expiration.map(|t| t.unix_micros()))
                .push_bind(metadata_json(&s.metadata))
                .push_bind(s.created_by.clone())
                .push_bind(s.state.clone())
                .push_bind(s.wrapping_key.map(|k| k.to_string()))
                .push_bind(s.wrapped_key.clone())
                .push_bind(s.payload.clone())
                .push_bind(s.created_at.unix_micros())
                .push_bind(s.updated_at.unix_micros())
                .push_bind(u64_col("revision", revision)?)
                .push_unseparated(")");
            q.build().execute(&mut **tx).await.map_err($write)?;
            Ok(())
        }

        pub(super) async fn get_secret(
            pool: &$pool,
            tenant: &TenantId,
            id: &SecretId,
        ) -> Result<Option<SecretRecord>, StoreError> {
            let mut q = QueryBuilder::<$db>::new(format!(
                "SELECT {SECRET_COLUMNS} FROM secrets WHERE tenant = "
            ));
            q.push_bind(tenant.as_str().to_owned())
                .push(" AND id = ")
                .push_bind(id.to_string());
            let row = q.build().fetch_optional(pool).await.map_err($backend)?;
            row.as_ref().map(secret_from_row).transpose()
        }

        /// Appends the filter's conditions (everything but paging).
        fn push_conditions(q: &mut QueryBuilder<'_, $db>, tenant: &TenantId, f: &SecretFilter) {
            q.push(" WHERE tenant = ")
                .push_bind(tenant.as_str().to_owned());
            let texts = [
                ("name", &f.name),
                ("secret_type", &f.secret_type),
                ("algorithm", &f.algorithm),
                ("mode", &f.mode),
            ];
            for (col, v) in texts {
                if let Some(v) = v {
                    q.push(format!(" AND {col} = ")).push_bind(v.clone());
                }
            }
            if let Some(b) = f.bit_length {
                q.push(" AND bit_length = ").push_bind(i64::from(b));
            }
            let times = [
                ("created_at", &f.created),
                ("updated_at", &f.updated),
                ("expiration", &f.expiration),
            ];
            for (col, conds) in times {
                for c in conds {
                    let (op, t) = c.sql();
                    q.push(format!(" AND {col} {op} "))
                        .push_bind(t.unix_micros());
                }
            }
        }

        pub(super) async fn list_secrets(
            pool: &$pool,
            tenant: &TenantId,
            f: &SecretFilter,
        ) -> Result<Vec<SecretRecord>, StoreError> {
            let mut q = QueryBuilder::<$db>::new(format!("SELECT {SECRET_COLUMNS} FROM secrets"));
            push_conditions(&mut q, tenant, f);
            if let Some(after) = &f.after {
                q.push(" AND id > ").push_bind(after.to_string());
            }
            q.push(" ORDER BY ");
            for (key, desc) in &f.sort {
                // Nulls first ascending, last descending, on every backend.
                let col = key.column();
                let dir = if *desc { "DESC" } else { "ASC" };
                q.push(format!(
                    "CASE WHEN {col} IS NULL THEN 0 ELSE 1 END {dir}, {col} {dir}, "
                ));
            }
            q.push("id LIMIT ")
                .push_bind(i64::from(page_limit(f.limit, DEFAULT_LIMIT, MAX_LIMIT)))
                .push(" OFFSET ")
                .push_bind(i64::from(f.offset));
            let rows = q.build().fetch_all(pool).await.map_err($backend)?;
            rows.iter().map(secret_from_row).collect()
        }

        pub(super) async fn count_secrets(
            pool: &$pool,
            tenant: &TenantId,
            f: &SecretFilter,
        ) -> Result<u64, StoreError> {
            let mut q = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM secrets");
            push_conditions(&mut q, tenant, f);
            let n: i64 = q
                .build_query_scalar()
                .fetch_one(pool)
                .await
                .map_err($backend)?;
            u64::try_from(n).map_err(|_| StoreError::Corrupt("negative count".into()))
        }
    };
}
pub(crate) use secret_queries;
