//! Audit evidence and self-tests on the command line: signed checkpoints
//! (`tresor audit checkpoint|checkpoints|keys`), the JSONL export
//! (`tresor audit export`), offline verification of an export
//! (`tresor audit verify --offline FILE --public-key PEM`), and
//! `tresor self-test`.

use std::io::Write;
use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::{Value, json};
use tresor_api::{AuditKeysResponse, CheckpointListResponse, CheckpointResponse, SelfTestResponse};
use tresor_service::export_verify::{ExportReport, parse_public_keys, verify_export_file};

use super::GlobalArgs;
use crate::exit::{CliError, Exit, read_file};
use crate::output::{Output, fields, opt, print_json, table};

/// `tresor audit checkpoint [--global]`: signs one now.
pub async fn checkpoint(global: &GlobalArgs, out: Output, all: bool) -> Result<(), CliError> {
    let v = global
        .client()?
        .post(&["v1", "audit", "checkpoints"], &json!({ "global": all }))
        .await?;
    out.emit(&v, |c: CheckpointResponse| print_checkpoint(&c))
}

fn print_checkpoint(c: &CheckpointResponse) {
    fields(&[
        ("seq", c.seq.to_string()),
        ("hash", c.hash.clone()),
        ("time", c.time.clone()),
        ("tenant", opt(&c.tenant)),
        ("key", format!("{} v{}", c.key_id, c.key_version)),
        ("algorithm", c.algorithm.clone()),
    ]);
}

/// `tresor audit checkpoints`: the tenant's and the global ones.
pub async fn list(
    global: &GlobalArgs,
    out: Output,
    after: Option<u64>,
    limit: Option<u32>,
) -> Result<(), CliError> {
    let mut q = Vec::new();
    if let Some(a) = after {
        q.push(("after", a.to_string()));
    }
    if let Some(l) = limit {
        q.push(("limit", l.to_string()));
    }
    let v = global
        .client()?
        .get(&["v1", "audit", "checkpoints"], &q)
        .await?;
    out.emit(&v, |r: CheckpointListResponse| {
        let rows: Vec<Vec<String>> = r
            .checkpoints
            .iter()
            .map(|c| {
                vec![
                    c.seq.to_string(),
                    c.time.clone(),
                    c.tenant.clone().unwrap_or_else(|| "(global)".into()),
                    c.algorithm.clone(),
                    c.hash.clone(),
                ]
            })
            .collect();
        table(&["SEQ", "TIME", "TENANT", "ALGORITHM", "HASH"], &rows);
        if let Some(next) = r.next_cursor {
            eprintln!("more: --after {next}");
        }
    })
}

/// `tresor audit keys [--out FILE]`: the audit public keys (PEM).
pub async fn keys(global: &GlobalArgs, out: Output, file: Option<PathBuf>) -> Result<(), CliError> {
    let v = global.client()?.get(&["v1", "audit", "keys"], &[]).await?;
    let r: AuditKeysResponse = crate::output::parse(&v)?;
    let pems: String = r.keys.iter().map(|k| k.public_key_pem.clone()).collect();
    if let Some(path) = file {
        crate::exit::write_file(&path, pems.as_bytes())?;
    }
    if out.json {
        print_json(&v);
    } else {
        for k in &r.keys {
            let scope = k.tenant.clone().unwrap_or_else(|| "global".into());
            println!(
                "# {scope}: key {} v{} ({})",
                k.key_id, k.version, k.algorithm
            );
            print!("{}", k.public_key_pem);
        }
    }
    Ok(())
}

