//! Printing answers: aligned tables and `key: value` blocks for people, the
//! server's raw JSON with `--json`.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::exit::{CliError, Exit};

/// How to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// Print the raw JSON response.
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON with `--json`, else parses it as `T` and hands
    /// it to `human`.
    pub fn emit<T: DeserializeOwned>(
        &self,
        value: &Value,
        human: impl FnOnce(T),
    ) -> Result<(), CliError> {
        if self.json {
            print_json(value);
            return Ok(());
        }
        human(parse(value)?);
        Ok(())
    }
}

/// Parses a response body into its wire type.
pub fn parse<T: DeserializeOwned>(value: &Value) -> Result<T, CliError> {
    T::deserialize(value).map_err(|e| {
        CliError::new(
            Exit::Server,
            format!("unexpected response from the server: {e}"),
        )
    })
}

/// Pretty JSON on stdout.
pub fn print_json(value: &Value) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(_) => println!("{value}"),
    }
}

/// An aligned table; the last column is not padded.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    print!("{}", render_table(headers, rows));
}

/// The table as text (one line per row, header first).
pub fn render_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len().saturating_sub(1);
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let w = widths.get(i).copied().unwrap_or(0);
                let pad = w.saturating_sub(cell.chars().count());
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push('\n');
    }
    out
}

/// `key: value` lines, keys aligned; empty values are skipped.
pub fn fields(pairs: &[(&str, String)]) {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        println!("{k:<width$}  {v}");
    }
}

/// An optional value as text (`-` when absent).
pub fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align() {
        let t = render_table(
            &["ID", "NAME"],
            &[
                vec!["1".into(), "a".into()],
                vec!["12345".into(), "b".into()],
            ],
        );
        assert_eq!(t, "ID     NAME\n1      a\n12345  b\n");
    }
}
