//! Test databases on real PostgreSQL and MySQL/MariaDB servers: each test
//! gets a freshly created database, dropped again when its guard drops. The
//! admin URLs come from `TRESOR_TEST_POSTGRES_URL` and
//! `TRESOR_TEST_MYSQL_URL`; without them the tests say so and pass.

// Test code: failing loudly is the point; not every test binary uses every
// helper.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

pub mod shared;

use std::sync::Arc;

use sqlx::{Connection, MySqlConnection, PgConnection};
use tresor_core::Store;
use tresor_store::{PoolOptions, StoreOptions, open};

/// Which server a test database lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    Mysql,
}

impl Kind {
    pub fn env_var(self) -> &'static str {
        match self {
            Kind::Postgres => "TRESOR_TEST_POSTGRES_URL",
            Kind::Mysql => "TRESOR_TEST_MYSQL_URL",
        }
    }
}

/// A database created for one test; dropped (forcibly) on drop.
#[derive(Debug)]
pub struct TestDb {
    pub kind: Kind,
    admin_url: String,
    pub name: String,
}

/// Pool options for tests: small pools, so many tests fit under the
/// server's connection limit.
pub fn opts() -> StoreOptions {
    StoreOptions::default().with_pool(PoolOptions::default().with_max_connections(5))
}

/// `url` with its database (path) replaced by `db`, query kept.
pub fn with_database(url: &str, db: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (main, query) = match rest.split_once('?') {
        Some((m, q)) => (m, format!("?{q}")),
        None => (rest, String::new()),
    };
    let authority = main.split('/').next().unwrap_or_default();
    format!("{scheme}://{authority}/{db}{query}")
}

impl TestDb {
    /// A fresh, empty database, or `None` (after printing why) when the
    /// admin URL is not configured.
    pub async fn create(kind: Kind) -> Option<Self> {
        let Ok(admin_url) = std::env::var(kind.env_var()) else {
            println!("skipped: {} not set", kind.env_var());
            return None;
        };
        let name = format!("tresor_test_{}", uuid::Uuid::new_v4().simple());
        let db = Self {
            kind,
            admin_url,
            name,
        };
        db.admin_exec(&format!("CREATE DATABASE {}", db.name)).await;
        Some(db)
    }

    /// The database's URL (the admin URL's server and credentials).
    pub fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }

    /// The same database under its other scheme name (`postgresql://`,
    /// `mariadb://`), to check that `open` accepts both.
    pub fn alt_url(&self) -> String {
        let url = self.url();
        match self.kind {
            Kind::Postgres => url.replacen("postgres://", "postgresql://", 1),
            Kind::Mysql => url.replacen("mysql://", "mariadb://", 1),
        }
    }

    /// Opens the store through `tresor_store::open`.
    pub async fn open(&self) -> Arc<dyn Store> {
        open(&self.url(), &opts()).await.expect("open test store")
    }

    /// Runs raw SQL on the test database; returns the error text on failure.
    pub async fn exec(&self, sql: &str) -> Result<u64, String> {
        run(self.kind, &self.url(), &[sql]).await
    }

    async fn admin_exec(&self, sql: &str) {
        run(self.kind, &self.admin_url, &[sql])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// Runs the statements in order on one new connection; the rows affected
/// by the last one.
async fn run(kind: Kind, url: &str, statements: &[&str]) -> Result<u64, String> {
    let mut affected = 0;
    match kind {
        Kind::Postgres => {
            let mut c = PgConnection::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            for sql in statements {
                let r = sqlx::query(sql).execute(&mut c).await;
                affected = r.map_err(|e| e.to_string())?.rows_affected();
            }
            let _ = c.close().await;
        }
        Kind::Mysql => {
            let mut c = MySqlConnection::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            for sql in statements {
                let r = sqlx::query(sql).execute(&mut c).await;
                affected = r.map_err(|e| e.to_string())?.rows_affected();
            }
            let _ = c.close().await;
        }
    }
    Ok(affected)
}

impl Drop for TestDb {
    /// Drops the database on a separate thread with its own runtime (Drop
    /// cannot await, and the test's runtime may be shutting down).
    fn drop(&mut self) {
        let (kind, admin_url, name) = (self.kind, self.admin_url.clone(), self.name.clone());
        // MySQL waits for metadata locks of open transactions (a failed
        // test may leave one): bounded here.
        let statements = match kind {
            Kind::Postgres => vec![format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")],
            Kind::Mysql => vec![
                "SET SESSION lock_wait_timeout = 10".to_owned(),
                format!("DROP DATABASE IF EXISTS {name}"),
            ],
        };
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("cleanup runtime");
            let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
            rt.block_on(run(kind, &admin_url, &statements))
        });
        match cleanup.join() {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}