/// `tresor audit export`: streams the JSONL export to a file or stdout.
pub async fn export(
    global: &GlobalArgs,
    since: Option<String>,
    after: Option<u64>,
    file: Option<PathBuf>,
) -> Result<(), CliError> {
    let mut q = Vec::new();
    if let Some(s) = since {
        q.push(("since", s));
    }
    if let Some(a) = after {
        q.push(("after", a.to_string()));
    }
    let mut resp = global
        .client()?
        .send(Method::GET, &["v1", "audit", "export"], &q, None)
        .await?;
    let mut sink: Box<dyn Write> = match &file {
        Some(p) => Box::new(
            std::fs::File::create(p)
                .map_err(|e| CliError::other(format!("cannot create {}: {e}", p.display())))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let write_err = |e: std::io::Error| CliError::other(format!("writing the export: {e}"));
    let mut lines = 0usize;
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| CliError::new(Exit::Server, format!("the export was cut short: {e}")))?
    {
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        sink.write_all(&chunk).map_err(write_err)?;
    }
    sink.flush().map_err(write_err)?;
    if let Some(p) = file {
        eprintln!("wrote {lines} lines to {}", p.display());
    }
    Ok(())
}

/// `tresor audit verify --offline FILE [--public-key PEM]...`.
pub fn verify_offline(file: &Path, keys: &[PathBuf], out: Output) -> Result<(), CliError> {
    let mut trusted = Vec::new();
    for k in keys {
        let text = String::from_utf8(read_file(k)?)
            .map_err(|_| CliError::usage(format!("{}: not a PEM file", k.display())))?;
        trusted.extend(
            parse_public_keys(&text)
                .map_err(|e| CliError::usage(format!("{}: {e}", k.display())))?,
        );
    }
    let r = verify_export_file(file, &trusted)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
    report(&r, out)
}

fn report(r: &ExportReport, out: Output) -> Result<(), CliError> {
    if out.json {
        print_json(&json!({
            "ok": r.ok(),
            "verified": r.records,
            "first_seq": r.first_seq,
            "head": r.head,
            "checkpoints": r.checkpoints,
            "checkpoints_outside": r.checkpoints_outside,
            "keys_from_export": r.keys_from_export,
            "first_bad_seq": r.error.as_ref().and_then(|e| e.seq()),
            "error": r.error.as_ref().map(ToString::to_string),
        }));
    } else {
        fields(&[
            ("status", if r.ok() { "ok".into() } else { "BROKEN".into() }),
            ("records verified", r.records.to_string()),
            (
                "first record",
                r.first_seq.map(|s| s.to_string()).unwrap_or_default(),
            ),
            ("head", r.head.clone()),
            ("checkpoints verified", r.checkpoints.to_string()),
            (
                "first bad record",
                r.error
                    .as_ref()
                    .and_then(|e| e.seq())
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            ),
            (
                "error",
                r.error
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ),
        ]);
    }
    if r.keys_from_export {
        eprintln!(
            "warning: no --public-key given: checkpoint signatures were checked with the keys \
             inside the export, which shows integrity but not who signed"
        );
    }
    if r.first_seq.is_some_and(|s| s > 1) {
        eprintln!(
            "note: a partial export (from record {}): earlier records are not covered",
            r.first_seq.unwrap_or_default()
        );
    }
    match &r.error {
        None => Ok(()),
        Some(e) => Err(CliError::new(
            Exit::AuditBroken,
            format!("audit export verification failed: {e}"),
        )),
    }
}

/// `tresor self-test`: every self-test on the server (exit 5 on a failure).
pub async fn self_test(global: &GlobalArgs, out: Output) -> Result<(), CliError> {
    let v: Value = global.client()?.get(&["v1", "self-test"], &[]).await?;
    let r: SelfTestResponse = crate::output::parse(&v)?;
    if out.json {
        print_json(&v);
    } else {
        let rows: Vec<Vec<String>> = r
            .results
            .iter()
            .map(|t| {
                vec![
                    if t.ok { "ok" } else { "FAILED" }.to_owned(),
                    t.name.clone(),
                    opt(&t.error),
                ]
            })
            .collect();
        table(&["RESULT", "TEST", "ERROR"], &rows);
    }
    if r.ok {
        Ok(())
    } else {
        let failed: Vec<&str> = r
            .results
            .iter()
            .filter(|t| !t.ok)
            .map(|t| t.name.as_str())
            .collect();
        Err(CliError::new(
            Exit::Server,
            format!("self-test failed: {}", failed.join(", ")),
        ))
    }
}
