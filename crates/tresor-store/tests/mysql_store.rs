//! MySQL (MariaDB)-specific behaviour beyond the conformance suite (see
//! `support::shared`), each test in a freshly created database. Skipped
//! when `TRESOR_TEST_MYSQL_URL` is not set.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{Kind, TestDb, shared};

macro_rules! server_tests {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let Some(db) = TestDb::create(Kind::Mysql).await else {
                    return;
                };
                shared::$case(&db).await;
            }
        )*
    };
}

server_tests!(
    data_survives_reopening,
    schema_versions,
    audit_rows_cannot_be_changed,
    instances_share_one_chain,
    instances_race_on_revision,
    identifiers_are_case_sensitive,
);

#[tokio::test]
async fn errors_hide_credentials() {
    shared::errors_hide_credentials("mysql").await;
    shared::errors_hide_credentials("mariadb").await;
}

/// `disable` connects plain; `require` against a server without TLS fails
/// instead of silently staying plain.
#[tokio::test]
async fn tls_modes_reach_the_driver() {
    use std::time::Duration;
    use tresor_store::{PoolOptions, StoreOptions, TlsMode, open};
    let Some(db) = TestDb::create(Kind::Mysql).await else {
        return;
    };
    let with = |mode| {
        let pool = PoolOptions::default()
            .with_max_connections(2)
            .with_acquire_timeout(Duration::from_secs(5))
            .with_tls(mode);
        StoreOptions::default().with_pool(pool)
    };
    let store = open(&db.url(), &with(TlsMode::Disable)).await.unwrap();
    store.list_tenants().await.unwrap();
    let have_ssl: String = {
        use sqlx::{Connection, MySqlConnection};
        let mut c = MySqlConnection::connect(&db.url()).await.unwrap();
        sqlx::query_scalar("SELECT CAST(@@have_ssl AS CHAR)")
            .fetch_one(&mut c)
            .await
            .unwrap()
    };
    if have_ssl != "YES" {
        let required = open(&db.url(), &with(TlsMode::Require)).await;
        assert!(required.is_err(), "no TLS on the server: require must fail");
    } else {
        let store = open(&db.url(), &with(TlsMode::Require)).await.unwrap();
        store.list_tenants().await.unwrap();
    }
}
