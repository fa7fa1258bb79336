//! `tresor secret put|get|list|delete`: stored secrets over the REST API
//! (`/v1/secrets`). Payloads are read from a value, a file or stdin, and
//! written raw to stdout or a file.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};
use tresor_api::{B64, SecretListResponse, SecretPayloadResponse, SecretResponse};

use crate::client::Client;
use crate::exit::{CliError, Exit};
use crate::output::{Output, fields, opt, table};

/// Stored secrets.
#[derive(Debug, Subcommand)]
pub enum SecretCmd {
    /// Store a secret; prints its id.
    Put {
        /// The payload as text.
        #[arg(long, conflicts_with = "file")]
        value: Option<String>,
        /// A file with the payload ("-": stdin).
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        name: Option<String>,
        /// symmetric, public, private, passphrase, certificate or opaque.
        #[arg(long = "type")]
        secret_type: Option<String>,
        /// Content type of the payload, e.g. text/plain.
        #[arg(long)]
        content_type: Option<String>,
        /// RFC 3339 time after which the payload can no longer be read.
        #[arg(long)]
        expiration: Option<String>,
        /// Metadata entry KEY=VALUE (repeatable).
        #[arg(long = "meta", value_parser = parse_kv)]
        metadata: Vec<(String, String)>,
    },
    /// Print a secret's payload (raw) or, with --info, its description.
    Get {
        id: String,
        /// Only the description, not the payload.
        #[arg(long)]
        info: bool,
        /// Write the payload to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the tenant's secrets.
    List {
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "type")]
        secret_type: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
        /// The id to continue after (the previous page's `next`).
        #[arg(long)]
        after: Option<String>,
    },
    /// Delete a secret (crypto-shredded).
    Delete { id: String },
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| "expected KEY=VALUE".to_owned())
}

fn read_payload(value: Option<String>, file: Option<PathBuf>) -> Result<Vec<u8>, CliError> {
    match (value, file) {
        (Some(v), _) => Ok(v.into_bytes()),
        (None, Some(p)) if p.as_os_str() == "-" => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
            Ok(buf)
        }
        (None, Some(p)) => crate::exit::read_file(&p),
        (None, None) => Err(CliError::usage("give the payload with --value or --file")),
    }
}

fn show(r: SecretResponse) {
    fields(&[
        ("id", r.id),
        ("name", opt(&r.name)),
        ("type", r.secret_type),
        ("content type", opt(&r.content_type)),
        ("expiration", opt(&r.expiration)),
        ("created by", r.created_by),
        ("created", r.created_at),
        ("state", r.state),
    ]);
}

/// Runs a secret command.
pub async fn run(cmd: SecretCmd, c: &Client, o: Output) -> Result<(), CliError> {
    match cmd {
        SecretCmd::Put {
            value,
            file,
            name,
            secret_type,
            content_type,
            expiration,
            metadata,
        } => {
            let payload = read_payload(value, file)?;
            let meta: serde_json::Map<String, Value> =
                metadata.into_iter().map(|(k, v)| (k, json!(v))).collect();
            let body = json!({ "name": name, "secret_type": secret_type,
                "content_type": content_type, "expiration": expiration,
                "metadata": meta, "payload": B64(payload).encode() });
            let v = c.post(&["v1", "secrets"], &body).await?;
            o.emit(&v, |r: SecretResponse| println!("{}", r.id))
        }
        SecretCmd::Get { id, info, out } => {
            if info {
                let v = c.get(&["v1", "secrets", &id], &[]).await?;
                return o.emit(&v, show);
            }
            let v = c.get(&["v1", "secrets", &id, "payload"], &[]).await?;
            if o.json {
                return o.emit(&v, |_: Value| {});
            }
            let r: SecretPayloadResponse = crate::output::parse(&v)?;
            let bytes = r.payload.into_inner();
            match out {
                Some(p) => crate::exit::write_file(&p, &bytes),
                None => std::io::stdout()
                    .lock()
                    .write_all(&bytes)
                    .map_err(|e| CliError::new(Exit::Other, format!("cannot write stdout: {e}"))),
            }
        }
        SecretCmd::List {
            name,
            secret_type,
            limit,
            after,
        } => {
            let mut q = Vec::new();
            for (k, v) in [
                ("name", name),
                ("secret_type", secret_type),
                ("after", after),
            ] {
                if let Some(v) = v {
                    q.push((k, v));
                }
            }
            if let Some(l) = limit {
                q.push(("limit", l.to_string()));
            }
            let v = c.get(&["v1", "secrets"], &q).await?;
            o.emit(&v, |r: SecretListResponse| {
                let rows: Vec<Vec<String>> = r
                    .secrets
                    .into_iter()
                    .map(|s| vec![s.id, opt(&s.name), s.secret_type, s.created_at])
                    .collect();
                table(&["ID", "NAME", "TYPE", "CREATED"], &rows);
                if let Some(n) = r.next {
                    eprintln!("more: --after {n}");
                }
            })
        }
        SecretCmd::Delete { id } => {
            c.json(Method::DELETE, &["v1", "secrets", &id], &[], None)
                .await?;
            if !o.json {
                eprintln!("deleted {id}");
            }
            Ok(())
        }
    }
}
