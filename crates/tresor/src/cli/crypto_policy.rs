//! `tresor tenant crypto-policy get|set`: a tenant's crypto policy
//! (`/v1/tenants/{id}/crypto-policy`).

use std::path::PathBuf;

use clap::Subcommand;
use reqwest::Method;
use serde_json::Value;
use tresor_api::CryptoPolicyResponse;

use crate::client::Client;
use crate::exit::CliError;
use crate::output::{Output, fields, opt};

#[derive(Debug, Subcommand)]
pub enum CryptoPolicyCmd {
    /// Show a tenant's crypto policy.
    Get { tenant: String },
    /// Set (replace) a tenant's crypto policy from a JSON file (`-`: stdin),
    /// e.g. {"mode": "enforce", "min_rsa_bits": 3072}.
    Set {
        tenant: String,
        #[arg(long)]
        file: PathBuf,
    },
}

fn show(r: CryptoPolicyResponse) {
    let p = r.policy;
    let bits = |b: Option<u32>| opt(&b.map(|b| b.to_string()));
    fields(&[
        ("tenant", r.tenant),
        ("mode", p.mode),
        ("allowed", p.allowed_algorithms.join(", ")),
        ("forbidden", p.forbidden_algorithms.join(", ")),
        ("min_rsa_bits", bits(p.min_rsa_bits)),
        ("min_ec_bits", bits(p.min_ec_bits)),
        ("min_symmetric_bits", bits(p.min_symmetric_bits)),
        ("require_hardware", p.require_hardware.to_string()),
        ("hardware", p.hardware_algorithms.join(", ")),
        ("max_key_age_days", bits(p.max_key_age_days)),
        ("updated", r.updated_at),
    ]);
}

/// Runs a `tenant crypto-policy` command.
pub async fn run(cmd: CryptoPolicyCmd, c: &Client, out: Output) -> Result<(), CliError> {
    match cmd {
        CryptoPolicyCmd::Get { tenant } => {
            let v = c
                .get(&["v1", "tenants", &tenant, "crypto-policy"], &[])
                .await?;
            out.emit(&v, show)
        }
        CryptoPolicyCmd::Set { tenant, file } => {
            let raw = if file.as_os_str() == "-" {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
                    .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
                buf
            } else {
                crate::exit::read_file(&file)?
            };
            let body: Value = serde_json::from_slice(&raw)
                .map_err(|e| CliError::usage(format!("the policy is not JSON: {e}")))?;
            let v = c
                .json(
                    Method::PUT,
                    &["v1", "tenants", &tenant, "crypto-policy"],
                    &[],
                    Some(&body),
                )
                .await?;
            out.emit(&v, show)
        }
    }
}
