//! `tresor key ...`: creating, listing, updating and the lifecycle of keys.
//! The cryptographic operations live in [`super::crypto`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Map, Value, json};
use tresor_api::KeyListResponse;

use super::crypto::{self, CryptoCmd};
use super::key_view::{key_table, show_key};
use super::parse_pair;
use crate::client::Client;
use crate::exit::{CliError, read_file};
use crate::output::{Output, parse, print_json};

#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Create a key.
    Create(CreateArgs),
    /// List keys (one page, or --all).
    List(ListArgs),
    /// Show a key and its versions (KEY is an id or alias:NAME).
    Show { key: String },
    /// A key's dual-control policy (M-of-N approvals).
    #[command(subcommand)]
    Policy(super::approval::PolicyCmd),
    /// Change a key's alias, description, tags, operations or rotation.
    Update(UpdateArgs),
    /// Create a new primary version.
    Rotate { key: String },
    /// Activate a pre-active key or resume a suspended one.
    Enable { key: String },
    /// Suspend a key (reversible).
    Disable { key: String },
    /// Deactivate a key for good (decrypt/verify only afterwards).
    Revoke {
        key: String,
        /// unspecified, key-compromise, ca-compromise, affiliation-changed,
        /// superseded, cessation-of-operation, privilege-withdrawn.
        #[arg(long)]
        reason: String,
        #[arg(long)]
        message: Option<String>,
    },
    /// Schedule crypto-shredding after a pending window.
    ScheduleDestroy {
        key: String,
        /// Pending window in days (7 to 30; default 30).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Cancel a scheduled destroy.
    CancelDestroy { key: String },
    /// Destroy a key's material now (irreversible).
    Destroy { key: String },
    /// Import key material (raw symmetric bytes or PKCS#8 DER).
    Import(ImportArgs),
    #[command(flatten)]
    Crypto(CryptoCmd),
}

/// Options shared by create and import.
#[derive(Debug, Args)]
pub struct KeyOptions {
    #[arg(long)]
    pub alias: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// Allowed operation (repeat): encrypt, decrypt, sign, verify, mac, ...
    #[arg(long = "op", value_name = "OP")]
    pub ops: Vec<String>,
    /// Tag (repeat).
    #[arg(long = "tag", value_name = "K=V", value_parser = parse_pair)]
    pub tags: Vec<(String, String)>,
    /// Allow the key to be wrapped out (exported).
    #[arg(long)]
    pub exportable: bool,
    /// Publish the public key in the tenant's JWKS.
    #[arg(long)]
    pub publish_jwk: bool,
    /// Automatic rotation period: 90d, 12h, 30m, 3600s or seconds.
    #[arg(long, value_name = "PERIOD")]
    pub rotation_period: Option<String>,
    /// Provider id (default: the server's default).
    #[arg(long)]
    pub provider: Option<String>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// e.g. aes-256-gcm, hmac-sha256, rsa-3072, ec-p256, ed25519, ml-dsa-65.
    #[arg(long)]
    pub algorithm: String,
    #[command(flatten)]
    pub opts: KeyOptions,
    /// Create the key pre-active (enable it later).
    #[arg(long)]
    pub inactive: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(long)]
    pub algorithm: String,
    /// File with the material (raw bytes or PKCS#8 DER).
    #[arg(long, value_name = "FILE")]
    pub material_file: PathBuf,
    /// The file holds material wrapped to the tenant's wrapping key
    /// (GET /v1/wrapping-key: RSA-OAEP-SHA-256 + AES-KWP).
    #[arg(long)]
    pub wrapped: bool,
    #[command(flatten)]
    pub opts: KeyOptions,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub alias_prefix: Option<String>,
    #[arg(long)]
    pub algorithm: Option<String>,
    /// pre-active, active, suspended, deactivated, compromised, destroyed, ...
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long, value_name = "K=V", value_parser = parse_pair)]
    pub tag: Option<(String, String)>,
    /// Page size (1 to 1000).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Follow every page.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    pub key: String,
    #[arg(long, conflicts_with = "clear_alias")]
    pub alias: Option<String>,
    /// Remove the alias.
    #[arg(long)]
    pub clear_alias: bool,
    #[arg(long)]
    pub description: Option<String>,
    /// Replace all tags (repeat).
    #[arg(long = "tag", value_name = "K=V", value_parser = parse_pair)]
    pub tags: Vec<(String, String)>,
    /// Replace the allowed operations (repeat).
    #[arg(long = "op", value_name = "OP")]
    pub ops: Vec<String>,
    #[arg(long, conflicts_with = "clear_rotation")]
    pub rotation_period: Option<String>,
    /// Turn automatic rotation off.
    #[arg(long)]
    pub clear_rotation: bool,
    #[arg(long, value_name = "BOOL")]
    pub publish_jwk: Option<bool>,
    #[arg(long, value_name = "BOOL")]
    pub exportable: Option<bool>,
}

