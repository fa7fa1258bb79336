//! The REST client the CLI commands share: base URL, bearer token, tenant
//! header, custom CA; and the mapping from HTTP failures to exit codes.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde_json::Value;
use tresor_api::ErrorResponse;

use crate::exit::{CliError, Exit};

/// Where and as whom to connect.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    pub addr: String,
    pub token: Option<String>,
    pub tenant: Option<String>,
    pub ca_file: Option<std::path::PathBuf>,
}

/// A configured REST client.
pub struct Client {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
    tenant: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client (TLS via rustls; `ca_file` adds a trusted CA).
    pub fn new(opts: &ClientOptions) -> Result<Self, CliError> {
        let base = Url::parse(opts.addr.trim_end_matches('/'))
            .map_err(|e| CliError::usage(format!("invalid server address {:?}: {e}", opts.addr)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(CliError::usage(format!(
                "invalid server address {:?}: expected http://HOST:PORT or https://HOST:PORT",
                opts.addr
            )));
        }
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("tresor-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &opts.ca_file {
            builder = builder.add_root_certificate(load_ca(ca)?);
        }
        let http = builder
            .build()
            .map_err(|e| CliError::other(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            token: opts.token.clone().filter(|t| !t.is_empty()),
            tenant: opts.tenant.clone().filter(|t| !t.is_empty()),
        })
    }

    /// The base URL joined with path segments (each percent-encoded).
    pub fn url(&self, segments: &[&str]) -> Result<Url, CliError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| CliError::usage("the server address cannot take a path"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Sends a request; any non-2xx status becomes a [`CliError`].
    pub async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<reqwest::Response, CliError> {
        let url = self.url(segments)?;
        let mut req = self.http.request(method, url.clone());
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(tenant) = &self.tenant {
            req = req.header("X-Tresor-Tenant", tenant);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| transport_error(&url, &e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(http_error(resp).await)
    }

    /// Sends a request and parses the JSON answer.
    pub async fn json(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, CliError> {
        let resp = self.send(method, segments, query, body).await?;
        let accepted = resp.status() == StatusCode::ACCEPTED;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| CliError::new(Exit::Server, format!("reading the response: {e}")))?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            CliError::new(Exit::Server, format!("the server sent invalid JSON: {e}"))
        })?;
        if accepted && let Some(id) = value["approval_request"].as_str() {
            return Err(CliError::new(
                Exit::Pending,
                format!(
                    "approval required: request {id} is pending until {}; approvers run \
                     `tresor approval approve {id}`, then collect the result with \
                     `tresor approval get {id}`",
                    value["expires_at"].as_str().unwrap_or("?")
                ),
            ));
        }
        Ok(value)
    }

    /// GET returning JSON.
    pub async fn get(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Value, CliError> {
        self.json(Method::GET, segments, query, None).await
    }

    /// POST a JSON body, returning JSON.
    pub async fn post(&self, segments: &[&str], body: &Value) -> Result<Value, CliError> {
        self.json(Method::POST, segments, &[], Some(body)).await
    }
}

fn load_ca(path: &Path) -> Result<reqwest::Certificate, CliError> {
    let pem = std::fs::read(path)
        .map_err(|e| CliError::usage(format!("cannot read CA file {}: {e}", path.display())))?;
    reqwest::Certificate::from_pem(&pem)
        .map_err(|e| CliError::usage(format!("CA file {}: {e}", path.display())))
}

fn transport_error(url: &Url, e: &reqwest::Error) -> CliError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    // The error chain explains TLS problems (unknown CA, name mismatch).
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or_default();
    CliError::new(
        Exit::Server,
        format!("{what} to {}://{host}:{port}: {detail}", url.scheme()),
    )
}

/// The exit code for an HTTP status.
pub fn exit_for_status(status: StatusCode) -> Exit {
    match status.as_u16() {
        404 => Exit::NotFound,
        401 | 403 => Exit::Auth,
        400 | 409 | 413 | 415 | 422 => Exit::Invalid,
        500..=599 => Exit::Server,
        _ => Exit::Other,
    }
}

async fn http_error(resp: reqwest::Response) -> CliError {
    let status = resp.status();
    let header_id = resp
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.bytes().await.unwrap_or_default();
    let exit = exit_for_status(status);
    match serde_json::from_slice::<ErrorResponse>(&body) {
        Ok(e) => CliError::server(
            exit,
            status,
            e.error.code,
            e.error.message,
            Some(e.error.request_id),
        ),
        Err(_) => CliError::server(
            exit,
            status,
            status
                .canonical_reason()
                .unwrap_or("error")
                .to_lowercase()
                .replace(' ', "_"),
            format!("HTTP {status}"),
            header_id,
        ),
    }
}
