//! `tresor audit list` and `tresor audit verify` (online through the REST
//! API, or offline on a data directory's database, read-only); the
//! evidence subcommands (export, checkpoints, keys) are in `evidence`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Subcommand;
use serde_json::json;
use tresor_api::{AuditListResponse, AuditVerifyResponse};
use tresor_core::Store;
use tresor_store::SqliteStore;

use super::GlobalArgs;
use crate::exit::{CliError, Exit};
use crate::output::{Output, fields, opt, print_json, table};

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// List audit records of the tenant, newest first.
    List {
        #[arg(long)]
        principal: Option<String>,
        /// e.g. key.create, key.encrypt.
        #[arg(long)]
        action: Option<String>,
        /// Object id (a key id, ...).
        #[arg(long)]
        object: Option<String>,
        /// success, denied or failed.
        #[arg(long)]
        outcome: Option<String>,
        /// RFC 3339 lower bound.
        #[arg(long)]
        since: Option<String>,
        /// RFC 3339 upper bound.
        #[arg(long)]
        until: Option<String>,
        /// Only records older than this sequence number (paging).
        #[arg(long)]
        before: Option<u64>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Recompute the hash chain and check it against the signed checkpoints
    /// (exit 6 when broken). With --data-dir, reads a (stopped or running)
    /// server's SQLite database directly, read-only; with --offline, an
    /// exported file, without any server.
    Verify {
        /// Verify offline: the server's data directory.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["database_url", "offline"])]
        data_dir: Option<PathBuf>,
        /// Verify offline: the database URL (sqlite://PATH).
        #[arg(long, value_name = "URL", conflicts_with = "offline")]
        database_url: Option<String>,
        /// Verify an export made by `tresor audit export` (JSONL).
        #[arg(long, value_name = "FILE")]
        offline: Option<PathBuf>,
        /// Trusted audit public key(s), PEM (from `tresor audit keys`);
        /// repeatable. Without one, the keys inside the export are used.
        #[arg(long, value_name = "PEMFILE", requires = "offline")]
        public_key: Vec<PathBuf>,
    },
    /// Export the audit log as JSON lines (records, then signed checkpoints
    /// and the audit public keys) for archiving and offline verification.
    /// Platform admins.
    Export {
        /// RFC 3339: only records from this time on.
        #[arg(long)]
        since: Option<String>,
        /// Only records after this sequence number.
        #[arg(long)]
        after: Option<u64>,
        /// Write to FILE instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Sign a checkpoint of the audit chain now (tenant admins; --global:
    /// platform admins).
    Checkpoint {
        /// Sign with the global audit key.
        #[arg(long)]
        global: bool,
    },
    /// List the signed checkpoints of the tenant and the global ones.
    Checkpoints {
        /// Only checkpoints after this sequence number (paging).
        #[arg(long)]
        after: Option<u64>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Print (or save with --out) the audit public keys as PEM.
    Keys {
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Runs an audit command.
pub async fn run(cmd: AuditCmd, global: &GlobalArgs, out: Output) -> Result<(), CliError> {
    match cmd {
        AuditCmd::List {
            principal,
            action,
            object,
            outcome,
            since,
            until,
            before,
            limit,
        } => {
            let mut q: Vec<(&str, String)> = Vec::new();
            for (k, v) in [
                ("principal", principal),
                ("action", action),
                ("object", object),
                ("outcome", outcome),
                ("since", since),
                ("until", until),
                ("before", before.map(|b| b.to_string())),
                ("limit", limit.map(|l| l.to_string())),
            ] {
                if let Some(v) = v {
                    q.push((k, v));
                }
            }
            let v = global.client()?.get(&["v1", "audit"], &q).await?;
            out.emit(&v, |r: AuditListResponse| {
                let rows: Vec<Vec<String>> = r
                    .records
                    .iter()
                    .map(|a| {
                        vec![
                            a.seq.to_string(),
                            a.time.clone(),
                            a.principal.clone(),
                            a.action.clone(),
                            opt(&a.object),
                            a.outcome.clone(),
                            opt(&a.error_code),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "SEQ",
                        "TIME",
                        "PRINCIPAL",
                        "ACTION",
                        "OBJECT",
                        "OUTCOME",
                        "ERROR",
                    ],
                    &rows,
                );
                if let Some(next) = r.next_cursor {
                    eprintln!("older records: --before {next}");
                }
            })
        }
        AuditCmd::Export { since, after, out } => {
            super::evidence::export(global, since, after, out).await
        }
        AuditCmd::Checkpoint { global: all } => super::evidence::checkpoint(global, out, all).await,
        AuditCmd::Checkpoints { after, limit } => {
            super::evidence::list(global, out, after, limit).await
        }
        AuditCmd::Keys { out: file } => super::evidence::keys(global, out, file).await,
        AuditCmd::Verify {
            offline: Some(file),
            public_key,
            ..
        } => super::evidence::verify_offline(&file, &public_key, out),
        AuditCmd::Verify {
            data_dir,
            database_url,
            ..
        } => {
            let report = match (data_dir, database_url) {
                (None, None) => {
                    let v = global
                        .client()?
                        .post(&["v1", "audit", "verify"], &json!({}))
                        .await?;
                    if out.json {
                        print_json(&v);
                    }
                    crate::output::parse::<AuditVerifyResponse>(&v)?
                }
                (dir, url) => {
                    let r = verify_offline(dir, url).await?;
                    if out.json {
                        print_json(&serde_json::to_value(&r).unwrap_or_default());
                    }
                    r
                }
            };
            finish_verify(out, &report)
        }
    }
}

fn finish_verify(out: Output, r: &AuditVerifyResponse) -> Result<(), CliError> {
    if !out.json {
        fields(&[
            ("status", if r.ok { "ok".into() } else { "BROKEN".into() }),
            ("records verified", r.verified.to_string()),
            ("head", r.head.clone()),
            (
                "checkpoints verified",
                r.checkpoints.map(|c| c.to_string()).unwrap_or_default(),
            ),
            (
                "first bad record",
                r.first_bad_seq.map(|s| s.to_string()).unwrap_or_default(),
            ),
            ("error", r.error.clone().unwrap_or_default()),
        ]);
    }
    if r.ok {
        Ok(())
    } else {
        let seq = r
            .first_bad_seq
            .map(|s| format!(" at record {s}"))
            .unwrap_or_default();
        Err(CliError::new(
            Exit::AuditBroken,
            format!("audit chain verification failed{seq}"),
        ))
    }
}

/// Opens the database read-only and recomputes the chain.
async fn verify_offline(
    data_dir: Option<PathBuf>,
    url: Option<String>,
) -> Result<AuditVerifyResponse, CliError> {
    let path = match (&url, &data_dir) {
        (Some(u), _) => PathBuf::from(
            u.strip_prefix("sqlite://")
                .or_else(|| u.strip_prefix("sqlite:"))
                .map(|p| p.split('?').next().unwrap_or(p))
                .ok_or_else(|| CliError::usage("offline verify supports sqlite:// URLs only"))?,
        ),
        (None, Some(dir)) => dir.join("tresor.db"),
        (None, None) => return Err(CliError::usage("give --data-dir or --database-url")),
    };
    if !path.is_file() {
        return Err(CliError::new(
            Exit::NotFound,
            format!("no database at {}", path.display()),
        ));
    }
    let sqlite = SqliteStore::open_read_only(&path)
        .await
        .map_err(|e| CliError::other(format!("cannot open {} read-only: {e}", path.display())))?;
    let sqlite = Arc::new(sqlite);
    let store: Arc<dyn Store> = sqlite.clone();
    let report = tresor_service::verify_store_chain(&store).await;
    sqlite.close().await;
    let report = report.map_err(|e| CliError::other(format!("reading the audit log: {e}")))?;
    Ok(AuditVerifyResponse {
        ok: report.ok(),
        verified: report.verified,
        head: report.head,
        checkpoints: Some(report.checkpoints),
        first_bad_seq: report.error.as_ref().map(|e| e.seq()),
        error: report.error.map(|e| e.to_string()),
    })
}
