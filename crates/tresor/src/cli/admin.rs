//! `tresor tenant ...` and `tresor api-key ...`.

use clap::Subcommand;
use reqwest::Method;
use serde_json::json;
use tresor_api::{
    ApiKeyListResponse, ApiKeyResponse, CreatedApiKeyResponse, TenantListResponse, TenantResponse,
};

use crate::client::Client;
use crate::exit::CliError;
use crate::output::{Output, fields, opt, table};

#[derive(Debug, Subcommand)]
pub enum TenantCmd {
    /// Create a tenant (lowercase slug, e.g. payments-prod).
    Create {
        id: String,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List tenants.
    List,
    /// Show a tenant.
    Show { id: String },
    /// A tenant's crypto policy (allowed algorithms, sizes, hardware, key age).
    #[command(subcommand)]
    CryptoPolicy(super::crypto_policy::CryptoPolicyCmd),
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCmd {
    /// Create an API key in the current tenant; prints its token once.
    Create {
        #[arg(long)]
        name: String,
        /// admin, user or readonly.
        #[arg(long)]
        role: String,
        /// Also a platform admin (only a platform admin may grant this).
        #[arg(long)]
        platform_admin: bool,
        /// Expiry, RFC 3339 (e.g. 2030-01-01T00:00:00Z).
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// List the tenant's API keys.
    List,
    /// Revoke an API key.
    Revoke { id: String },
}

fn tenant_table(tenants: &[TenantResponse]) {
    let rows: Vec<Vec<String>> = tenants
        .iter()
        .map(|t| vec![t.id.clone(), t.display_name.clone(), t.created_at.clone()])
        .collect();
    table(&["ID", "NAME", "CREATED"], &rows);
}

/// Runs a tenant command.
pub async fn run_tenant(cmd: TenantCmd, c: &Client, out: Output) -> Result<(), CliError> {
    match cmd {
        TenantCmd::Create { id, display_name } => {
            let mut body = json!({ "id": id });
            if let Some(n) = display_name {
                body["display_name"] = json!(n);
            }
            let v = c.post(&["v1", "tenants"], &body).await?;
            out.emit(&v, |t: TenantResponse| tenant_table(&[t]))
        }
        TenantCmd::List => {
            let v = c.get(&["v1", "tenants"], &[]).await?;
            out.emit(&v, |r: TenantListResponse| tenant_table(&r.tenants))
        }
        TenantCmd::Show { id } => {
            let v = c.get(&["v1", "tenants", &id], &[]).await?;
            out.emit(&v, |t: TenantResponse| tenant_table(&[t]))
        }
        TenantCmd::CryptoPolicy(cmd) => super::crypto_policy::run(cmd, c, out).await,
    }
}

fn api_key_table(keys: &[ApiKeyResponse]) {
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            let role = if k.platform_admin {
                format!("{}+platform-admin", k.role)
            } else {
                k.role.clone()
            };
            vec![
                k.id.clone(),
                k.name.clone(),
                role,
                format!("{}…", k.token_prefix),
                k.created_at.clone(),
                opt(&k.expires_at),
                opt(&k.revoked_at),
            ]
        })
        .collect();
    table(
        &[
            "ID", "NAME", "ROLE", "TOKEN", "CREATED", "EXPIRES", "REVOKED",
        ],
        &rows,
    );
}

/// Runs an API key command.
pub async fn run_api_key(cmd: ApiKeyCmd, c: &Client, out: Output) -> Result<(), CliError> {
    match cmd {
        ApiKeyCmd::Create {
            name,
            role,
            platform_admin,
            expires_at,
        } => {
            let mut body = json!({ "name": name, "role": role });
            if platform_admin {
                body["platform_admin"] = json!(true);
            }
            if let Some(e) = expires_at {
                body["expires_at"] = json!(e);
            }
            let v = c.post(&["v1", "api-keys"], &body).await?;
            out.emit(&v, |r: CreatedApiKeyResponse| {
                fields(&[
                    ("id", r.api_key.id),
                    ("tenant", r.api_key.tenant),
                    ("name", r.api_key.name),
                    ("role", r.api_key.role),
                    ("token", r.token),
                ]);
                eprintln!("The token is shown only now: store it safely.");
            })
        }
        ApiKeyCmd::List => {
            let v = c.get(&["v1", "api-keys"], &[]).await?;
            out.emit(&v, |r: ApiKeyListResponse| api_key_table(&r.api_keys))
        }
        ApiKeyCmd::Revoke { id } => {
            let v = c
                .json(Method::DELETE, &["v1", "api-keys", &id], &[], None)
                .await?;
            out.emit(&v, |k: ApiKeyResponse| api_key_table(&[k]))
        }
    }
}
