//! Two Tresor nodes on one MySQL/MariaDB database (`TRESOR_TEST_MYSQL_URL`,
//! the admin URL; skipped when unset): the scenario of `common::cluster`.
//! MySQL has no notifications, so nodes hear each other's changes over
//! Redis pub/sub when Redis is configured, and otherwise by a one-second
//! cap on the in-process cache's time to live; both ways are tested.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::cluster;
use common::db::Db;
use common::redis::RedisServer;

/// No Redis: changes show on the other node once its one-second cache
/// entries expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_share_one_mariadb_database() {
    let Some(db) = Db::mysql("tresor_2n").await else {
        return;
    };
    cluster::two_nodes_share_one_database(db, None).await;
}

/// With a private Redis (when `TRESOR_TEST_REDIS_URL` says Redis tests
/// are expected): the L2 cache and pub/sub invalidation between the nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_share_one_mariadb_database_and_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let Some(db) = Db::mysql("tresor_2nr").await else {
        return;
    };
    cluster::two_nodes_share_one_database(db, Some(&redis.url)).await;
}
