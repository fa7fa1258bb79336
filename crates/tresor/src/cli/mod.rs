//! The command line: global options, the command tree, and dispatch.

pub mod admin;
pub mod alert;
pub mod approval;
mod approval_sign;
pub mod audit;
pub mod crypto;
pub mod crypto_policy;
pub mod db;
pub mod discovery;
mod evidence;
mod key_view;
pub mod keys;
pub mod pki;
mod pki_p12;
pub mod reports;
pub mod secret;
pub mod user;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::client::{Client, ClientOptions};
use crate::exit::CliError;
use crate::output::Output;
use crate::serve::ServeArgs;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  usage or other error
  2  not found (HTTP 404)
  3  authentication or permission denied (HTTP 401/403)
  4  invalid input or conflict (HTTP 400/409/413/415)
  5  server error or unavailable (HTTP 5xx, connection failure)
  6  audit chain verification failed
  7  signature/MAC verification returned valid: false

Environment: TRESOR_ADDR, TRESOR_TOKEN, TRESOR_TENANT, TRESOR_CA_FILE (client);
TRESOR_PASSWORD (login), TRESOR_NEW_PASSWORD (user create, user reset-password);
TRESOR_CONFIG and TRESOR_<KEY> for every config key (serve).";

/// Tresor: a self-hosted key management service, and its command-line client.
#[derive(Debug, Parser)]
#[command(name = "tresor", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every client command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Server URL.
    #[arg(
        long,
        global = true,
        env = "TRESOR_ADDR",
        default_value = "http://127.0.0.1:8095"
    )]
    pub addr: String,
    /// API token (bearer).
    #[arg(long, global = true, env = "TRESOR_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Tenant to act in (sent as X-Tresor-Tenant; default: the token's).
    #[arg(long, global = true, env = "TRESOR_TENANT")]
    pub tenant: Option<String>,
    /// Extra CA certificate (PEM) to trust for https:// servers.
    #[arg(long, global = true, env = "TRESOR_CA_FILE", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Print the server's raw JSON response.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Manage keys and use them (encrypt, sign, ...).
    #[command(subcommand)]
    Key(keys::KeyCmd),
    /// Manage tenants (platform admins).
    #[command(subcommand)]
    Tenant(admin::TenantCmd),
    /// Manage API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(admin::ApiKeyCmd),
    /// Read and verify the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Run the server's self-tests (known-answer, consistency and provider
    /// round-trip tests); exit 5 when one fails.
    #[command(name = "self-test")]
    SelfTest,
    /// Database schema (migrate, status) and moving a deployment (copy).
    #[command(subcommand)]
    Db(db::DbCmd),
    /// The tenant's cryptographic inventory (table, JSON, CSV or CycloneDX CBOM).
    Inventory(reports::InventoryArgs),
    /// Compliance report: findings, score, recommended actions.
    #[command(subcommand)]
    Compliance(reports::ComplianceCmd),
    /// Post-quantum readiness and migration plan.
    #[command(subcommand)]
    Pqc(reports::PqcCmd),
    /// Scan TLS endpoints and read past scans.
    #[command(subcommand)]
    Discovery(discovery::DiscoveryCmd),
    /// List and acknowledge alerts.
    #[command(subcommand)]
    Alert(alert::AlertCmd),
    /// Certificate authorities: create, sign CSRs, issue, CRLs.
    #[command(subcommand)]
    Ca(pki::CaCmd),
    /// Certificates: CSRs, self-signed, store, export, import, revoke, expiry.
    #[command(subcommand)]
    Cert(pki::CertCmd),
    /// Stored secrets: put, get, list, delete.
    #[command(subcommand)]
    Secret(secret::SecretCmd),
    /// Dual control: your approval tasks, approving or denying a request,
    /// and collecting an approved request's result.
    #[command(subcommand)]
    Approval(approval::ApprovalCmd),
    /// Local user accounts and their roles (see docs/people.md).
    #[command(subcommand)]
    User(user::UserCmd),
    /// Sessions of people: list and revoke.
    #[command(subcommand)]
    Session(user::SessionCmd),
    /// Sign in as a user and print the session token on stdout, for use as
    /// TRESOR_TOKEN: `export TRESOR_TOKEN=$(tresor login --user NAME
    /// --password-file F)`. The password comes from --password-file or the
    /// TRESOR_PASSWORD environment variable.
    Login(user::LoginArgs),
    /// End the session of the token in use (a token from `tresor login`).
    Logout,
}

impl GlobalArgs {
    /// A client for these options.
    pub fn client(&self) -> Result<Client, CliError> {
        Client::new(&ClientOptions {
            addr: self.addr.clone(),
            token: self.token.clone(),
            tenant: self.tenant.clone(),
            ca_file: self.ca_file.clone(),
        })
    }

    /// The output mode.
    pub fn output(&self) -> Output {
        Output { json: self.json }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let out = cli.global.output();
    match cli.command {
        Command::Serve(args) => crate::serve::run(args).await,
        Command::Key(cmd) => keys::run(cmd, &cli.global.client()?, out).await,
        Command::Tenant(cmd) => admin::run_tenant(cmd, &cli.global.client()?, out).await,
        Command::ApiKey(cmd) => admin::run_api_key(cmd, &cli.global.client()?, out).await,
        Command::Audit(cmd) => audit::run(cmd, &cli.global, out).await,
        Command::SelfTest => evidence::self_test(&cli.global, out).await,
        Command::Db(cmd) => db::run(cmd, out).await,
        Command::Inventory(a) => reports::inventory(&cli.global, out, a).await,
        Command::Compliance(cmd) => reports::compliance(&cli.global, out, cmd).await,
        Command::Pqc(cmd) => reports::pqc(&cli.global, out, cmd).await,
        Command::Discovery(cmd) => discovery::run(cmd, &cli.global, out).await,
        Command::Alert(cmd) => alert::run(cmd, &cli.global.client()?, out).await,
        Command::Ca(cmd) => pki::run_ca(cmd, &cli.global.client()?, out).await,
        Command::Cert(cmd) => pki::run_cert(cmd, &cli.global.client()?, out).await,
        Command::Secret(cmd) => secret::run(cmd, &cli.global.client()?, out).await,
        Command::Approval(cmd) => approval::run(cmd, &cli.global.client()?, out).await,
        Command::User(cmd) => user::run_user(cmd, &cli.global.client()?, out).await,
        Command::Session(cmd) => user::run_session(cmd, &cli.global, out).await,
        Command::Login(a) => user::login(a, &cli.global, out).await,
        Command::Logout => user::logout(&cli.global).await,
    }
}

/// Parses `k=v` pairs (tags, encryption context).
pub fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}
