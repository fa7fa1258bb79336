//! `tresor ca ...` and `tresor cert ...`: CAs, issuance, the certificate
//! store, revocation, CRLs and expiry listings, over the REST API.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};
use tresor_api::{
    CaListResponse, CaResponse, CaSummary, CertificateListResponse, CertificateResponse,
    CsrResponse, IssuedResponse,
};

use crate::client::Client;
use crate::exit::{CliError, Exit};
use crate::output::{Output, fields, opt, table};

/// Subject and alternative names.
#[derive(Debug, Args)]
pub struct Names {
    /// Subject DN, e.g. "CN=api.example.com,O=Example".
    #[arg(long)]
    subject: String,
    /// DNS name (repeatable).
    #[arg(long = "dns")]
    dns: Vec<String>,
    /// IP address (repeatable).
    #[arg(long = "ip")]
    ip: Vec<String>,
    /// Email address (repeatable).
    #[arg(long = "email")]
    email: Vec<String>,
    /// URI (repeatable).
    #[arg(long = "uri")]
    uri: Vec<String>,
}

impl Names {
    fn json(&self) -> Value {
        json!({ "subject": self.subject, "dns": self.dns, "ip": self.ip,
                "email": self.email, "uri": self.uri })
    }
}

#[derive(Debug, Subcommand)]
pub enum CaCmd {
    /// Create a root CA, or an intermediate signed by --parent.
    Create {
        name: String,
        /// rsa-2048, rsa-3072, rsa-4096, ec-p256, ec-p384, ed25519.
        #[arg(long, default_value = "ec-p256")]
        algorithm: String,
        #[arg(long)]
        subject: String,
        #[arg(long, default_value_t = 3650)]
        validity_days: u32,
        #[arg(long)]
        parent: Option<String>,
        /// Provider of the CA key (e.g. an HSM).
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        path_len: Option<u8>,
        /// DNS domain leaf certificates may name (repeatable).
        #[arg(long = "allowed-domain")]
        allowed_domains: Vec<String>,
    },
    /// List the tenant's CAs.
    List,
    /// Show a CA.
    Show { name: String },
    /// Print (or write) the CA certificate, PEM or DER.
    Certificate {
        name: String,
        #[arg(long)]
        der: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print (or write) the CA's CRL, DER (default) or PEM.
    Crl {
        name: String,
        #[arg(long)]
        pem: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Sign a CSR (PEM file) under a profile; prints the certificate and chain.
    Sign {
        name: String,
        #[arg(long)]
        csr: PathBuf,
        /// server-tls, client-tls, code-signing, email or ca.
        #[arg(long)]
        profile: String,
        #[arg(long)]
        validity_days: Option<u32>,
        /// Write certificate + chain (PEM) here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Generate a key in Tresor and issue its certificate.
    Issue {
        name: String,
        #[arg(long, default_value = "ec-p256")]
        algorithm: String,
        #[arg(long)]
        profile: String,
        #[command(flatten)]
        names: Names,
        #[arg(long)]
        validity_days: Option<u32>,
        #[arg(long)]
        provider: Option<String>,
        /// The generated key may later be exported as PKCS#12.
        #[arg(long)]
        exportable: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertCmd {
    /// A PKCS#10 request for a Tresor key (id or alias:NAME); prints PEM.
    Csr {
        key: String,
        #[command(flatten)]
        names: Names,
        /// Key usage (repeatable), e.g. digital-signature.
        #[arg(long = "key-usage")]
        key_usages: Vec<String>,
        /// Extended key usage (repeatable), e.g. server-auth.
        #[arg(long = "ext-key-usage")]
        ext_key_usages: Vec<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A self-signed certificate for a Tresor key (stored).
    SelfSign {
        key: String,
        #[command(flatten)]
        names: Names,
        #[arg(long, default_value_t = 365)]
        validity_days: u32,
        /// Mark it CA:TRUE.
        #[arg(long)]
        ca: bool,
    },
    /// List and search certificates.
    List(ListArgs),
    /// Certificates expiring within DAYS (expired ones included).
    Expiring { days: u32 },
    /// Show a certificate.
    Show { id: String },
    /// Export a certificate: pem (default), der, or chain (PEM bundle).
    Export {
        id: String,
        #[arg(long, default_value = "pem")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import certificates from a PEM file (a chain, or trust anchors).
    Import {
        file: PathBuf,
        #[arg(long)]
        trust_anchor: bool,
    },
    /// Revoke a certificate (its CA's CRL is regenerated).
    Revoke {
        id: String,
        /// e.g. key-compromise, superseded, cessation-of-operation.
        #[arg(long, default_value = "unspecified")]
        reason: String,
    },
    /// Export the certificate, its chain and its (exportable) key as
    /// PKCS#12; the password comes from --password-file or
    /// TRESOR_PKCS12_PASSWORD.
    Pkcs12 {
        id: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

/// `tresor cert list` filters.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    subject: Option<String>,
    #[arg(long)]
    san: Option<String>,
    #[arg(long)]
    serial: Option<String>,
    #[arg(long)]
    issuer: Option<String>,
    #[arg(long)]
    ca: Option<String>,
    #[arg(long)]
    expiring_within_days: Option<u32>,
    #[arg(long)]
    trust_anchors: bool,
    #[arg(long)]
    revoked: bool,
    #[arg(long)]
    limit: Option<u32>,
}

fn cert_table(certs: &[CertificateResponse]) {
    let rows: Vec<Vec<String>> = certs
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.serial.clone(),
                c.subject.clone(),
                c.not_after.clone(),
                opt(&c.ca),
                if c.revoked_at.is_some() {
                    "revoked".into()
                } else if c.trust_anchor {
                    "anchor".into()
                } else {
                    c.origin.clone()
                },
            ]
        })
        .collect();
    table(
        &["ID", "SERIAL", "SUBJECT", "NOT AFTER", "CA", "STATUS"],
        &rows,
    );
}

fn ca_table(cas: &[CaSummary]) {
    let rows: Vec<Vec<String>> = cas
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                opt(&c.parent),
                c.key_id.clone(),
                c.crl_number.to_string(),
                c.created_at.clone(),
            ]
        })
        .collect();
    table(&["NAME", "PARENT", "KEY", "CRL#", "CREATED"], &rows);
}

fn show_ca(r: CaResponse) {
    fields(&[
        ("name", r.ca.name),
        ("parent", opt(&r.ca.parent)),
        ("key", r.ca.key_id),
        ("subject", r.certificate.subject),
        ("serial", r.certificate.serial),
        ("not after", r.certificate.not_after),
        ("allowed domains", r.ca.allowed_domains.join(", ")),
        ("crl number", r.ca.crl_number.to_string()),
    ]);
}

/// Writes bytes to `out`, or text to stdout.
fn emit_bytes(bytes: &[u8], out: &Option<PathBuf>) -> Result<(), CliError> {
    match out {
        Some(p) => std::fs::write(p, bytes)
            .map_err(|e| CliError::usage(format!("cannot write {}: {e}", p.display()))),
        None => {
            match std::str::from_utf8(bytes) {
                Ok(t) => print!("{t}"),
                Err(_) => {
                    return Err(CliError::usage(
                        "binary output: pass --out FILE (or ask for PEM)",
                    ));
                }
            }
            Ok(())
        }
    }
}

async fn raw(c: &Client, segments: &[&str], query: &[(&str, String)]) -> Result<Vec<u8>, CliError> {
    let resp = c.send(Method::GET, segments, query, None).await?;
    resp.bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| CliError::new(Exit::Server, format!("reading the response: {e}")))
}

fn read(path: &PathBuf) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

fn issued(v: &Value, out: &Option<PathBuf>, o: Output) -> Result<(), CliError> {
    if o.json {
        return o.emit(v, |_: Value| {});
    }
    let r: IssuedResponse = crate::output::parse(v)?;
    if let Some(k) = &r.key_id {
        eprintln!("key: {k}");
    }
    eprintln!(
        "certificate: {} (serial {})",
        r.certificate.id, r.certificate.serial
    );
    let text = format!("{}{}", r.certificate_pem, r.chain_pem);
    emit_bytes(text.as_bytes(), out)
}

/// Runs a CA command.
pub async fn run_ca(cmd: CaCmd, c: &Client, o: Output) -> Result<(), CliError> {
    match cmd {
        CaCmd::Create {
            name,
            algorithm,
            subject,
            validity_days,
            parent,
            provider,
            path_len,
            allowed_domains,
        } => {
            let mut body = json!({ "name": name, "algorithm": algorithm, "subject": subject,
                "validity_days": validity_days, "allowed_domains": allowed_domains });
            if let Some(p) = parent {
                body["parent"] = json!(p);
            }
            if let Some(p) = provider {
                body["provider"] = json!(p);
            }
            if let Some(n) = path_len {
                body["path_len"] = json!(n);
            }
            let v = c.post(&["v1", "cas"], &body).await?;
            o.emit(&v, show_ca)
        }
        CaCmd::List => {
            let v = c.get(&["v1", "cas"], &[]).await?;
            o.emit(&v, |r: CaListResponse| ca_table(&r.cas))
        }
        CaCmd::Show { name } => {
            let v = c.get(&["v1", "cas", &name], &[]).await?;
            o.emit(&v, show_ca)
        }
        CaCmd::Certificate { name, der, out } => {
            let fmt = if der { "der" } else { "pem" };
            let b = raw(
                c,
                &["v1", "cas", &name, "certificate"],
                &[("format", fmt.into())],
            )
            .await?;
            emit_bytes(&b, &out)
        }
        CaCmd::Crl { name, pem, out } => {
            let fmt = if pem { "pem" } else { "der" };
            let b = raw(c, &["v1", "cas", &name, "crl"], &[("format", fmt.into())]).await?;
            emit_bytes(&b, &out)
        }
        CaCmd::Sign {
            name,
            csr,
            profile,
            validity_days,
            out,
        } => {
            let mut body = json!({ "csr": read(&csr)?, "profile": profile });
            if let Some(d) = validity_days {
                body["validity_days"] = json!(d);
            }
            let v = c.post(&["v1", "cas", &name, "sign"], &body).await?;
            issued(&v, &out, o)
        }
        CaCmd::Issue {
            name,
            algorithm,
            profile,
            names,
            validity_days,
            provider,
            exportable,
        } => {
            let mut body = names.json();
            body["algorithm"] = json!(algorithm);
            body["profile"] = json!(profile);
            if let Some(d) = validity_days {
                body["validity_days"] = json!(d);
            }
            if let Some(p) = provider {
                body["provider"] = json!(p);
            }
            body["exportable"] = json!(exportable);
            let v = c.post(&["v1", "cas", &name, "issue"], &body).await?;
            issued(&v, &None, o)
        }
    }
}

/// Runs a certificate command.
pub async fn run_cert(cmd: CertCmd, c: &Client, o: Output) -> Result<(), CliError> {
    match cmd {
        CertCmd::Csr {
            key,
            names,
            key_usages,
            ext_key_usages,
            out,
        } => {
            let mut body = names.json();
            body["key_usages"] = json!(key_usages);
            body["ext_key_usages"] = json!(ext_key_usages);
            let v = c.post(&["v1", "keys", &key, "csr"], &body).await?;
            if o.json {
                return o.emit(&v, |_: Value| {});
            }
            let r: CsrResponse = crate::output::parse(&v)?;
            emit_bytes(r.csr.as_bytes(), &out)
        }
        CertCmd::SelfSign {
            key,
            names,
            validity_days,
            ca,
        } => {
            let mut body = names.json();
            body["validity_days"] = json!(validity_days);
            body["is_ca"] = json!(ca);
            let v = c.post(&["v1", "keys", &key, "self-signed"], &body).await?;
            issued(&v, &None, o)
        }
        CertCmd::List(a) => {
            let mut q: Vec<(&str, String)> = Vec::new();
            for (k, v) in [
                ("subject", a.subject),
                ("san", a.san),
                ("serial", a.serial),
                ("issuer", a.issuer),
                ("ca", a.ca),
            ] {
                if let Some(v) = v {
                    q.push((k, v));
                }
            }
            if let Some(d) = a.expiring_within_days {
                q.push(("expiring_within_days", d.to_string()));
            }
            if a.trust_anchors {
                q.push(("trust_anchor", "true".into()));
            }
            if a.revoked {
                q.push(("revoked", "true".into()));
            }
            if let Some(l) = a.limit {
                q.push(("limit", l.to_string()));
            }
            let v = c.get(&["v1", "certificates"], &q).await?;
            o.emit(&v, |r: CertificateListResponse| cert_table(&r.certificates))
        }
        CertCmd::Expiring { days } => {
            let q = [("expiring_within_days", days.to_string())];
            let v = c.get(&["v1", "certificates"], &q).await?;
            o.emit(&v, |r: CertificateListResponse| cert_table(&r.certificates))
        }
        CertCmd::Show { id } => {
            let v = c.get(&["v1", "certificates", &id], &[]).await?;
            o.emit(&v, |r: IssuedResponse| {
                let x = r.certificate;
                fields(&[
                    ("id", x.id),
                    ("serial", x.serial),
                    ("subject", x.subject),
                    ("issuer", x.issuer),
                    ("sans", x.sans.join(", ")),
                    ("not before", x.not_before),
                    ("not after", x.not_after),
                    ("key", opt(&x.key_id)),
                    ("ca", opt(&x.ca)),
                    ("origin", x.origin),
                    ("revoked", opt(&x.revoked_at)),
                ]);
            })
        }
        CertCmd::Export { id, format, out } => {
            let b = raw(
                c,
                &["v1", "certificates", &id, "export"],
                &[("format", format)],
            )
            .await?;
            emit_bytes(&b, &out)
        }
        CertCmd::Import { file, trust_anchor } => {
            let body = json!({ "pem": read(&file)?, "trust_anchor": trust_anchor });
            let v = c.post(&["v1", "certificates", "import"], &body).await?;
            o.emit(&v, |r: CertificateListResponse| cert_table(&r.certificates))
        }
        CertCmd::Revoke { id, reason } => {
            let body = json!({ "reason": reason });
            let v = c
                .post(&["v1", "certificates", &id, "revoke"], &body)
                .await?;
            o.emit(&v, |r: CertificateResponse| cert_table(&[r]))
        }
        CertCmd::Pkcs12 {
            id,
            out,
            password_file,
        } => super::pki_p12::run(c, &id, &out, password_file.as_deref()).await,
    }
}
