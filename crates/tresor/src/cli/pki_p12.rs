//! `tresor cert pkcs12 ID --out FILE`: exports a certificate, its chain and
//! its exportable key as PKCS#12. The password is read from a file or the
//! `TRESOR_PKCS12_PASSWORD` environment variable, never from the command
//! line (other users could see it in the process list).

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::json;
use zeroize::Zeroizing;

use crate::client::Client;
use crate::exit::{CliError, Exit};

/// The variable holding the password when no `--password-file` is given.
pub const PASSWORD_ENV: &str = "TRESOR_PKCS12_PASSWORD";

fn password(file: Option<&Path>) -> Result<Zeroizing<String>, CliError> {
    let text = match file {
        Some(p) => Zeroizing::new(
            std::fs::read_to_string(p)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", p.display())))?,
        ),
        None => Zeroizing::new(std::env::var(PASSWORD_ENV).map_err(|_| {
            CliError::usage(format!(
                "give the password with --password-file FILE or {PASSWORD_ENV}"
            ))
        })?),
    };
    Ok(Zeroizing::new(
        text.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

/// Runs `tresor cert pkcs12`.
pub async fn run(
    c: &Client,
    id: &str,
    out: &PathBuf,
    password_file: Option<&Path>,
) -> Result<(), CliError> {
    let pw = password(password_file)?;
    let body = json!({ "password": pw.as_str() });
    let resp = c
        .send(
            Method::POST,
            &["v1", "certificates", id, "pkcs12"],
            &[],
            Some(&body),
        )
        .await?;
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| CliError::new(Exit::Server, format!("reading the response: {e}")))?;
    std::fs::write(out, &bytes)
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", out.display())))?;
    eprintln!("PKCS#12 written to {}", out.display());
    Ok(())
}
