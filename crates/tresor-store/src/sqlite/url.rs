//! `sqlite://` URLs: the database path and the open mode.

use std::path::PathBuf;

use tresor_core::StoreError;

use crate::error::UnsupportedUrl;

/// How to open the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// `mode=rwc` (default): read-write, create when missing.
    Create,
    /// `mode=rw`: read-write, the file must exist.
    Existing,
    /// `mode=ro`: read-only, no migrations.
    Inspect,
}

/// Whether `url` names a SQLite database.
pub(crate) fn is_sqlite_url(url: &str) -> bool {
    url.starts_with("sqlite:")
}

fn bad(msg: &str) -> StoreError {
    StoreError::Backend(Box::new(UnsupportedUrl(msg.to_owned())))
}

/// Splits `sqlite://PATH[?mode=…]` (or `sqlite:PATH`). The path is used as
/// written (no percent-decoding); `sqlite:///abs` is the absolute `/abs`.
pub(super) fn parse(url: &str) -> Result<(PathBuf, Mode), StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| bad("expected a sqlite:// URL"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path.starts_with(":memory:") {
        return Err(bad("a SQLite store needs a database file path"));
    }
    let mut mode = Mode::Create;
    for param in query.split('&').filter(|p| !p.is_empty()) {
        mode = match param {
            "mode=rwc" => Mode::Create,
            "mode=rw" => Mode::Existing,
            "mode=ro" => Mode::Inspect,
            _ => {
                return Err(bad(
                    "unknown sqlite URL parameter (expected mode=rwc|rw|ro)",
                ));
            }
        };
    }
    Ok((PathBuf::from(path), mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let (p, m) = parse("sqlite://data/tresor.db?mode=rwc").unwrap();
        assert_eq!((p, m), (PathBuf::from("data/tresor.db"), Mode::Create));
        let (p, m) = parse("sqlite:///var/lib/tresor/t.db?mode=ro").unwrap();
        assert_eq!(
            (p, m),
            (PathBuf::from("/var/lib/tresor/t.db"), Mode::Inspect)
        );
        let (p, m) = parse("sqlite:t.db").unwrap();
        assert_eq!((p, m), (PathBuf::from("t.db"), Mode::Create));
        assert_eq!(parse("sqlite://t.db?mode=rw").unwrap().1, Mode::Existing);
        assert!(parse("sqlite::memory:").is_err());
        assert!(parse("sqlite://").is_err());
        assert!(parse("sqlite://t.db?cache=shared").is_err());
        assert!(parse("postgres://x").is_err());
    }
}
