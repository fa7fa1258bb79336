//! A throw-away PostgreSQL database for multi-node tests, created on the
//! server named by `TRESOR_TEST_POSTGRES_URL` and dropped at the end.

use sqlx::{Connection, PgConnection};

/// A database created for the test.
pub struct PgDb {
    admin: String,
    name: String,
    /// Its URL.
    pub url: String,
}

impl PgDb {
    /// A fresh database named `<prefix>_<uuid>`, or `None` (with a
    /// message) when no PostgreSQL is configured.
    pub async fn create(prefix: &str) -> Option<Self> {
        let Ok(admin) = std::env::var("TRESOR_TEST_POSTGRES_URL") else {
            println!("skipped: TRESOR_TEST_POSTGRES_URL not set");
            return None;
        };
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        exec(&admin, &format!("CREATE DATABASE {name}")).await;
        let (scheme, rest) = admin.split_once("://").unwrap();
        let authority = rest.split(['/', '?']).next().unwrap();
        let url = format!("{scheme}://{authority}/{name}");
        Some(Self { admin, name, url })
    }

    /// Drops the database (closing other connections to it).
    pub async fn drop_it(self) {
        exec(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        )
        .await;
    }
}

/// Runs one statement on `url`.
pub async fn exec(url: &str, sql: &str) {
    let mut c = PgConnection::connect(url).await.unwrap();
    sqlx::query(sql).execute(&mut c).await.unwrap();
    let _ = c.close().await;
}
