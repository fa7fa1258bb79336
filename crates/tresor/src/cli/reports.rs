//! Reports on the command line: `tresor inventory [--format json|csv|cyclonedx]
//! [--out FILE]`, `tresor compliance report [thresholds]` and
//! `tresor pqc readiness`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use reqwest::Method;
use tresor_api::{ComplianceReportResponse, InventoryResponse, PqcReadinessResponse};

use super::GlobalArgs;
use crate::exit::{CliError, Exit};
use crate::output::{Output, fields, opt, table};

/// Inventory output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    /// A table (or the raw JSON with --json).
    Json,
    /// RFC 4180 CSV.
    Csv,
    /// A CycloneDX 1.6 CBOM (JSON).
    Cyclonedx,
}

/// `tresor inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: InventoryFormat,
    /// Write the document to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `tresor compliance ...`.
#[derive(Debug, Subcommand)]
pub enum ComplianceCmd {
    /// Policy findings, a 0-100 score and recommended actions.
    Report(ComplianceArgs),
}

/// Thresholds of the compliance report.
#[derive(Debug, Args)]
pub struct ComplianceArgs {
    /// Days since the last rotation after which a key is too old.
    #[arg(long)]
    pub max_key_age_days: Option<i64>,
    /// Age in days after which an exportable key is flagged.
    #[arg(long)]
    pub exportable_max_age_days: Option<i64>,
    /// Flag every key outside a hardware-backed provider.
    #[arg(long)]
    pub require_hardware: bool,
}

/// `tresor pqc ...`.
#[derive(Debug, Subcommand)]
pub enum PqcCmd {
    /// Quantum exposure per key, readiness and a migration plan.
    Readiness,
}

/// `tresor inventory`.
pub async fn inventory(global: &GlobalArgs, out: Output, a: InventoryArgs) -> Result<(), CliError> {
    let client = global.client()?;
    if a.format == InventoryFormat::Json && a.out.is_none() {
        let v = client.get(&["v1", "inventory"], &[]).await?;
        return out.emit(&v, |r: InventoryResponse| print_inventory(&r));
    }
    let format = match a.format {
        InventoryFormat::Json => "json",
        InventoryFormat::Csv => "csv",
        InventoryFormat::Cyclonedx => "cyclonedx",
    };
    let resp = client
        .send(
            Method::GET,
            &["v1", "inventory"],
            &[("format", format.to_owned())],
            None,
        )
        .await?;
    let body = resp
        .bytes()
        .await
        .map_err(|e| CliError::new(Exit::Server, format!("reading the response: {e}")))?;
    match a.out {
        Some(path) => {
            std::fs::write(&path, &body)
                .map_err(|e| CliError::other(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("wrote {} bytes to {}", body.len(), path.display());
        }
        None => print!("{}", String::from_utf8_lossy(&body)),
    }
    Ok(())
}

fn print_inventory(r: &InventoryResponse) {
    let rows: Vec<Vec<String>> = r
        .items
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                opt(&i.name),
                i.algorithm.clone(),
                i.provider.clone(),
                i.state.clone(),
                i.age_days.to_string(),
                i.exportable.to_string(),
                if i.quantum_vulnerable { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "NAME",
            "ALGORITHM",
            "PROVIDER",
            "STATE",
            "AGE (DAYS)",
            "EXPORTABLE",
            "QUANTUM-VULNERABLE",
        ],
        &rows,
    );
    if r.truncated {
        eprintln!("truncated: the tenant holds more assets than one report lists");
    }
}

/// `tresor compliance report`.
pub async fn compliance(
    global: &GlobalArgs,
    out: Output,
    cmd: ComplianceCmd,
) -> Result<(), CliError> {
    let ComplianceCmd::Report(a) = cmd;
    let mut q = Vec::new();
    if let Some(d) = a.max_key_age_days {
        q.push(("max_key_age_days", d.to_string()));
    }
    if let Some(d) = a.exportable_max_age_days {
        q.push(("exportable_max_age_days", d.to_string()));
    }
    if a.require_hardware {
        q.push(("require_hardware", "true".to_owned()));
    }
    let v = global
        .client()?
        .get(&["v1", "compliance", "report"], &q)
        .await?;
    out.emit(&v, |r: ComplianceReportResponse| {
        fields(&[
            ("tenant", r.tenant.clone()),
            ("score", format!("{}/100", r.score)),
            (
                "keys",
                format!("{} checked, {} compliant", r.keys_checked, r.keys_compliant),
            ),
        ]);
        println!();
        let rows: Vec<Vec<String>> = r
            .findings
            .iter()
            .map(|f| {
                vec![
                    f.severity.clone(),
                    f.rule.clone(),
                    f.key_name.clone().unwrap_or_else(|| f.key_id.clone()),
                    f.message.clone(),
                ]
            })
            .collect();
        table(&["SEVERITY", "RULE", "KEY", "FINDING"], &rows);
        println!();
        for x in &r.recommendations {
            println!(
                "[{}] {} ({} keys): {}",
                x.severity, x.rule, x.keys, x.action
            );
        }
    })
}

/// `tresor pqc readiness`.
pub async fn pqc(global: &GlobalArgs, out: Output, cmd: PqcCmd) -> Result<(), CliError> {
    let PqcCmd::Readiness = cmd;
    let v = global
        .client()?
        .get(&["v1", "pqc", "readiness"], &[])
        .await?;
    out.emit(&v, |r: PqcReadinessResponse| {
        fields(&[
            ("tenant", r.tenant.clone()),
            ("readiness", format!("{}%", r.readiness_percent)),
            (
                "keys",
                format!(
                    "{} total: {} quantum-safe, {} weakened, {} vulnerable",
                    r.keys_total, r.quantum_safe, r.weakened, r.vulnerable
                ),
            ),
        ]);
        println!();
        let rows: Vec<Vec<String>> = r
            .migration_plan
            .iter()
            .map(|s| {
                vec![
                    s.priority.clone(),
                    s.key_name.clone().unwrap_or_else(|| s.key_id.clone()),
                    s.algorithm.clone(),
                    s.replacements.join(" + "),
                    if s.replacement_available { "yes" } else { "no" }.to_owned(),
                    s.action.clone(),
                ]
            })
            .collect();
        table(
            &[
                "PRIORITY",
                "KEY",
                "ALGORITHM",
                "MOVE TO",
                "AVAILABLE",
                "ACTION",
            ],
            &rows,
        );
    })
}
