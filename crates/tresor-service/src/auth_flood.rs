//! Bounds what a flood of failed authentications costs the audit log. Each
//! source (client address) gets at most [`RECORDS_PER_WINDOW`]
//! `auth.failed` records per [`WINDOW_SECS`]; further failures in that
//! window are counted, not written, and the count is carried by the
//! source's next record (`detail.suppressed_before`, with the window's
//! start). Every failure still counts in the metrics. The table of sources
//! is bounded ([`MAX_SOURCES`]); when it is full of live windows, failures
//! from new sources are recorded without tracking (memory stays bounded,
//! nothing is dropped silently).

use std::collections::HashMap;
use std::sync::Mutex;

use tresor_core::Timestamp;

/// Individual records per source and window.
pub const RECORDS_PER_WINDOW: u32 = 20;
/// Window length.
pub const WINDOW_SECS: i64 = 60;
/// Sources tracked at once.
pub const MAX_SOURCES: usize = 4096;

/// What to do with one failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Write its record; `Some` carries failures suppressed in an earlier
    /// window of this source (count, window start).
    Record(Option<(u32, Timestamp)>),
    /// Count it only.
    Suppress,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Timestamp,
    recorded: u32,
    suppressed: u32,
}

/// Per-source failure windows.
#[derive(Debug, Default)]
pub(crate) struct AuthFloodGate {
    windows: Mutex<HashMap<String, Window>>,
}

impl AuthFloodGate {
    /// Decides about one failure from `source` at `now`.
    pub(crate) fn admit(&self, source: &str, now: Timestamp) -> Admit {
        let Ok(mut windows) = self.windows.lock() else {
            return Admit::Record(None);
        };
        let expired = |w: &Window| now.unix_seconds() - w.started.unix_seconds() >= WINDOW_SECS;
        if !windows.contains_key(source) && windows.len() >= MAX_SOURCES {
            // Windows that ended without suppressing anything carry nothing.
            windows.retain(|_, w| !expired(w) || w.suppressed > 0);
            if windows.len() >= MAX_SOURCES {
                return Admit::Record(None);
            }
        }
        let fresh = Window {
            started: now,
            recorded: 1,
            suppressed: 0,
        };
        match windows.get_mut(source) {
            None => {
                windows.insert(source.to_owned(), fresh);
                Admit::Record(None)
            }
            Some(w) if expired(w) => {
                let carried = (w.suppressed > 0).then_some((w.suppressed, w.started));
                *w = fresh;
                Admit::Record(carried)
            }
            Some(w) if w.recorded < RECORDS_PER_WINDOW => {
                w.recorded += 1;
                Admit::Record(None)
            }
            Some(w) => {
                w.suppressed = w.suppressed.saturating_add(1);
                Admit::Suppress
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_micros(s * 1_000_000)
    }

    #[test]
    fn a_flood_is_recorded_up_to_the_limit_then_summarized() {
        let gate = AuthFloodGate::default();
        for _ in 0..RECORDS_PER_WINDOW {
            assert_eq!(gate.admit("10.0.0.1", at(1000)), Admit::Record(None));
        }
        for _ in 0..500 {
            assert_eq!(gate.admit("10.0.0.1", at(1030)), Admit::Suppress);
        }
        // Another source is not affected.
        assert_eq!(gate.admit("10.0.0.2", at(1030)), Admit::Record(None));
        // The next window's first record carries the count.
        assert_eq!(
            gate.admit("10.0.0.1", at(1000 + WINDOW_SECS)),
            Admit::Record(Some((500, at(1000))))
        );
        assert_eq!(gate.admit("10.0.0.1", at(1061)), Admit::Record(None));
    }

    #[test]
    fn the_source_table_stays_bounded() {
        let gate = AuthFloodGate::default();
        for i in 0..MAX_SOURCES {
            assert_eq!(gate.admit(&format!("s{i}"), at(0)), Admit::Record(None));
        }
        // Full of live windows: a new source is recorded, not tracked.
        assert_eq!(gate.admit("new", at(1)), Admit::Record(None));
        assert_eq!(gate.windows.lock().unwrap().len(), MAX_SOURCES);
        // Once those windows ended, they make room.
        assert_eq!(gate.admit("new", at(WINDOW_SECS + 1)), Admit::Record(None));
        assert_eq!(gate.windows.lock().unwrap().len(), 1);
    }
}
