//! PostgreSQL-specific behaviour beyond the conformance suite (see
//! `support::shared`), each test in a freshly created database. Skipped
//! when `TRESOR_TEST_POSTGRES_URL` is not set.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{Kind, TestDb, shared};

macro_rules! server_tests {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let Some(db) = TestDb::create(Kind::Postgres).await else {
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
async fn audit_cannot_be_truncated() {
    let Some(db) = TestDb::create(Kind::Postgres).await else {
        return;
    };
    let store = db.open().await;
    store
        .commit(
            vec![],
            vec![tresor_store::conformance::fixtures::event("a", "x", None)],
        )
        .await
        .unwrap();
    let truncate = db.exec("TRUNCATE audit").await;
    assert!(truncate.is_err_and(|e| e.contains("append-only")));
    assert_eq!(store.audit_head().await.unwrap().0, 1);
}

#[tokio::test]
async fn errors_hide_credentials() {
    shared::errors_hide_credentials("postgres").await;
    shared::errors_hide_credentials("postgresql").await;
}

/// Every lookup the adapter issues can be answered from an index: with
/// sequential scans disabled, no plan falls back to one.
#[tokio::test]
async fn lookups_use_indexes() {
    use sqlx::{Connection, PgConnection, Row};
    let Some(db) = TestDb::create(Kind::Postgres).await else {
        return;
    };
    let _store = db.open().await;
    let mut conn = PgConnection::connect(&db.url()).await.unwrap();
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .unwrap();
    let queries = [
        "SELECT * FROM keys WHERE tenant = 'a' AND id = 'x'",
        "SELECT * FROM keys WHERE tenant = 'a' AND alias = 'x'",
        "SELECT * FROM keys WHERE tenant = 'a' AND NOT internal AND id > 'x' \
         AND EXISTS (SELECT 1 FROM key_tags t WHERE t.tenant = keys.tenant \
         AND t.key_id = keys.id AND t.name = 'n' AND t.value = 'v') ORDER BY id LIMIT 11",
        "SELECT * FROM keys WHERE (tenant, id) IN ( \
           SELECT tenant, id FROM keys WHERE next_rotation_at <= 5 AND state = 'active' \
           UNION \
           SELECT tenant, id FROM keys WHERE destroy_at <= 5 AND state NOT IN ('a', 'b')) \
         ORDER BY tenant, id LIMIT 10",
        "SELECT * FROM key_versions WHERE tenant = 'a' AND key_id = 'k' ORDER BY version",
        "SELECT * FROM api_keys WHERE token_hash = '\\x00'::bytea",
        "SELECT * FROM api_keys WHERE tenant = 'a' ORDER BY id",
        "SELECT * FROM cert_principals WHERE subject_cn = 'cn' ORDER BY tenant",
        "SELECT * FROM cert_principals WHERE tenant = 'a' ORDER BY subject_cn",
        "SELECT * FROM audit WHERE tenant = 'a' ORDER BY seq DESC LIMIT 100",
        "SELECT * FROM audit WHERE seq > 5 ORDER BY seq ASC LIMIT 100",
        "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
        "SELECT value FROM provider_blobs WHERE provider = 'p' AND name = 'n'",
        "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
    ];
    let mut plan = async |sql: &str| {
        let rows = sqlx::query(&format!("EXPLAIN {sql}"))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.get::<String, _>(0))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let scan = plan("SELECT * FROM keys WHERE description = 'x'").await;
    assert!(scan.contains("Seq Scan"), "the check itself works: {scan}");
    for sql in queries {
        let plan = plan(sql).await;
        assert!(!plan.contains("Seq Scan"), "{sql}\n  plan: {plan}");
    }
}

/// `require` encrypts (the test server has a self-signed certificate),
/// `verify-full` refuses a certificate that does not chain to a trusted
/// root, `disable` stays plain.
#[tokio::test]
async fn tls_modes_reach_the_driver() {
    use std::time::Duration;
    use tresor_store::{PoolOptions, StoreOptions, TlsMode, open};
    let Some(db) = TestDb::create(Kind::Postgres).await else {
        return;
    };
    let ssl: String = {
        use sqlx::{Connection, PgConnection};
        let mut c = PgConnection::connect(&db.url()).await.unwrap();
        sqlx::query_scalar("SHOW ssl")
            .fetch_one(&mut c)
            .await
            .unwrap()
    };
    let with = |mode| {
        let pool = PoolOptions::default()
            .with_max_connections(2)
            .with_acquire_timeout(Duration::from_secs(5))
            .with_tls(mode);
        StoreOptions::default().with_pool(pool)
    };
    let encrypted = async || {
        let sql = format!(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = 'tresor' AND a.datname = '{}' AND s.ssl",
            db.name
        );
        use sqlx::{Connection, PgConnection};
        let mut c = PgConnection::connect(&db.url()).await.unwrap();
        let n: i64 = sqlx::query_scalar(&sql).fetch_one(&mut c).await.unwrap();
        n > 0
    };
    let plain = open(&db.url(), &with(TlsMode::Disable)).await.unwrap();
    assert!(!encrypted().await);
    drop(plain);
    if ssl != "on" {
        println!("skipped the TLS part: the server has ssl = {ssl}");
        return;
    }
    let store = open(&db.url(), &with(TlsMode::Require)).await.unwrap();
    assert!(encrypted().await, "require gives an encrypted connection");
    store.list_tenants().await.unwrap();
    let strict = open(&db.url(), &with(TlsMode::VerifyFull)).await;
    assert!(strict.is_err(), "an untrusted certificate is refused");
}
