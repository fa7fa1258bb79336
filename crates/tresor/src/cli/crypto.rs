//! `tresor key encrypt|decrypt|sign|verify|mac|mac-verify|datakey|public`:
//! using keys. Binary values travel as base64; decrypt writes raw bytes.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};
use tresor_api::{
    B64, DataKeyResponse, DecryptResponse, EncryptResponse, MacResponse, SignResponse,
    VerifyResponse,
};

use super::parse_pair;
use crate::client::Client;
use crate::exit::{CliError, Exit, write_file};
use crate::output::{Output, fields, parse, print_json};

#[derive(Debug, Subcommand)]
pub enum CryptoCmd {
    /// Encrypt; prints the base64 ciphertext.
    Encrypt {
        key: String,
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        ctx: Context,
    },
    /// Decrypt; writes the raw plaintext to stdout or --out. KEY is optional
    /// (the ciphertext names its key).
    Decrypt {
        key: Option<String>,
        /// Base64 ciphertext.
        #[arg(long, conflicts_with = "input", required_unless_present = "input")]
        ciphertext: Option<String>,
        /// File with the base64 ciphertext ("-": stdin).
        #[arg(long = "in", value_name = "FILE")]
        input: Option<PathBuf>,
        #[command(flatten)]
        ctx: Context,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Sign a message or a digest; prints the base64 signature.
    Sign {
        key: String,
        #[command(flatten)]
        msg: SignInput,
    },
    /// Verify a signature (exit 7 when invalid).
    Verify {
        key: String,
        #[command(flatten)]
        msg: SignInput,
        /// Base64 signature.
        #[arg(long)]
        signature: String,
    },
    /// Compute a MAC; prints it in base64.
    Mac {
        key: String,
        #[command(flatten)]
        input: MessageInput,
    },
    /// Verify a MAC (exit 7 when invalid).
    MacVerify {
        key: String,
        #[command(flatten)]
        input: MessageInput,
        /// Base64 MAC.
        #[arg(long)]
        mac: String,
    },
    /// Generate a data key encrypted under KEY.
    Datakey {
        key: String,
        /// 16 or 32.
        #[arg(long, default_value_t = 32)]
        bytes: usize,
        /// Return only the encrypted data key.
        #[arg(long)]
        no_plaintext: bool,
        #[command(flatten)]
        ctx: Context,
    },
    /// Fetch the public key of an asymmetric key.
    Public {
        key: String,
        #[arg(long, default_value = "pem", value_parser = ["pem", "der", "jwk"])]
        format: String,
        /// Version (default: primary).
        #[arg(long)]
        version: Option<u32>,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Plaintext to encrypt.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Input {
    /// The plaintext as a string.
    #[arg(long)]
    pub plaintext: Option<String>,
    /// File with the plaintext ("-": stdin).
    #[arg(long = "in", value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// A message to MAC.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct MessageInput {
    #[arg(long)]
    pub message: Option<String>,
    /// File with the message ("-": stdin).
    #[arg(long = "in", value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// A message or digest to sign or verify.
#[derive(Debug, Args)]
pub struct SignInput {
    #[arg(long, group = "data", required_unless_present_any = ["input", "digest"])]
    pub message: Option<String>,
    /// File with the message ("-": stdin).
    #[arg(long = "in", value_name = "FILE", group = "data")]
    pub input: Option<PathBuf>,
    /// A precomputed digest, in hex.
    #[arg(long, value_name = "HEX", group = "data")]
    pub digest: Option<String>,
    /// RSA scheme: pss-sha256 (default), pss-sha384, pss-sha512, pkcs1-sha256, ...
    #[arg(long)]
    pub scheme: Option<String>,
    /// ECDSA: raw r||s signature instead of DER.
    #[arg(long)]
    pub raw: bool,
}

/// Additional authenticated data and encryption context.
#[derive(Debug, Args)]
pub struct Context {
    /// Additional authenticated data (a string; needed again to decrypt).
    #[arg(long)]
    pub aad: Option<String>,
    /// Encryption context entry (repeat; must match to decrypt).
    #[arg(long = "context", value_name = "K=V", value_parser = parse_pair)]
    pub context: Vec<(String, String)>,
}

impl Context {
    fn apply(&self, body: &mut Value) {
        if let Some(aad) = &self.aad {
            body["aad"] = json!(B64(aad.as_bytes().to_vec()).encode());
        }
        if !self.context.is_empty() {
            let map: BTreeMap<_, _> = self.context.iter().cloned().collect();
            body["context"] = json!(map);
        }
    }
}

fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        return Ok(buf);
    }
    crate::exit::read_file(path)
}

fn bytes_of(text: &Option<String>, file: &Option<PathBuf>) -> Result<Vec<u8>, CliError> {
    match (text, file) {
        (Some(t), _) => Ok(t.as_bytes().to_vec()),
        (None, Some(f)) => read_input(f),
        (None, None) => Err(CliError::usage("no input given")),
    }
}

fn b64(bytes: Vec<u8>) -> Value {
    json!(B64(bytes).encode())
}

fn decode_b64(what: &str, s: &str) -> Result<Value, CliError> {
    B64::decode(s)
        .map(|b| json!(b.encode()))
        .map_err(|_| CliError::new(Exit::Other, format!("--{what} is not valid base64")))
}

fn write_out(out: &Option<PathBuf>, data: &[u8]) -> Result<(), CliError> {
    match out {
        Some(path) => write_file(path, data),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(data)
                .and_then(|()| stdout.flush())
                .map_err(|e| CliError::other(format!("cannot write to stdout: {e}")))
        }
    }
}

fn sign_body(m: &SignInput) -> Result<Value, CliError> {
    let mut body = json!({});
    if let Some(hexd) = &m.digest {
        let d = hex::decode(hexd.trim()).map_err(|_| CliError::usage("--digest must be hex"))?;
        body["digest"] = b64(d);
    } else {
        body["message"] = b64(bytes_of(&m.message, &m.input)?);
    }
    if let Some(s) = &m.scheme {
        body["scheme"] = json!(s);
    }
    if m.raw {
        body["signature_format"] = json!("raw");
    }
    Ok(body)
}

/// Prints a verification result; `valid: false` is exit 7.
fn verdict(out: Output, v: &Value) -> Result<(), CliError> {
    let r: VerifyResponse = parse(v)?;
    if out.json {
        print_json(v);
    } else if r.valid {
        let version = r
            .key_version
            .map(|n| format!(" (version {n})"))
            .unwrap_or_default();
        println!("valid{version}");
    }
    if r.valid {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::VerifyFailed,
            "verification failed: invalid",
        ))
    }
}

