//! TLS endpoint discovery on the command line: `tresor discovery scan`,
//! `tresor discovery list`, `tresor discovery show ID`.

use clap::{Args, Subcommand};
use serde_json::json;
use tresor_api::{ScanListResponse, ScanResponse};

use super::GlobalArgs;
use crate::exit::CliError;
use crate::output::{Output, fields, opt, table};

/// `tresor discovery ...`.
#[derive(Debug, Subcommand)]
pub enum DiscoveryCmd {
    /// Scan TLS endpoints (admins) and print what they present.
    Scan(ScanArgs),
    /// The tenant's scans, newest first.
    List {
        /// At most this many.
        #[arg(long)]
        limit: Option<u32>,
    },
    /// One scan with its results.
    Show {
        /// Scan id.
        id: String,
    },
    /// Stop a repeating scan.
    Unschedule {
        /// Schedule id (the id of its first run).
        schedule: String,
    },
}

/// `tresor discovery scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// `host:port`, `host`, `[v6]:port` or a CIDR range (repeatable).
    #[arg(long = "target", required = true)]
    pub targets: Vec<String>,
    /// Port for targets without one (repeatable; default 443).
    #[arg(long = "port")]
    pub ports: Vec<u16>,
    /// Endpoints probed at once (1-64).
    #[arg(long)]
    pub concurrency: Option<u16>,
    /// New connections per second (1-1000).
    #[arg(long)]
    pub rate: Option<u32>,
    /// Per-endpoint timeout in milliseconds (100-30000).
    #[arg(long)]
    pub timeout_ms: Option<u32>,
    /// Repeat the scan this many minutes after each run (a schedule).
    #[arg(long)]
    pub repeat_minutes: Option<u32>,
    /// Return at once with the running scan instead of waiting for it.
    #[arg(long)]
    pub no_wait: bool,
}

/// Runs a discovery command.
pub async fn run(cmd: DiscoveryCmd, global: &GlobalArgs, out: Output) -> Result<(), CliError> {
    let client = global.client()?;
    match cmd {
        DiscoveryCmd::Scan(a) => {
            let body = json!({
                "targets": a.targets,
                "ports": a.ports,
                "concurrency": a.concurrency,
                "rate_per_second": a.rate,
                "timeout_ms": a.timeout_ms,
                "repeat_minutes": a.repeat_minutes,
                "wait": !a.no_wait,
            });
            let v = client.post(&["v1", "discovery", "scans"], &body).await?;
            out.emit(&v, |s: ScanResponse| print_scan(&s))
        }
        DiscoveryCmd::List { limit } => {
            let q: Vec<(&str, String)> = limit
                .map(|l| ("limit", l.to_string()))
                .into_iter()
                .collect();
            let v = client.get(&["v1", "discovery", "scans"], &q).await?;
            out.emit(&v, |r: ScanListResponse| {
                let rows: Vec<Vec<String>> = r
                    .scans
                    .iter()
                    .map(|s| {
                        vec![
                            s.id.clone(),
                            s.status.clone(),
                            s.created_at.clone(),
                            s.endpoints_total.to_string(),
                            s.results.iter().filter(|e| e.tls).count().to_string(),
                            s.targets.join(" "),
                        ]
                    })
                    .collect();
                table(
                    &["ID", "STATUS", "CREATED", "ENDPOINTS", "TLS", "TARGETS"],
                    &rows,
                );
            })
        }
        DiscoveryCmd::Show { id } => {
            let v = client.get(&["v1", "discovery", "scans", &id], &[]).await?;
            out.emit(&v, |s: ScanResponse| print_scan(&s))
        }
        DiscoveryCmd::Unschedule { schedule } => {
            let v = client
                .json(
                    reqwest::Method::DELETE,
                    &["v1", "discovery", "schedules", &schedule],
                    &[],
                    None,
                )
                .await?;
            out.emit(&v, |s: ScanResponse| print_scan(&s))
        }
    }
}

fn print_scan(s: &ScanResponse) {
    fields(&[
        ("id", s.id.clone()),
        ("status", s.status.clone()),
        ("created", s.created_at.clone()),
        ("finished", opt(&s.finished_at)),
        ("endpoints", s.endpoints_total.to_string()),
        (
            "repeats",
            s.repeat_minutes
                .map(|m| format!("every {m} minutes (schedule {})", opt(&s.schedule)))
                .unwrap_or_else(|| "no".to_owned()),
        ),
    ]);
    println!();
    let rows: Vec<Vec<String>> = s
        .results
        .iter()
        .map(|e| {
            let leaf = e.chain.first();
            vec![
                format!("{}:{}", e.host, e.port),
                e.tls_versions.join(" "),
                leaf.map(|c| c.subject.clone()).unwrap_or_default(),
                leaf.map(|c| format!("{} {}", c.key_type, c.key_bits))
                    .unwrap_or_default(),
                leaf.map(|c| c.not_after.clone()).unwrap_or_default(),
                if e.findings.is_empty() {
                    "ok".to_owned()
                } else {
                    e.findings.join(",")
                },
            ]
        })
        .collect();
    table(
        &["ENDPOINT", "TLS", "SUBJECT", "KEY", "EXPIRES", "FINDINGS"],
        &rows,
    );
}
