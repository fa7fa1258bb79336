//! The `discovery_scans` table, shared by every SQL backend: a scan is kept
//! whole as JSON (`body`) with its tenant, id, time and status as columns
//! for lookups. Writing replaces the row (delete + insert in the commit's
//! transaction: portable across backends).

use sqlx::{Database, Encode, QueryBuilder, Type};
use tresor_core::discovery::DiscoveryScan;
use tresor_core::{StoreError, TenantId};

use crate::rows::{RowExt, page_limit};

const COLUMNS: &str = "tenant, id, created_at, status, body";
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// A scan's column values.
#[derive(Debug)]
pub(crate) struct ScanRow {
    tenant: String,
    id: String,
    created_at: i64,
    status: String,
    body: String,
}

impl ScanRow {
    pub(crate) fn new(s: &DiscoveryScan) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: s.tenant.as_str().to_owned(),
            id: s.id.clone(),
            created_at: s.created_at.unix_micros(),
            status: s.status.as_str().to_owned(),
            body: serde_json::to_string(s)
                .map_err(|e| StoreError::Corrupt(format!("discovery scan: {e}")))?,
        })
    }
}

/// `DELETE` of the scan's row (first half of a replace).
pub(crate) fn delete<'a, DB: Database>(row: &ScanRow) -> QueryBuilder<'a, DB>
where
    DB::Arguments<'a>: Default,
    String: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::<DB>::new("DELETE FROM discovery_scans WHERE tenant = ");
    q.push_bind(row.tenant.clone())
        .push(" AND id = ")
        .push_bind(row.id.clone());
    q
}

/// `INSERT` of the scan's row (second half of a replace).
pub(crate) fn insert<'a, DB: Database>(row: ScanRow) -> QueryBuilder<'a, DB>
where
    DB::Arguments<'a>: Default,
    i64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
{
    let mut q =
        QueryBuilder::<DB>::new(format!("INSERT INTO discovery_scans ({COLUMNS}) VALUES ("));
    let mut v = q.separated(", ");
    v.push_bind(row.tenant)
        .push_bind(row.id)
        .push_bind(row.created_at)
        .push_bind(row.status)
        .push_bind(row.body)
        .push_unseparated(")");
    q
}

/// `SELECT` of one scan.
pub(crate) fn select_one<'a, DB: Database>(tenant: &TenantId, id: &str) -> QueryBuilder<'a, DB>
where
    DB::Arguments<'a>: Default,
    String: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::<DB>::new(format!(
        "SELECT {COLUMNS} FROM discovery_scans WHERE tenant = "
    ));
    q.push_bind(tenant.as_str().to_owned())
        .push(" AND id = ")
        .push_bind(id.to_owned());
    q
}

/// `SELECT` of a tenant's newest scans.
pub(crate) fn select_list<'a, DB: Database>(tenant: &TenantId, limit: u32) -> QueryBuilder<'a, DB>
where
    DB::Arguments<'a>: Default,
    i64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::<DB>::new(format!(
        "SELECT {COLUMNS} FROM discovery_scans WHERE tenant = "
    ));
    q.push_bind(tenant.as_str().to_owned())
        .push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(i64::from(page_limit(limit, DEFAULT_LIMIT, MAX_LIMIT)));
    q
}

/// A row back to a scan.
pub(crate) fn from_row(r: &impl RowExt) -> Result<DiscoveryScan, StoreError> {
    serde_json::from_str(&r.text("body")?)
        .map_err(|e| StoreError::Corrupt(format!("column body of discovery_scans: {e}")))
}

/// The discovery functions of one SQL backend (`put` inside a commit's
/// transaction, `get`, `list`), generated once from the shared SQL above:
/// `$db` is the sqlx database, `$pool` its pool, `$err` the module with the
/// backend's `backend` and `write_error` mappings.
macro_rules! discovery_backend {
    ($db:ty, $pool:ty, $err:path) => {
        use tresor_core::discovery::DiscoveryScan;
        use tresor_core::{StoreError, TenantId};

        use crate::discovery::{ScanRow, delete, from_row, insert, select_list, select_one};
        use $err::{backend, write_error};

        /// Replaces (or creates) the scan's row.
        pub(super) async fn put(
            tx: &mut sqlx::Transaction<'_, $db>,
            s: &DiscoveryScan,
        ) -> Result<(), StoreError> {
            let row = ScanRow::new(s)?;
            delete::<$db>(&row)
                .build()
                .execute(&mut **tx)
                .await
                .map_err(write_error)?;
            insert::<$db>(row)
                .build()
                .execute(&mut **tx)
                .await
                .map_err(write_error)?;
            Ok(())
        }

        /// One scan.
        pub(super) async fn get(
            pool: &$pool,
            tenant: &TenantId,
            id: &str,
        ) -> Result<Option<DiscoveryScan>, StoreError> {
            let row = select_one::<$db>(tenant, id)
                .build()
                .fetch_optional(pool)
                .await
                .map_err(backend)?;
            row.as_ref().map(from_row).transpose()
        }

        /// A tenant's newest scans.
        pub(super) async fn list(
            pool: &$pool,
            tenant: &TenantId,
            limit: u32,
        ) -> Result<Vec<DiscoveryScan>, StoreError> {
            let rows = select_list::<$db>(tenant, limit)
                .build()
                .fetch_all(pool)
                .await
                .map_err(backend)?;
            rows.iter().map(from_row).collect()
        }
    };
}
pub(crate) use discovery_backend;
