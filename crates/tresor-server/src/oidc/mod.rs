//! OIDC: sign-in to the console with the authorization code flow and PKCE
//! ([`flow`]), and JWT bearer tokens from trusted issuers for machines.
//! This adapter fetches the provider's discovery document and JWKS, checks
//! tokens (signature, issuer, audience, expiry, nonce) and maps groups to
//! tenant roles; the service then records and audits the sign-in like any
//! other (`tresor_service::people::FederatedIdentity`).

pub mod config;
pub mod flow;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::RwLock;
use tresor_core::Role;
use tresor_service::people::FederatedIdentity;

pub use config::OidcProviderConfig;

use crate::config::ConfigError;

/// Why a token or a sign-in was refused (logged and audited; people see a
/// short message).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider could not be reached or answered badly: {0}")]
    Provider(String),
    #[error("the token is not valid: {0}")]
    Token(String),
    #[error("not allowed: {0}")]
    Denied(String),
}

/// The parts of a discovery document Tresor uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// JWKS are fetched again for an unknown key id at most this often.
const JWKS_REFRESH: Duration = Duration::from_secs(30);
/// Largest discovery, JWKS or token answer read.
const MAX_ANSWER: usize = 256 * 1024;

/// A configured provider with its cached discovery document and keys.
#[derive(Debug)]
pub struct Provider {
    pub cfg: OidcProviderConfig,
    secret: Option<String>,
    http: reqwest::Client,
    discovery: RwLock<Option<Discovery>>,
    jwks: RwLock<Option<(JwkSet, Instant)>>,
}

/// Every configured provider.
#[derive(Debug, Default)]
pub struct Oidc {
    providers: Vec<Arc<Provider>>,
    /// Public base URL, for callback URLs.
    pub public_url: Option<String>,
}

fn trim(u: &str) -> &str {
    u.trim_end_matches('/')
}

impl Oidc {
    /// Builds the providers (reading client secrets); no network yet.
    pub fn new(
        cfgs: &[OidcProviderConfig],
        public_url: Option<String>,
    ) -> Result<Self, ConfigError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError::Inconsistent(format!("OIDC HTTP client: {e}")))?;
        let mut providers = Vec::new();
        for c in cfgs {
            c.validate()?;
            if providers
                .iter()
                .any(|p: &Arc<Provider>| p.cfg.name == c.name)
            {
                return Err(ConfigError::Inconsistent(format!(
                    "[[people.oidc]]: provider name {} is used twice",
                    c.name
                )));
            }
            providers.push(Arc::new(Provider {
                cfg: c.clone(),
                secret: c.client_secret()?,
                http: http.clone(),
                discovery: RwLock::new(None),
                jwks: RwLock::new(None),
            }));
        }
        Ok(Self {
            providers,
            public_url,
        })
    }

    /// The providers, in configuration order.
    pub fn providers(&self) -> &[Arc<Provider>] {
        &self.providers
    }

    /// A provider by name.
    pub fn provider(&self, name: &str) -> Option<&Arc<Provider>> {
        self.providers.iter().find(|p| p.cfg.name == name)
    }

    /// If `token` is a JWT from a provider that accepts machine tokens,
    /// the identity it proves (or why not); `None` when no configured
    /// issuer claims it.
    pub async fn verify_bearer(&self, token: &str) -> Option<Result<FederatedIdentity, OidcError>> {
        let iss = unverified_issuer(token)?;
        let p = self
            .providers
            .iter()
            .find(|p| p.cfg.jwt_audience.is_some() && trim(&p.cfg.issuer) == trim(&iss))?;
        let aud = p.cfg.jwt_audience.clone().unwrap_or_default();
        Some(match p.validate(token, &aud, None).await {
            Ok(claims) => p.identity(&claims),
            Err(e) => Err(e),
        })
    }
}

/// Whether a bearer token looks like a JWT (three base64url parts).
pub fn looks_like_jwt(token: &str) -> bool {
    token.starts_with("eyJ") && token.split('.').count() == 3
}