/// Runs a crypto command.
pub async fn run(cmd: CryptoCmd, c: &Client, out: Output) -> Result<(), CliError> {
    match cmd {
        CryptoCmd::Encrypt { key, input, ctx } => {
            let mut body = json!({ "plaintext": b64(bytes_of(&input.plaintext, &input.input)?) });
            ctx.apply(&mut body);
            let v = c.post(&["v1", "keys", &key, "encrypt"], &body).await?;
            out.emit(&v, |r: EncryptResponse| {
                println!("{}", r.ciphertext.encode())
            })
        }
        CryptoCmd::Decrypt {
            key,
            ciphertext,
            input,
            ctx,
            out: file,
        } => {
            let text = match (&ciphertext, &input) {
                (Some(t), _) => t.clone(),
                (None, Some(f)) => String::from_utf8_lossy(&read_input(f)?).trim().to_owned(),
                (None, None) => return Err(CliError::usage("give --ciphertext or --in")),
            };
            let mut body = json!({ "ciphertext": decode_b64("ciphertext", &text)? });
            ctx.apply(&mut body);
            let v = match &key {
                Some(k) => c.post(&["v1", "keys", k, "decrypt"], &body).await?,
                None => c.post(&["v1", "decrypt"], &body).await?,
            };
            if out.json {
                print_json(&v);
                return Ok(());
            }
            let r: DecryptResponse = parse(&v)?;
            write_out(&file, r.plaintext.as_bytes())
        }
        CryptoCmd::Sign { key, msg } => {
            let v = c
                .post(&["v1", "keys", &key, "sign"], &sign_body(&msg)?)
                .await?;
            out.emit(&v, |r: SignResponse| println!("{}", r.signature.encode()))
        }
        CryptoCmd::Verify {
            key,
            msg,
            signature,
        } => {
            let mut body = sign_body(&msg)?;
            body["signature"] = decode_b64("signature", &signature)?;
            let v = c.post(&["v1", "keys", &key, "verify"], &body).await?;
            verdict(out, &v)
        }
        CryptoCmd::Mac { key, input } => {
            let body = json!({ "message": b64(bytes_of(&input.message, &input.input)?) });
            let v = c.post(&["v1", "keys", &key, "mac"], &body).await?;
            out.emit(&v, |r: MacResponse| println!("{}", r.mac.encode()))
        }
        CryptoCmd::MacVerify { key, input, mac } => {
            let body = json!({
                "message": b64(bytes_of(&input.message, &input.input)?),
                "mac": decode_b64("mac", &mac)?,
            });
            let v = c.post(&["v1", "keys", &key, "mac-verify"], &body).await?;
            verdict(out, &v)
        }
        CryptoCmd::Datakey {
            key,
            bytes,
            no_plaintext,
            ctx,
        } => {
            let mut body = json!({ "bytes": bytes });
            if no_plaintext {
                body["include_plaintext"] = json!(false);
            }
            ctx.apply(&mut body);
            let v = c.post(&["v1", "keys", &key, "datakey"], &body).await?;
            out.emit(&v, |r: DataKeyResponse| {
                fields(&[
                    ("key id", r.key_id),
                    ("key version", r.key_version.to_string()),
                    ("ciphertext", r.ciphertext.encode()),
                    (
                        "plaintext",
                        r.plaintext.map(|p| p.encode()).unwrap_or_default(),
                    ),
                ])
            })
        }
        CryptoCmd::Public {
            key,
            format,
            version,
            out: file,
        } => {
            let mut query = vec![("format", format.clone())];
            if let Some(n) = version {
                query.push(("version", n.to_string()));
            }
            let resp = c
                .send(Method::GET, &["v1", "keys", &key, "public"], &query, None)
                .await?;
            let body = resp
                .bytes()
                .await
                .map_err(|e| CliError::new(Exit::Server, format!("reading the response: {e}")))?;
            if format == "jwk" && file.is_none() {
                let v: Value = serde_json::from_slice(&body)
                    .map_err(|e| CliError::new(Exit::Server, format!("invalid JWK: {e}")))?;
                print_json(&v);
                return Ok(());
            }
            write_out(&file, &body)
        }
    }
}
