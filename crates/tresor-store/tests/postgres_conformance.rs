//! Runs the Store conformance suite on PostgreSQL, one freshly created
//! database per case (admin URL in `TRESOR_TEST_POSTGRES_URL`; skipped
//! when it is not set).

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use support::{Kind, TestDb};
use tresor_core::Store;

async fn fresh() -> Option<(Arc<dyn Store>, TestDb)> {
    let db = TestDb::create(Kind::Postgres).await?;
    Some((db.open().await, db))
}

tresor_store::conformance_tests!(postgres, optional || fresh());
