//! `tresor approval ...` and `tresor key policy ...`: dual control from the
//! command line. An operation on a guarded key exits 8 with the request id;
//! approvers list and answer their tasks; the requester collects the result
//! with `approval get` (once). See docs/dual-control.md.

use std::path::PathBuf;

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};
use tresor_api::{ApprovalRequestResponse, ApprovalTasksResponse, B64};

use super::approval_sign::sign_challenge;

use crate::client::Client;
use crate::exit::CliError;
use crate::output::{Output, fields, opt, print_json, table};

#[derive(Debug, Subcommand)]
pub enum ApprovalCmd {
    /// Pending requests you may approve or deny.
    List,
    /// Show a request; as its requester, once approved, this runs it and
    /// prints the result (once).
    Get { id: String },
    /// Approve a request.
    Approve {
        id: String,
        /// Sign the request's challenge with this private key (PKCS#8
        /// PEM, Ed25519 or P-256), for groups that require signatures.
        #[arg(long, value_name = "KEY.pem")]
        sign_with: Option<PathBuf>,
    },
    /// Approver groups (policies name them as `group:NAME`).
    #[command(subcommand)]
    Group(GroupCmd),
    /// Register your approval-signing public key (PEM `PUBLIC KEY`, e.g.
    /// `openssl pkey -in key.pem -pubout`). Replacing one takes a tenant admin.
    RegisterKey {
        #[arg(long, value_name = "PUBLIC.pem")]
        public_key: PathBuf,
    },
    /// Deny a request (final).
    Deny { id: String },
}

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    /// The tenant's approver groups.
    List,
    /// One group.
    Get { name: String },
    /// Create or replace a group (tenant admins). A group named by a key
    /// policy can only shrink.
    Set {
        name: String,
        /// A member principal (repeat): `user:NAME`, `api-key:ID`, `cert:CN=…`.
        #[arg(long = "member", required = true)]
        members: Vec<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a group no policy names.
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// Print a key's policy as JSON.
    Get { key: String },
    /// Replace a key's policy with the JSON document in FILE (`-` for
    /// stdin). Loosening a guarded policy opens an approval request.
    Set {
        key: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Print the tenant's default policy for new keys.
    GetDefault,
    /// Set the tenant's default policy for new keys (tenant admins).
    SetDefault {
        #[arg(long)]
        file: PathBuf,
    },
}

/// Runs an approval command.
pub async fn run(cmd: ApprovalCmd, c: &Client, out: Output) -> Result<(), CliError> {
    match cmd {
        ApprovalCmd::List => {
            let v = c.get(&["v1", "approvals", "tasks"], &[]).await?;
            out.emit(&v, |r: ApprovalTasksResponse| {
                let rows: Vec<Vec<String>> = r
                    .tasks
                    .iter()
                    .map(|t| {
                        vec![
                            t.id.clone(),
                            t.operation.clone(),
                            t.key_id.clone(),
                            t.requester.clone(),
                            t.approvals.len().to_string(),
                            t.expires_at.clone(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ID",
                        "OPERATION",
                        "KEY",
                        "REQUESTER",
                        "APPROVALS",
                        "EXPIRES",
                    ],
                    &rows,
                );
            })
        }
        ApprovalCmd::Get { id } => {
            let v = c.get(&["v1", "requests", &id], &[]).await?;
            show(&v, out)
        }
        ApprovalCmd::Approve { id, sign_with } => {
            let body = match sign_with {
                None => json!({}),
                Some(file) => {
                    let v = c.get(&["v1", "requests", &id], &[]).await?;
                    let r: ApprovalRequestResponse = serde_json::from_value(v)
                        .map_err(|e| CliError::usage(format!("unexpected answer: {e}")))?;
                    let sig = sign_challenge(&file, &r.challenge.0)?;
                    json!({ "signature": B64(sig) })
                }
            };
            let v = c.post(&["v1", "approvals", &id, "approve"], &body).await?;
            show(&v, out)
        }
        ApprovalCmd::Group(cmd) => run_group(cmd, c).await,
        ApprovalCmd::RegisterKey { public_key } => {
            let pem = std::fs::read_to_string(&public_key).map_err(|e| {
                CliError::usage(format!("cannot read {}: {e}", public_key.display()))
            })?;
            c.json(
                Method::PUT,
                &["v1", "approvers", "me", "key"],
                &[],
                Some(&json!({ "public_key": pem })),
            )
            .await?;
            eprintln!("approver key registered");
            Ok(())
        }
        ApprovalCmd::Deny { id } => {
            let v = c
                .post(&["v1", "approvals", &id, "deny"], &json!({}))
                .await?;
            show(&v, out)
        }
    }
}

fn show(v: &Value, out: Output) -> Result<(), CliError> {
    out.emit(v, |r: ApprovalRequestResponse| {
        let approvals: Vec<String> = r
            .approvals
            .iter()
            .map(|a| {
                if a.signed {
                    format!("{} (signed)", a.principal)
                } else {
                    a.principal.clone()
                }
            })
            .collect();
        fields(&[
            ("id", r.id.clone()),
            ("state", r.state.clone()),
            ("operation", r.operation.clone()),
            ("key", r.key_id.clone()),
            ("requester", r.requester.clone()),
            ("approvals", approvals.join(", ")),
            ("expires_at", r.expires_at.clone()),
            ("executable_at", opt(&r.executable_at)),
            ("error", opt(&r.error)),
        ]);
        if let Some(result) = &r.result {
            println!("result:");
            print_json(result);
        }
    })
}

/// Runs a key policy command.
pub async fn run_policy(cmd: PolicyCmd, c: &Client) -> Result<(), CliError> {
    match cmd {
        PolicyCmd::Get { key } => {
            print_json(&c.get(&["v1", "keys", &key, "policy"], &[]).await?);
            Ok(())
        }
        PolicyCmd::Set { key, file } => {
            let body = read_json(&file)?;
            let v = c
                .json(
                    Method::PUT,
                    &["v1", "keys", &key, "policy"],
                    &[],
                    Some(&body),
                )
                .await?;
            print_json(&v);
            Ok(())
        }
        PolicyCmd::GetDefault => {
            print_json(&c.get(&["v1", "key-policy"], &[]).await?);
            Ok(())
        }
        PolicyCmd::SetDefault { file } => {
            let body = read_json(&file)?;
            let v = c
                .json(Method::PUT, &["v1", "key-policy"], &[], Some(&body))
                .await?;
            print_json(&v);
            Ok(())
        }
    }
}

/// A JSON document from FILE (`-`: stdin).
fn read_json(file: &std::path::Path) -> Result<Value, CliError> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(file)
    }
    .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("{}: not JSON: {e}", file.display())))
}

async fn run_group(cmd: GroupCmd, c: &Client) -> Result<(), CliError> {
    match cmd {
        GroupCmd::List => print_json(&c.get(&["v1", "approver-groups"], &[]).await?),
        GroupCmd::Get { name } => print_json(&c.get(&["v1", "approver-groups", &name], &[]).await?),
        GroupCmd::Set {
            name,
            members,
            description,
        } => {
            let body = json!({ "members": members, "description": description });
            let v = c
                .json(
                    Method::PUT,
                    &["v1", "approver-groups", &name],
                    &[],
                    Some(&body),
                )
                .await?;
            print_json(&v);
        }
        GroupCmd::Delete { name } => {
            c.json(Method::DELETE, &["v1", "approver-groups", &name], &[], None)
                .await?;
            eprintln!("approver group {name} deleted");
        }
    }
    Ok(())
}
