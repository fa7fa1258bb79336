//! A throw-away database on a real PostgreSQL or MySQL/MariaDB server for
//! multi-node tests: created on the server named by
//! `TRESOR_TEST_POSTGRES_URL` / `TRESOR_TEST_MYSQL_URL` (admin URLs) and
//! dropped at the end; the tests skip themselves when the URL is unset.

use sqlx::{Connection, MySqlConnection, PgConnection};

/// Which database server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    Mysql,
}

impl Kind {
    /// The variable holding the admin URL.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::Postgres => "TRESOR_TEST_POSTGRES_URL",
            Self::Mysql => "TRESOR_TEST_MYSQL_URL",
        }
    }
}

/// A database created for the test.
pub struct Db {
    pub kind: Kind,
    admin: String,
    name: String,
    /// Its URL.
    pub url: String,
}

impl Db {
    /// A fresh PostgreSQL database named `<prefix>_<uuid>`, or `None`.
    pub async fn postgres(prefix: &str) -> Option<Self> {
        Self::create(Kind::Postgres, prefix).await
    }

    /// A fresh MySQL/MariaDB database named `<prefix>_<uuid>`, or `None`.
    pub async fn mysql(prefix: &str) -> Option<Self> {
        Self::create(Kind::Mysql, prefix).await
    }

    /// A fresh database named `<prefix>_<uuid>`, or `None` (with a
    /// message) when no server of that kind is configured.
    pub async fn create(kind: Kind, prefix: &str) -> Option<Self> {
        let Ok(admin) = std::env::var(kind.env_var()) else {
            println!("skipped: {} not set", kind.env_var());
            return None;
        };
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        exec(kind, &admin, &format!("CREATE DATABASE {name}")).await;
        let (scheme, rest) = admin.split_once("://").unwrap();
        let authority = rest.split(['/', '?']).next().unwrap();
        let url = format!("{scheme}://{authority}/{name}");
        Some(Self {
            kind,
            admin,
            name,
            url,
        })
    }

    /// Runs one statement on the test database.
    pub async fn exec(&self, sql: &str) {
        exec(self.kind, &self.url, sql).await;
    }

    /// A table or column name quoted for this server (`keys` is a reserved
    /// word in MySQL).
    pub fn quote(&self, ident: &str) -> String {
        match self.kind {
            Kind::Postgres => format!("\"{ident}\""),
            Kind::Mysql => format!("`{ident}`"),
        }
    }

    /// Drops the database (the nodes using it must have stopped; other
    /// PostgreSQL connections are closed by force).
    pub async fn drop_it(self) {
        let sql = match self.kind {
            Kind::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            Kind::Mysql => format!("DROP DATABASE IF EXISTS {}", self.name),
        };
        exec(self.kind, &self.admin, &sql).await;
    }
}

/// Runs one statement on `url`.
async fn exec(kind: Kind, url: &str, sql: &str) {
    match kind {
        Kind::Postgres => {
            let mut c = PgConnection::connect(url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
            let _ = c.close().await;
        }
        Kind::Mysql => {
            let mut c = MySqlConnection::connect(url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
            let _ = c.close().await;
        }
    }
}