/// The `iss` of a JWT, unverified (only to pick the provider).
fn unverified_issuer(token: &str) -> Option<String> {
    if !looks_like_jwt(token) || token.len() > 16 * 1024 {
        return None;
    }
    let payload = token.split('.').nth(1)?;
    let bytes = B64URL.decode(payload).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.get("iss")?.as_str().map(str::to_owned)
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, OidcError> {
    let r = http
        .get(url)
        .send()
        .await
        .map_err(|e| OidcError::Provider(format!("{url}: {e}")))?;
    if !r.status().is_success() {
        return Err(OidcError::Provider(format!("{url}: status {}", r.status())));
    }
    let bytes = r
        .bytes()
        .await
        .map_err(|e| OidcError::Provider(format!("{url}: {e}")))?;
    if bytes.len() > MAX_ANSWER {
        return Err(OidcError::Provider(format!("{url}: answer too large")));
    }
    serde_json::from_slice(&bytes).map_err(|e| OidcError::Provider(format!("{url}: {e}")))
}

/// Signature algorithms accepted (never `none` or shared-secret HMAC).
fn accepted(alg: Algorithm) -> bool {
    matches!(
        alg,
        Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512
            | Algorithm::ES256
            | Algorithm::ES384
            | Algorithm::EdDSA
    )
}

impl Provider {
    /// The discovery document (fetched once, then cached).
    pub async fn discovery(&self) -> Result<Discovery, OidcError> {
        if let Some(d) = self.discovery.read().await.clone() {
            return Ok(d);
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            trim(&self.cfg.issuer)
        );
        let d: Discovery = get_json(&self.http, &url).await?;
        if trim(&d.issuer) != trim(&self.cfg.issuer) {
            return Err(OidcError::Provider(format!(
                "discovery names issuer {} instead of {}",
                d.issuer, self.cfg.issuer
            )));
        }
        for u in [&d.authorization_endpoint, &d.token_endpoint, &d.jwks_uri] {
            if !(u.starts_with("https://") || config::is_loopback(u)) {
                return Err(OidcError::Provider(format!("endpoint {u} is not https")));
            }
        }
        *self.discovery.write().await = Some(d.clone());
        Ok(d)
    }

    /// The key `kid` (or the only key) from the JWKS, refetching the set
    /// when the key is unknown (rate-limited).
    async fn key(&self, kid: Option<&str>) -> Result<DecodingKey, OidcError> {
        let find = |set: &JwkSet| match kid {
            Some(k) => set.find(k).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        let fresh_enough = {
            let cached = self.jwks.read().await;
            if let Some((set, _)) = cached.as_ref()
                && let Some(jwk) = find(set)
            {
                return DecodingKey::from_jwk(&jwk).map_err(|e| OidcError::Token(e.to_string()));
            }
            cached
                .as_ref()
                .is_some_and(|(_, at)| at.elapsed() < JWKS_REFRESH)
        };
        if fresh_enough {
            return Err(OidcError::Token("signed by an unknown key".into()));
        }
        let d = self.discovery().await?;
        let set: JwkSet = get_json(&self.http, &d.jwks_uri).await?;
        let jwk = find(&set);
        *self.jwks.write().await = Some((set, Instant::now()));
        let jwk = jwk.ok_or_else(|| OidcError::Token("signed by an unknown key".into()))?;
        DecodingKey::from_jwk(&jwk).map_err(|e| OidcError::Token(e.to_string()))
    }

    /// Verifies a token's signature, issuer, audience, expiry (and nonce,
    /// for ID tokens); returns its claims.
    pub async fn validate(
        &self,
        token: &str,
        audience: &str,
        nonce: Option<&str>,
    ) -> Result<serde_json::Map<String, Value>, OidcError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| OidcError::Token(e.to_string()))?;
        if !accepted(header.alg) {
            return Err(OidcError::Token(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let key = self.key(header.kid.as_deref()).await?;
        let mut v = Validation::new(header.alg);
        v.set_audience(&[audience]);
        v.set_issuer(&[
            trim(&self.cfg.issuer),
            &format!("{}/", trim(&self.cfg.issuer)),
        ]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = 60;
        let data = jsonwebtoken::decode::<serde_json::Map<String, Value>>(token, &key, &v)
            .map_err(|e| OidcError::Token(e.to_string()))?;
        if let Some(n) = nonce {
            let got = data
                .claims
                .get("nonce")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !bool::from(subtle::ConstantTimeEq::ct_eq(got.as_bytes(), n.as_bytes())) {
                return Err(OidcError::Token(
                    "the nonce does not match this sign-in".into(),
                ));
            }
        }
        Ok(data.claims)
    }

    /// Maps validated claims to an identity: allowed groups, roles.
    pub fn identity(
        &self,
        c: &serde_json::Map<String, Value>,
    ) -> Result<FederatedIdentity, OidcError> {
        let cfg = &self.cfg;
        let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
        let subject = text("sub").ok_or_else(|| OidcError::Token("no subject".into()))?;
        let username = text(
            cfg.username_claim
                .as_deref()
                .unwrap_or("preferred_username"),
        )
        .or_else(|| text("email"))
        .unwrap_or_else(|| subject.clone());
        let groups: Vec<String> = match c.get(cfg.groups_claim.as_deref().unwrap_or("groups")) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        if !cfg.allowed_groups.is_empty() && !groups.iter().any(|g| cfg.allowed_groups.contains(g))
        {
            return Err(OidcError::Denied(format!(
                "{username} is in none of the groups allowed to sign in"
            )));
        }
        let mut roles: BTreeMap<String, Role> = BTreeMap::new();
        for m in &cfg.roles {
            if groups.contains(&m.group)
                && let Some(r) = Role::parse(&m.role)
            {
                let e = roles.entry(m.tenant.clone()).or_insert(r);
                *e = (*e).max(r);
            }
        }
        let platform_admin = groups.iter().any(|g| cfg.platform_admin_groups.contains(g));
        Ok(FederatedIdentity {
            provider: cfg.name.clone(),
            subject,
            username,
            display_name: text("name"),
            roles,
            platform_admin,
        })
    }

    /// Exchanges an authorization code (with the PKCE verifier) for an ID
    /// token.
    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<String, OidcError> {
        let d = self.discovery().await?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", self.cfg.client_id.as_str()),
            ("code_verifier", verifier),
        ];
        if let Some(s) = &self.secret {
            form.push(("client_secret", s.as_str()));
        }
        let r = self
            .http
            .post(&d.token_endpoint)
            .form(&form)
            .send()
            .await
            .map_err(|e| OidcError::Provider(format!("token endpoint: {e}")))?;
        let status = r.status();
        let bytes = r
            .bytes()
            .await
            .map_err(|e| OidcError::Provider(format!("token endpoint: {e}")))?;
        if !status.is_success() || bytes.len() > MAX_ANSWER {
            return Err(OidcError::Provider(format!(
                "token endpoint answered {status}"
            )));
        }
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| OidcError::Provider(e.to_string()))?;
        v.get("id_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| OidcError::Provider("no id_token in the token answer".into()))
    }
}