/// Runs a key command.
pub async fn run(cmd: KeyCmd, c: &Client, out: Output) -> Result<(), CliError> {
    let empty = json!({});
    match cmd {
        KeyCmd::Policy(p) => super::approval::run_policy(p, c).await,
        KeyCmd::Create(a) => {
            let mut body = key_options(&a.opts);
            body.insert("algorithm".into(), json!(a.algorithm));
            if a.inactive {
                body.insert("activate".into(), json!(false));
            }
            let v = c.post(&["v1", "keys"], &Value::Object(body)).await?;
            out.emit(&v, show_key)
        }
        KeyCmd::Import(a) => {
            let material = read_file(&a.material_file)?;
            let mut body = key_options(&a.opts);
            body.insert("algorithm".into(), json!(a.algorithm));
            let field = if a.wrapped {
                "wrapped_material"
            } else {
                "material"
            };
            body.insert(field.into(), json!(tresor_api::B64(material).encode()));
            let v = c
                .post(&["v1", "keys", "import"], &Value::Object(body))
                .await?;
            out.emit(&v, show_key)
        }
        KeyCmd::List(a) => list(c, out, a).await,
        KeyCmd::Show { key } => {
            let v = c.get(&["v1", "keys", &key], &[]).await?;
            out.emit(&v, show_key)
        }
        KeyCmd::Update(a) => {
            let v = c
                .json(
                    Method::PATCH,
                    &["v1", "keys", &a.key],
                    &[],
                    Some(&update_body(&a)),
                )
                .await?;
            out.emit(&v, show_key)
        }
        KeyCmd::Rotate { key } => action(c, out, &key, "rotate", &empty).await,
        KeyCmd::Enable { key } => action(c, out, &key, "enable", &empty).await,
        KeyCmd::Disable { key } => action(c, out, &key, "disable", &empty).await,
        KeyCmd::Revoke {
            key,
            reason,
            message,
        } => {
            let body = json!({ "reason": reason, "message": message });
            action(c, out, &key, "revoke", &drop_nulls(body)).await
        }
        KeyCmd::ScheduleDestroy { key, days } => {
            let body = drop_nulls(json!({ "pending_days": days }));
            action(c, out, &key, "schedule-destroy", &body).await
        }
        KeyCmd::CancelDestroy { key } => action(c, out, &key, "cancel-destroy", &empty).await,
        KeyCmd::Destroy { key } => action(c, out, &key, "destroy", &empty).await,
        KeyCmd::Crypto(cmd) => crypto::run(cmd, c, out).await,
    }
}

async fn action(
    c: &Client,
    out: Output,
    key: &str,
    verb: &str,
    body: &Value,
) -> Result<(), CliError> {
    let v = c.post(&["v1", "keys", key, verb], body).await?;
    out.emit(&v, show_key)
}

fn key_options(o: &KeyOptions) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.to_owned(), v);
        }
    };
    put("alias", json!(o.alias));
    put("description", json!(o.description));
    if !o.ops.is_empty() {
        put("operations", json!(o.ops));
    }
    if !o.tags.is_empty() {
        put(
            "tags",
            json!(o.tags.iter().cloned().collect::<BTreeMap<_, _>>()),
        );
    }
    if o.exportable {
        put("exportable", json!(true));
    }
    if o.publish_jwk {
        put("publish_jwk", json!(true));
    }
    put("rotation_period", json!(o.rotation_period));
    put("provider", json!(o.provider));
    m
}

fn update_body(a: &UpdateArgs) -> Value {
    let mut m = Map::new();
    if a.clear_alias {
        m.insert("alias".into(), Value::Null);
    } else if let Some(alias) = &a.alias {
        m.insert("alias".into(), json!(alias));
    }
    if a.clear_rotation {
        m.insert("rotation_period".into(), Value::Null);
    } else if let Some(p) = &a.rotation_period {
        m.insert("rotation_period".into(), json!(p));
    }
    if let Some(d) = &a.description {
        m.insert("description".into(), json!(d));
    }
    if !a.tags.is_empty() {
        let tags: BTreeMap<_, _> = a.tags.iter().cloned().collect();
        m.insert("tags".into(), json!(tags));
    }
    if !a.ops.is_empty() {
        m.insert("operations".into(), json!(a.ops));
    }
    if let Some(b) = a.publish_jwk {
        m.insert("publish_jwk".into(), json!(b));
    }
    if let Some(b) = a.exportable {
        m.insert("exportable".into(), json!(b));
    }
    Value::Object(m)
}

/// Removes top-level `null` members.
fn drop_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}

async fn list(c: &Client, out: Output, a: ListArgs) -> Result<(), CliError> {
    let mut query: Vec<(&str, String)> = Vec::new();
    let mut push = |k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            query.push((k, v));
        }
    };
    push("alias_prefix", a.alias_prefix);
    push("algorithm", a.algorithm);
    push("state", a.state);
    push("tag", a.tag.map(|(k, v)| format!("{k}:{v}")));
    push("limit", a.limit.map(|l| l.to_string()));
    let mut keys: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = query.clone();
        if let Some(cur) = &cursor {
            q.push(("cursor", cur.clone()));
        }
        let v = c.get(&["v1", "keys"], &q).await?;
        if !a.all {
            return out.emit(&v, |r: KeyListResponse| key_table(&r.keys, r.next_cursor));
        }
        let page: KeyListResponse = parse(&v)?;
        if let Some(arr) = v.get("keys").and_then(Value::as_array) {
            keys.extend(arr.iter().cloned());
        }
        match page.next_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => break,
        }
    }
    let all = json!({ "keys": keys });
    if out.json {
        print_json(&all);
        return Ok(());
    }
    let parsed: KeyListResponse = parse(&all)?;
    key_table(&parsed.keys, None);
    Ok(())
}
