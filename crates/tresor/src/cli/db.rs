//! `tresor db migrate|status|copy`: schema management and moving a
//! deployment between databases, run directly against a database URL (no
//! server involved).

use clap::Subcommand;
use serde_json::json;
use tresor_store::{CopyError, StoreOptions};

use crate::exit::{CliError, Exit};
use crate::output::{Output, fields, print_json};

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Apply pending schema migrations (servers also do this on start).
    Migrate {
        /// sqlite://PATH, postgres://… or mysql://… (mariadb://…).
        #[arg(long, value_name = "URL", env = "TRESOR_DATABASE_URL")]
        database_url: String,
    },
    /// Show the applied and the newest known schema version; changes nothing.
    Status {
        #[arg(long, value_name = "URL", env = "TRESOR_DATABASE_URL")]
        database_url: String,
    },
    /// Copy a whole deployment (keys, credentials, provider blobs and the
    /// audit chain, record by record) into a new, empty database. Stop the
    /// servers first; serve the copy with the same root key.
    Copy {
        /// Source database URL.
        #[arg(long, value_name = "URL")]
        from: String,
        /// Target database URL (must be empty; created and migrated).
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

/// Runs a `tresor db` command.
pub async fn run(cmd: DbCmd, out: Output) -> Result<(), CliError> {
    let opts = StoreOptions::default();
    match cmd {
        DbCmd::Migrate { database_url } => {
            tresor_store::migrate(&database_url, &opts)
                .await
                .map_err(|e| CliError::other(format!("migrate: {}", chain(&e))))?;
            let (applied, _) = status(&database_url, &opts).await?;
            report(out, &[("schema version", applied.to_string())]);
            Ok(())
        }
        DbCmd::Status { database_url } => {
            let (applied, latest) = status(&database_url, &opts).await?;
            let state = match applied.cmp(&latest) {
                std::cmp::Ordering::Equal => "up to date".to_owned(),
                std::cmp::Ordering::Less => format!("{} migration(s) pending", latest - applied),
                std::cmp::Ordering::Greater => "newer than this tresor".to_owned(),
            };
            report(
                out,
                &[
                    ("applied", applied.to_string()),
                    ("latest", latest.to_string()),
                    ("state", state),
                ],
            );
            if applied > latest {
                return Err(CliError::other(
                    "the database was migrated by a newer Tresor; upgrade this binary",
                ));
            }
            Ok(())
        }
        DbCmd::Copy { from, to } => copy(&from, &to, &opts, out).await,
    }
}

async fn status(url: &str, opts: &StoreOptions) -> Result<(i64, i64), CliError> {
    tresor_store::schema_status(url, opts)
        .await
        .map_err(|e| CliError::other(format!("status: {}", chain(&e))))
}

async fn copy(from: &str, to: &str, opts: &StoreOptions, out: Output) -> Result<(), CliError> {
    if from == to {
        return Err(CliError::usage("--from and --to name the same database"));
    }
    let source = tresor_store::open(from, opts)
        .await
        .map_err(|e| CliError::other(format!("source: {}", chain(&e))))?;
    let target = tresor_store::open(to, opts)
        .await
        .map_err(|e| CliError::other(format!("target: {}", chain(&e))))?;
    let r = tresor_store::copy(source.as_ref(), target.as_ref())
        .await
        .map_err(|e| match e {
            CopyError::TargetNotEmpty => CliError::new(Exit::Invalid, e.to_string()),
            e => CliError::other(format!("copy: {}", chain(&e))),
        })?;
    report(
        out,
        &[
            ("tenants", r.tenants.to_string()),
            ("keys", r.keys.to_string()),
            ("versions", r.versions.to_string()),
            ("api keys", r.api_keys.to_string()),
            ("cert principals", r.cert_principals.to_string()),
            ("discovery scans", r.discovery_scans.to_string()),
            ("certificates", r.certificates.to_string()),
            ("cas", r.cas.to_string()),
            ("secrets", r.secrets.to_string()),
            ("secret objects", r.secret_objects.to_string()),
            ("provider blobs", r.provider_blobs.to_string()),
            ("audit records", r.audit_records.to_string()),
        ],
    );
    Ok(())
}

/// Prints `pairs` as fields, or as one JSON object with `--json`.
fn report(out: Output, pairs: &[(&str, String)]) {
    if out.json {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| (k.replace(' ', "_"), json!(v)))
            .collect();
        print_json(&serde_json::Value::Object(map));
    } else {
        fields(pairs);
    }
}

/// An error and its sources, `: `-separated (store errors keep the URL's
/// credentials out of their messages).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
