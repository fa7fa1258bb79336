//! Two Tresor nodes on one PostgreSQL database (`TRESOR_TEST_POSTGRES_URL`,
//! the admin URL; skipped when unset): the scenario of
//! `common::cluster`, with invalidation over `LISTEN/NOTIFY`.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::cluster;
use common::db::Db;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_share_one_database() {
    let Some(db) = Db::postgres("tresor_2n").await else {
        return;
    };
    cluster::two_nodes_share_one_database(db, None).await;
}
