//! How keys look on a terminal: the listing table and the detail view.

use tresor_api::KeyResponse;

use crate::output::{fields, opt, table};

/// The key listing; a hint on stderr when more pages exist.
pub fn key_table(keys: &[KeyResponse], next: Option<String>) {
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                k.id.clone(),
                opt(&k.alias),
                k.algorithm.clone(),
                k.state.clone(),
                k.primary_version.to_string(),
                k.created_at.clone(),
            ]
        })
        .collect();
    table(
        &["ID", "ALIAS", "ALGORITHM", "STATE", "VERSION", "CREATED"],
        &rows,
    );
    if let Some(next) = next {
        eprintln!("more keys: --all, or the API with cursor={next}");
    }
}

/// Prints one key.
pub fn show_key(k: KeyResponse) {
    let tags = k
        .tags
        .iter()
        .map(|(a, b)| format!("{a}={b}"))
        .collect::<Vec<_>>()
        .join(", ");
    fields(&[
        ("id", k.id),
        ("alias", k.alias.unwrap_or_default()),
        ("tenant", k.tenant),
        ("algorithm", k.algorithm),
        ("state", k.state),
        ("operations", k.operations.join(", ")),
        ("primary version", k.primary_version.to_string()),
        ("description", k.description),
        ("tags", tags),
        ("origin", k.origin),
        ("provider", k.provider),
        ("exportable", k.exportable.to_string()),
        ("publish jwk", k.publish_jwk.to_string()),
        (
            "rotation period",
            k.rotation_period_seconds
                .map(|s| format!("{s}s"))
                .unwrap_or_default(),
        ),
        ("next rotation", k.next_rotation_at.unwrap_or_default()),
        ("destroy at", k.destroy_at.unwrap_or_default()),
        ("revocation", k.revocation_reason.unwrap_or_default()),
        ("created", k.created_at),
        ("updated", k.updated_at),
        ("destroyed", k.destroyed_at.unwrap_or_default()),
    ]);
    if let Some(versions) = k.versions {
        println!();
        let rows: Vec<Vec<String>> = versions
            .into_iter()
            .map(|v| vec![v.version.to_string(), v.state, v.created_at])
            .collect();
        table(&["VERSION", "STATE", "CREATED"], &rows);
    }
}
