//! The inventory as CSV (RFC 4180), safe to open in a spreadsheet: cells
//! that a spreadsheet would run as a formula are prefixed with `'`.

use super::inventory::Inventory;

/// Column headers, in order.
pub const HEADER: [&str; 19] = [
    "kind",
    "id",
    "name",
    "algorithm",
    "size_bits",
    "provider",
    "provider_kind",
    "hardware_backed",
    "state",
    "origin",
    "created_at",
    "last_rotated_at",
    "age_days",
    "primary_version",
    "rotation_period_days",
    "operations",
    "exportable",
    "quantum_vulnerable",
    "tags",
];

/// One CSV cell: formula-guarded, quoted when needed.
pub fn cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Renders the inventory, CRLF line ends, header first.
pub fn render(inv: &Inventory) -> String {
    let mut out = String::new();
    push_row(&mut out, HEADER.iter().map(|h| (*h).to_owned()));
    for i in &inv.items {
        let ops: Vec<&str> = i.operations.iter().map(|o| o.as_str()).collect();
        let tags: Vec<String> = i.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        push_row(
            &mut out,
            [
                i.kind.as_str().to_owned(),
                i.id.clone(),
                i.name.clone().unwrap_or_default(),
                i.algorithm.as_str().to_owned(),
                i.size_bits.to_string(),
                i.provider.clone(),
                i.provider_kind.to_owned(),
                i.hardware_backed.to_string(),
                i.state.as_str().to_owned(),
                i.origin.to_owned(),
                i.created_at.to_rfc3339(),
                i.last_rotated_at.to_rfc3339(),
                i.age_days.to_string(),
                i.primary_version.to_string(),
                i.rotation_period_days
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                ops.join(" "),
                i.exportable.to_string(),
                i.quantum_vulnerable.to_string(),
                tags.join(";"),
            ],
        );
    }
    for e in &inv.endpoints {
        let r = &e.result;
        let leaf = r.chain.first();
        let get =
            |f: fn(&tresor_core::discovery::CertInfo) -> String| leaf.map(f).unwrap_or_default();
        push_row(
            &mut out,
            [
                "endpoint".to_owned(),
                format!("{}:{}", r.host, r.port),
                get(|c| c.subject.clone()),
                get(|c| format!("{}-{}", c.key_type, c.key_bits)),
                get(|c| c.key_bits.to_string()),
                String::new(),
                String::new(),
                String::new(),
                if e.findings.is_empty() {
                    "ok".to_owned()
                } else {
                    e.findings.join(" ")
                },
                "discovered".to_owned(),
                get(|c| c.not_before.to_rfc3339()),
                get(|c| c.not_before.to_rfc3339()),
                leaf.map(|c| super::days_between(c.not_before, inv.generated_at).to_string())
                    .unwrap_or_default(),
                String::new(),
                String::new(),
                r.tls_versions.join(" "),
                String::new(),
                e.quantum_vulnerable.to_string(),
                get(|c| format!("not_after={}", c.not_after.to_rfc3339())),
            ],
        );
    }
    for c in &inv.certificates {
        let s = &c.stored;
        let i = &s.info;
        push_row(
            &mut out,
            [
                "certificate".to_owned(),
                s.id.clone(),
                i.subject.clone(),
                format!("{}-{}", i.key_type, i.key_bits),
                i.key_bits.to_string(),
                s.ca.clone().unwrap_or_default(),
                String::new(),
                String::new(),
                if c.findings.is_empty() {
                    "ok".to_owned()
                } else {
                    c.findings.join(" ")
                },
                s.origin.clone(),
                i.not_before.to_rfc3339(),
                i.not_before.to_rfc3339(),
                super::days_between(i.not_before, inv.generated_at).to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                c.quantum_vulnerable.to_string(),
                format!("not_after={}", i.not_after.to_rfc3339()),
            ],
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let row: Vec<String> = cells.into_iter().map(|c| cell(&c)).collect();
    out.push_str(&row.join(","));
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_defused_and_quotes_escaped() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
    }
}
