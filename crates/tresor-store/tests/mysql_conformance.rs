//! Runs the Store conformance suite on MySQL (or MariaDB), one freshly created
//! database per case (admin URL in `TRESOR_TEST_MYSQL_URL`; skipped
//! when it is not set).

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use support::{Kind, TestDb};
use tresor_core::Store;

async fn fresh() -> Option<(Arc<dyn Store>, TestDb)> {
    let db = TestDb::create(Kind::Mysql).await?;
    Some((db.open().await, db))
}

tresor_store::conformance_tests!(mysql, optional || fresh());
