//! The clock port: real time in production, a hand-moved clock in tests.

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::time::Timestamp;

/// A source of the current time.
pub trait Clock: Send + Sync + Debug {
    /// Now, in UTC.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(time::OffsetDateTime::now_utc())
    }
}

/// A clock that only moves when told to (tests, simulations).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// Starts at `t`.
    pub fn new(t: Timestamp) -> Self {
        Self(AtomicI64::new(t.unix_micros()))
    }

    /// Moves forward by `secs` seconds.
    pub fn advance_seconds(&self, secs: i64) {
        self.0
            .fetch_add(secs.saturating_mul(1_000_000), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_micros(self.0.load(Ordering::SeqCst))
    }
}
