//! Secret-store objects (containers, orders, consumers, ACLs, quotas,
//! preferences), shared by every SQL backend: rows back to records and the
//! queries, written once as a macro each backend instantiates with its
//! database type (as `crate::secrets` does).

use tresor_core::{ObjectKind, ObjectRecord, StoreError, Timestamp};

use crate::rows::{RowExt, tenant_id};

/// Columns of `secret_objects`.
pub(crate) const OBJECT_COLUMNS: &str = "tenant, kind, id, parent, name, subtype, body, \
     created_by, created_at, updated_at, revision";

/// Default and maximum objects per listing.
pub(crate) const DEFAULT_LIMIT: u32 = 100;
pub(crate) const MAX_LIMIT: u32 = 1000;

pub(crate) fn object_from_row(r: &impl RowExt) -> Result<ObjectRecord, StoreError> {
    let kind = r.text("kind")?;
    Ok(ObjectRecord {
        tenant: tenant_id("tenant", &r.text("tenant")?)?,
        kind: ObjectKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("column kind: unknown kind {kind:?}")))?,
        id: r.text("id")?,
        parent: r.opt_text("parent")?,
        name: r.opt_text("name")?,
        subtype: r.opt_text("subtype")?,
        body: r.text("body")?,
        created_by: r.text("created_by")?,
        created_at: Timestamp::from_unix_micros(r.int("created_at")?),
        updated_at: Timestamp::from_unix_micros(r.int("updated_at")?),
        revision: u64::try_from(r.int("revision")?)
            .map_err(|_| StoreError::Corrupt("column revision: negative".into()))?,
    })
}

/// The object queries for one backend: `$db` the sqlx database, `$pool` its
/// pool type, `$write` / `$backend` its error mappers.
macro_rules! object_queries {
    ($db:ty, $pool:ty, $write:path, $backend:path) => {
        use sqlx::QueryBuilder;
        use tresor_core::{Change, ObjectFilter, ObjectKind, ObjectRecord, StoreError, TenantId};

        use $crate::objects::{DEFAULT_LIMIT, MAX_LIMIT, OBJECT_COLUMNS, object_from_row};
        use $crate::rows::{page_limit, u64_col};

        /// Applies an object change inside a transaction; `false` when
        /// `change` is not an object change.
        pub(super) async fn apply(
            tx: &mut sqlx::Transaction<'_, $db>,
            change: &Change,
        ) -> Result<bool, StoreError> {
            match change {
                Change::CreateObject(o) => insert(tx, o, o.revision).await?,
                Change::UpdateObject {
                    object,
                    expected_revision,
                } => {
                    let mut q = QueryBuilder::<$db>::new("DELETE FROM secret_objects");
                    push_key(&mut q, &object.tenant, object.kind, &object.id);
                    q.push(" AND revision = ")
                        .push_bind(u64_col("revision", *expected_revision)?);
                    let done = q.build().execute(&mut **tx).await.map_err($write)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict);
                    }
                    insert(tx, object, expected_revision.saturating_add(1)).await?;
                }
                Change::DeleteObject { tenant, kind, id } => {
                    let mut q = QueryBuilder::<$db>::new("DELETE FROM secret_objects");
                    push_key(&mut q, tenant, *kind, id);
                    let done = q.build().execute(&mut **tx).await.map_err($write)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict);
                    }
                }
                Change::DeleteChildren { tenant, parent } => {
                    let mut q =
                        QueryBuilder::<$db>::new("DELETE FROM secret_objects WHERE tenant = ");
                    q.push_bind(tenant.as_str().to_owned())
                        .push(" AND parent = ")
                        .push_bind(parent.clone());
                    q.build().execute(&mut **tx).await.map_err($write)?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        }

        fn push_key(q: &mut QueryBuilder<'_, $db>, tenant: &TenantId, kind: ObjectKind, id: &str) {
            q.push(" WHERE tenant = ")
                .push_bind(tenant.as_str().to_owned())
                .push(" AND kind = ")
                .push_bind(kind.as_str())
                .push(" AND id = ")
                .push_bind(id.to_owned());
        }

        async fn insert(
            tx: &mut sqlx::Transaction<'_, $db>,
            o: &ObjectRecord,
            revision: u64,
        ) -> Result<(), StoreError> {
            let mut q = QueryBuilder::<$db>::new(format!(
                "INSERT INTO secret_objects ({OBJECT_COLUMNS}) VALUES ("
            ));
            let mut v = q.separated(", ");
            v.push_bind(o.tenant.as_str().to_owned())
                .push_bind(o.kind.as_str())
                .push_bind(o.id.clone())
                .push_bind(o.parent.clone())
                .push_bind(o.name.clone())
                .push_bind(o.subtype.clone())
                .push_bind(o.body.clone())
                .push_bind(o.created_by.clone())
                .push_bind(o.created_at.unix_micros())
                .push_bind(o.updated_at.unix_micros())
                .push_bind(u64_col("revision", revision)?)
                .push_unseparated(")");
            q.build().execute(&mut **tx).await.map_err($write)?;
            Ok(())
        }

        pub(super) async fn get_object(
            pool: &$pool,
            tenant: &TenantId,
            kind: ObjectKind,
            id: &str,
        ) -> Result<Option<ObjectRecord>, StoreError> {
            let mut q =
                QueryBuilder::<$db>::new(format!("SELECT {OBJECT_COLUMNS} FROM secret_objects"));
            push_key(&mut q, tenant, kind, id);
            let row = q.build().fetch_optional(pool).await.map_err($backend)?;
            row.as_ref().map(object_from_row).transpose()
        }

        fn push_conditions(q: &mut QueryBuilder<'_, $db>, tenant: &TenantId, f: &ObjectFilter) {
            q.push(" WHERE tenant = ")
                .push_bind(tenant.as_str().to_owned())
                .push(" AND kind = ")
                .push_bind(f.kind.as_str());
            let texts = [
                ("parent", &f.parent),
                ("name", &f.name),
                ("subtype", &f.subtype),
            ];
            for (col, v) in texts {
                if let Some(v) = v {
                    q.push(format!(" AND {col} = ")).push_bind(v.clone());
                }
            }
        }

        pub(super) async fn list_objects(
            pool: &$pool,
            tenant: &TenantId,
            f: &ObjectFilter,
        ) -> Result<Vec<ObjectRecord>, StoreError> {
            let mut q =
                QueryBuilder::<$db>::new(format!("SELECT {OBJECT_COLUMNS} FROM secret_objects"));
            push_conditions(&mut q, tenant, f);
            q.push(" ORDER BY created_at, id LIMIT ")
                .push_bind(i64::from(page_limit(f.limit, DEFAULT_LIMIT, MAX_LIMIT)))
                .push(" OFFSET ")
                .push_bind(i64::from(f.offset));
            let rows = q.build().fetch_all(pool).await.map_err($backend)?;
            rows.iter().map(object_from_row).collect()
        }

        pub(super) async fn count_objects(
            pool: &$pool,
            tenant: &TenantId,
            f: &ObjectFilter,
        ) -> Result<u64, StoreError> {
            let mut q = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM secret_objects");
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
pub(crate) use object_queries;
