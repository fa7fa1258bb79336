//! `tresor alert list|ack`: alerts that need attention, and acknowledging
//! them (the server evaluates the rules; see docs/alerts.md).

use clap::Subcommand;
use serde_json::json;
use tresor_api::{AlertListResponse, AlertResponse};

use crate::client::Client;
use crate::exit::CliError;
use crate::output::{Output, fields, opt, table};

#[derive(Debug, Subcommand)]
pub enum AlertCmd {
    /// List active alerts (open or acknowledged), newest first.
    List {
        /// Include cleared alerts.
        #[arg(long)]
        all: bool,
        /// At most this many (1-1000).
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Acknowledge an open alert (tenant admins; platform admins for
    /// deployment-wide alerts).
    Ack {
        /// The alert id.
        id: String,
    },
}

/// Runs an alert command.
pub async fn run(cmd: AlertCmd, client: &Client, out: Output) -> Result<(), CliError> {
    match cmd {
        AlertCmd::List { all, limit } => {
            let state = if all { "all" } else { "active" };
            let v = client
                .get(
                    &["v1", "alerts"],
                    &[("state", state.to_owned()), ("limit", limit.to_string())],
                )
                .await?;
            out.emit(&v, |r: AlertListResponse| {
                let rows: Vec<Vec<String>> = r
                    .alerts
                    .iter()
                    .map(|a| {
                        vec![
                            a.id.clone(),
                            a.state.clone(),
                            a.severity.clone(),
                            a.rule.clone(),
                            a.tenant.clone().unwrap_or_else(|| "-".into()),
                            a.subject.clone(),
                            a.opened_at.clone(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ID", "STATE", "SEVERITY", "RULE", "TENANT", "SUBJECT", "OPENED",
                    ],
                    &rows,
                );
            })
        }
        AlertCmd::Ack { id } => {
            let v = client
                .post(&["v1", "alerts", &id, "ack"], &json!({}))
                .await?;
            out.emit(&v, |a: AlertResponse| {
                fields(&[
                    ("id", a.id.clone()),
                    ("state", a.state.clone()),
                    ("rule", a.rule.clone()),
                    ("subject", a.subject.clone()),
                    ("message", a.message.clone()),
                    ("acknowledged_by", opt(&a.acknowledged_by)),
                ]);
            })
        }
    }
}
