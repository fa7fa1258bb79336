//! Bulk seeding for the lookup benchmark: `n` key rows (and their version
//! rows) cloned in SQL from one real key made through the API, with fresh
//! random UUIDs as ids and aliases `bench-<i>`. The clones' wrapped
//! material stays bound to the original key's id, so they serve lookups,
//! not crypto. Also reads the query plan of the id lookup.

use crate::Error;
use crate::dbs::{BenchDb, Engine};

/// A random UUID as text, per dialect.
fn uuid_expr(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "gen_random_uuid()::text",
        Engine::Mysql => "UUID()",
        Engine::Sqlite => {
            "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || \
             substr(hex(randomblob(2)), 2) || '-8' || substr(hex(randomblob(2)), 2) || '-' || \
             hex(randomblob(6)))"
        }
    }
}

/// The column names of `table`, in order.
async fn columns(db: &BenchDb, table: &str) -> Result<Vec<String>, Error> {
    let sql = match db.engine {
        Engine::Sqlite => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
        Engine::Postgres => format!(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}' \
             ORDER BY ordinal_position"
        ),
        Engine::Mysql => format!(
            "SELECT column_name FROM information_schema.columns \
             WHERE table_schema = database() AND table_name = '{table}' \
             ORDER BY ordinal_position"
        ),
    };
    db.column(&sql, 0).await
}

/// `n` numbers `i` as a row source named `s(i)`: a `FROM` item on
/// PostgreSQL, a leading `WITH` on SQLite.
fn series(engine: Engine, n: u64) -> Result<(String, String), Error> {
    match engine {
        Engine::Postgres => Ok((String::new(), format!("generate_series(1, {n}) AS s(i)"))),
        Engine::Sqlite => Ok((
            format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
            ),
            "s".into(),
        )),
        Engine::Mysql => Err(Error::msg(
            "bulk seeding is written for SQLite and PostgreSQL",
        )),
    }
}

/// Adds `n` clones of key `template` (tenant `tenant`) and its versions.
pub async fn clone_keys(db: &BenchDb, tenant: &str, template: &str, n: u64) -> Result<(), Error> {
    let (with, from) = series(db.engine, n)?;
    let cols = columns(db, "keys").await?;
    let select: Vec<String> = cols
        .iter()
        .map(|c| match c.as_str() {
            "id" => uuid_expr(db.engine).to_owned(),
            "alias" => "'bench-' || CAST(i AS TEXT)".to_owned(),
            other => format!("t.{other}"),
        })
        .collect();
    db.exec(&format!(
        "{with}INSERT INTO keys ({}) SELECT {} FROM keys t, {from} \
         WHERE t.tenant = '{tenant}' AND t.id = '{template}'",
        cols.join(", "),
        select.join(", ")
    ))
    .await?;
    let vcols = columns(db, "key_versions").await?;
    let vselect: Vec<String> = vcols
        .iter()
        .map(|c| match c.as_str() {
            "key_id" => "k.id".to_owned(),
            "tenant" => "k.tenant".to_owned(),
            other => format!("v.{other}"),
        })
        .collect();
    db.exec(&format!(
        "INSERT INTO key_versions ({}) SELECT {} FROM keys k JOIN key_versions v \
         ON v.tenant = k.tenant AND v.key_id = '{template}' \
         WHERE k.tenant = '{tenant}' AND k.alias LIKE 'bench-%'",
        vcols.join(", "),
        vselect.join(", ")
    ))
    .await?;
    db.exec("ANALYZE").await?;
    Ok(())
}

/// The plan of the store's key lookup by id (one line).
pub async fn lookup_plan(db: &BenchDb, tenant: &str, id: &str) -> Result<String, Error> {
    let query = format!("SELECT * FROM keys WHERE tenant = '{tenant}' AND id = '{id}'");
    let lines = match db.engine {
        Engine::Postgres => db.column(&format!("EXPLAIN {query}"), 0).await?,
        // id, parent, notused, detail
        Engine::Sqlite => db.column(&format!("EXPLAIN QUERY PLAN {query}"), 3).await?,
        Engine::Mysql => return Ok("-".into()),
    };
    Ok(lines.first().cloned().unwrap_or_default())
}
