//! Checks that the lookups the adapter issues are answered from an index
//! (`SEARCH … USING INDEX`), never by scanning a table.

use sqlx::Row;

use super::SqliteStore;
use crate::options::SqliteOptions;

async fn plan(store: &SqliteStore, sql: &str) -> String {
    let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(&store.read)
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.get::<String, _>("detail"))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn lookups_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("t.db"), &SqliteOptions::default())
        .await
        .unwrap();
    let queries = [
        "SELECT * FROM keys WHERE tenant = 'a' AND id = 'x'",
        "SELECT * FROM keys WHERE tenant = 'a' AND alias = 'x'",
        "SELECT * FROM keys WHERE tenant = 'a' AND internal = 0 AND id > 'x' \
         AND EXISTS (SELECT 1 FROM key_tags t WHERE t.tenant = keys.tenant \
         AND t.key_id = keys.id AND t.name = 'n' AND t.value = 'v') ORDER BY id LIMIT 11",
        "SELECT * FROM keys WHERE rowid IN ( \
           SELECT rowid FROM keys WHERE next_rotation_at <= 5 AND state = 'active' \
           UNION \
           SELECT rowid FROM keys WHERE destroy_at <= 5 AND state NOT IN ('a', 'b')) \
         ORDER BY tenant, id LIMIT 10",
        "SELECT * FROM key_versions WHERE tenant = 'a' AND key_id = 'k' ORDER BY version",
        "SELECT * FROM api_keys WHERE token_hash = x'00'",
        "SELECT * FROM api_keys WHERE tenant = 'a' ORDER BY id",
        "SELECT * FROM cert_principals WHERE subject_cn = 'cn' ORDER BY tenant",
        "SELECT * FROM cert_principals WHERE tenant = 'a' ORDER BY subject_cn",
        "SELECT * FROM audit WHERE tenant = 'a' ORDER BY seq DESC LIMIT 100",
        "SELECT * FROM audit WHERE seq > 5 ORDER BY seq ASC LIMIT 100",
        "SELECT value FROM provider_blobs WHERE provider = 'p' AND name = 'n'",
    ];
    let scan = plan(&store, "SELECT * FROM keys WHERE description = 'x'").await;
    assert!(scan.contains("SCAN"), "the check itself works: {scan}");
    for sql in queries {
        let plan = plan(&store, sql).await;
        eprintln!("{sql}\n  -> {plan}");
        assert!(!plan.contains("SCAN"), "{sql}\n  plan: {plan}");
    }
}
