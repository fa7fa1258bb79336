//! Throw-away benchmark databases: a fresh database on a PostgreSQL or
//! MySQL/MariaDB server (created from an admin URL, dropped afterwards), or
//! a SQLite file in a temp dir; plus running raw SQL on them.

use std::path::Path;

use sqlx::{Connection, MySqlConnection, PgConnection, Row, SqliteConnection};

use crate::Error;

/// A database server kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
    Mysql,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
            Self::Mysql => "MariaDB",
        }
    }
}

/// A database made for one benchmark point.
#[derive(Debug)]
pub struct BenchDb {
    pub engine: Engine,
    /// The store URL to give `tresor serve` (`None`: SQLite in the data
    /// dir, the server's default).
    pub url: Option<String>,
    /// The URL raw SQL runs on.
    sql_url: String,
    admin: Option<(String, String)>,
}

fn sql_err(e: sqlx::Error) -> Error {
    Error::msg(format!("sql: {e}"))
}

/// `admin` with its database (path) replaced by `db`, query kept.
fn with_database(admin: &str, db: &str) -> Result<String, Error> {
    let (scheme, rest) = admin
        .split_once("://")
        .ok_or_else(|| Error::msg(format!("not a URL: {admin}")))?;
    let (main, query) = match rest.split_once('?') {
        Some((m, q)) => (m, format!("?{q}")),
        None => (rest, String::new()),
    };
    let authority = main.split('/').next().unwrap_or_default();
    Ok(format!("{scheme}://{authority}/{db}{query}"))
}

impl BenchDb {
    /// A SQLite database in `data_dir` (where `tresor serve` puts it).
    pub fn sqlite(data_dir: &Path) -> Self {
        Self {
            engine: Engine::Sqlite,
            url: None,
            sql_url: format!("sqlite://{}", data_dir.join("tresor.db").display()),
            admin: None,
        }
    }

    /// A fresh database `tresor_bench_<n>` on the server of `admin`.
    pub async fn server(engine: Engine, admin: &str) -> Result<Self, Error> {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("tresor_bench_{}_{n}", std::process::id());
        exec(engine, admin, &format!("DROP DATABASE IF EXISTS {name}")).await?;
        exec(engine, admin, &format!("CREATE DATABASE {name}")).await?;
        let url = with_database(admin, &name)?;
        Ok(Self {
            engine,
            url: Some(url.clone()),
            sql_url: url,
            admin: Some((admin.to_owned(), name)),
        })
    }

    /// The URL for `tresor_store::open`.
    pub fn store_url(&self) -> &str {
        &self.sql_url
    }

    /// Runs one statement; the rows it affected.
    pub async fn exec(&self, sql: &str) -> Result<u64, Error> {
        exec(self.engine, &self.sql_url, sql).await
    }

    /// Column `idx` of every row of `sql`, as text.
    pub async fn column(&self, sql: &str, idx: usize) -> Result<Vec<String>, Error> {
        let url = &self.sql_url;
        let rows: Vec<String> = match self.engine {
            Engine::Postgres => {
                let mut c = PgConnection::connect(url).await.map_err(sql_err)?;
                let rows = sqlx::query(sql).fetch_all(&mut c).await.map_err(sql_err)?;
                rows.iter()
                    .map(|r| r.try_get(idx))
                    .collect::<Result<_, _>>()
            }
            Engine::Mysql => {
                let mut c = MySqlConnection::connect(url).await.map_err(sql_err)?;
                let rows = sqlx::query(sql).fetch_all(&mut c).await.map_err(sql_err)?;
                rows.iter()
                    .map(|r| r.try_get(idx))
                    .collect::<Result<_, _>>()
            }
            Engine::Sqlite => {
                let mut c = SqliteConnection::connect(url).await.map_err(sql_err)?;
                let rows = sqlx::query(sql).fetch_all(&mut c).await.map_err(sql_err)?;
                rows.iter()
                    .map(|r| r.try_get(idx))
                    .collect::<Result<_, _>>()
            }
        }
        .map_err(sql_err)?;
        Ok(rows)
    }

    /// Drops a server database (SQLite files go with their temp dir).
    pub async fn drop_it(self) -> Result<(), Error> {
        if let Some((admin, name)) = &self.admin {
            let sql = match self.engine {
                Engine::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS {name}"),
            };
            exec(self.engine, admin, &sql).await?;
        }
        Ok(())
    }
}

/// Runs one statement on `url`; the rows it affected.
async fn exec(engine: Engine, url: &str, sql: &str) -> Result<u64, Error> {
    let n = match engine {
        Engine::Postgres => {
            let mut c = PgConnection::connect(url).await.map_err(sql_err)?;
            sqlx::query(sql)
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
        }
        Engine::Mysql => {
            let mut c = MySqlConnection::connect(url).await.map_err(sql_err)?;
            sqlx::query(sql)
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
        }
        Engine::Sqlite => {
            let mut c = SqliteConnection::connect(url).await.map_err(sql_err)?;
            sqlx::query(sql)
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
        }
    };
    n.map_err(sql_err)
}
