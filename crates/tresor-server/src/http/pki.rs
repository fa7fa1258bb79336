//! PKI routes: CSRs and self-signed certificates for keys, CAs, issuance,
//! the certificate store, revocation and CRLs. Thin adapters over `Kms`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tresor_api as api;
use tresor_core::{CaRecord, CertId, CertificateFilter, CertificateRecord};
use tresor_service::pki::{
    CaDetails, CreateCaRequest, CsrRequest, IssueRequest, Issued, NameSpec, SelfSignRequest,
    SignCsrRequest,
};
use tresor_service::{KeyRef, ServiceError};
use utoipa::IntoParams;

use super::convert::{parse_algorithm, parse_provider, ts};
use super::error::AppError;
use super::extract::{Auth, Json, Path, Query};
use crate::state::AppState;

type Res<T> = Result<Json<T>, AppError>;
type Created<T> = Result<(StatusCode, Json<T>), AppError>;

const PEM_TYPE: &str = "application/x-pem-file";
const DER_CERT_TYPE: &str = "application/pkix-cert";
const DER_CRL_TYPE: &str = "application/pkix-crl";
/// Longest expiry window in days.
const MAX_WINDOW_DAYS: u32 = 36_500;

/// `{key}`: a key id or `alias:NAME`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KeyPath {
    pub key: String,
}

/// `{ca}`: a CA name.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CaPath {
    pub ca: String,
}

/// `{id}`: a certificate id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CertPath {
    pub id: String,
}

/// `?format=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `pem`, `der` or (certificates) `chain` (the certificate and its
    /// issuers, PEM).
    pub format: Option<String>,
}

/// `GET /v1/certificates` filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CertQuery {
    /// Case-insensitive substring of the subject DN.
    pub subject: Option<String>,
    /// Case-insensitive substring of any SAN (`dns:…`, `ip:…`, ...).
    pub san: Option<String>,
    /// Exact serial, hex.
    pub serial: Option<String>,
    /// Case-insensitive substring of the issuer DN.
    pub issuer: Option<String>,
    /// Issued by this Tresor CA.
    pub ca: Option<String>,
    /// Expiring within this many days (already expired included).
    pub expiring_within_days: Option<u32>,
    pub trust_anchor: Option<bool>,
    pub revoked: Option<bool>,
    /// 1 to 1000 (default 100).
    pub limit: Option<u32>,
}

fn pem_of(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}

fn chain_pem(chain: &[Vec<u8>]) -> String {
    chain.iter().map(|d| pem_of("CERTIFICATE", d)).collect()
}

fn cert_response(c: CertificateRecord) -> api::CertificateResponse {
    api::CertificateResponse {
        pem: pem_of("CERTIFICATE", &c.der),
        id: c.id.to_string(),
        serial: c.serial,
        subject: c.subject,
        issuer: c.issuer,
        sans: c.sans,
        not_before: ts(c.not_before),
        not_after: ts(c.not_after),
        key_id: c.key_id.map(|k| k.to_string()),
        ca: c.ca,
        is_ca: c.is_ca,
        trust_anchor: c.trust_anchor,
        origin: c.origin,
        revoked_at: c.revoked_at.map(ts),
        revocation_reason: c.revocation_reason,
        created_at: ts(c.created_at),
    }
}

fn issued_response(i: Issued) -> api::IssuedResponse {
    api::IssuedResponse {
        certificate_pem: pem_of("CERTIFICATE", &i.certificate.der),
        chain_pem: chain_pem(&i.chain),
        key_id: i.key_id.map(|k| k.to_string()),
        certificate: cert_response(i.certificate),
    }
}

fn ca_summary(c: CaRecord) -> api::CaSummary {
    api::CaSummary {
        name: c.name,
        key_id: c.key_id.to_string(),
        certificate_id: c.cert_id.to_string(),
        parent: c.parent,
        allowed_domains: c.allowed_domains,
        crl_number: c.crl_number,
        crl_updated_at: c.crl_updated_at.map(ts),
        created_at: ts(c.created_at),
    }
}

fn ca_response(d: CaDetails) -> api::CaResponse {
    api::CaResponse {
        key_provider: d.key_provider,
        chain_pem: chain_pem(&d.chain),
        certificate: cert_response(d.certificate),
        ca: ca_summary(d.ca),
    }
}

fn key_ref(s: &str) -> Result<KeyRef, ServiceError> {
    s.parse()
}

fn cert_id(s: &str) -> Result<CertId, ServiceError> {
    CertId::parse(s).map_err(|_| ServiceError::invalid("id", "not a certificate id"))
}

fn names(
    subject: String,
    dns: Vec<String>,
    ip: Vec<String>,
    email: Vec<String>,
    uri: Vec<String>,
) -> NameSpec {
    NameSpec {
        subject,
        dns,
        ip,
        email,
        uri,
    }
}

/// A serial as stored: lowercase hex, whole bytes, no leading zero byte
/// (`0A:1B`, `a1b` and `000a1b` all become `0a1b`).
fn normalize_serial(s: &str) -> String {
    let mut h: String = s
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    if h.len() % 2 == 1 {
        h.insert(0, '0');
    }
    while h.len() > 2 && h.starts_with("00") {
        h.drain(..2);
    }
    h
}

fn binary(content_type: &'static str, body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// `pem` when asked by `?format=pem` or an `Accept` naming PEM.
fn wants_pem(
    q: &FormatQuery,
    headers: &HeaderMap,
    default_pem: bool,
) -> Result<bool, ServiceError> {
    match q.format.as_deref() {
        Some("pem") => Ok(true),
        Some("der") => Ok(false),
        Some(other) => Err(ServiceError::invalid(
            "format",
            format!("'{other}' is not pem or der"),
        )),
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if accept.contains(PEM_TYPE) {
                Ok(true)
            } else if accept.contains(DER_CRL_TYPE) || accept.contains(DER_CERT_TYPE) {
                Ok(false)
            } else {
                Ok(default_pem)
            }
        }
    }
}

#[utoipa::path(post, path = "/v1/keys/{key}/csr", tag = "pki", params(KeyPath),
    request_body = api::CsrRequest,
    responses((status = 200, description = "The CSR, signed by the key's provider", body = api::CsrResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_csr(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::CsrRequest>,
) -> Res<api::CsrResponse> {
    let req = CsrRequest {
        names: names(r.subject, r.dns, r.ip, r.email, r.uri),
        key_usages: r.key_usages,
        ext_key_usages: r.ext_key_usages,
    };
    let csr = s.kms.create_csr(&c, &key_ref(&key)?, req).await?;
    Ok(Json(api::CsrResponse { csr }))
}

#[utoipa::path(post, path = "/v1/keys/{key}/self-signed", tag = "pki", params(KeyPath),
    request_body = api::SelfSignedRequest,
    responses((status = 201, description = "Stored", body = api::IssuedResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn self_signed(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::SelfSignedRequest>,
) -> Created<api::IssuedResponse> {
    let req = SelfSignRequest {
        names: names(r.subject, r.dns, r.ip, r.email, r.uri),
        key_usages: r.key_usages,
        ext_key_usages: r.ext_key_usages,
        validity_days: r.validity_days,
        is_ca: r.is_ca,
    };
    let i = s.kms.self_sign(&c, &key_ref(&key)?, req).await?;
    Ok((StatusCode::CREATED, Json(issued_response(i))))
}

#[utoipa::path(post, path = "/v1/cas", tag = "pki", request_body = api::CreateCaRequest,
    responses((status = 201, description = "Created", body = api::CaResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_ca(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::CreateCaRequest>,
) -> Created<api::CaResponse> {
    let req = CreateCaRequest {
        name: r.name,
        algorithm: parse_algorithm(&r.algorithm)?,
        subject: r.subject,
        validity_days: r.validity_days,
        parent: r.parent,
        provider: r.provider.as_deref().map(parse_provider).transpose()?,
        path_len: r.path_len,
        allowed_domains: r.allowed_domains,
    };
    let d = s.kms.create_ca(&c, req).await?;
    Ok((StatusCode::CREATED, Json(ca_response(d))))
}

#[utoipa::path(post, path = "/v1/cas/import", tag = "pki", request_body = api::ImportCaRequest,
    responses((status = 201, description = "Created", body = api::CaResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn import_ca(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::ImportCaRequest>,
) -> Created<api::CaResponse> {
    let d = s
        .kms
        .import_ca(&c, &r.name, &key_ref(&r.key)?, &r.certificate_pem)
        .await?;
    Ok((StatusCode::CREATED, Json(ca_response(d))))
}

#[utoipa::path(get, path = "/v1/cas", tag = "pki",
    responses((status = 200, description = "The tenant's CAs", body = api::CaListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_cas(State(s): State<AppState>, Auth(c): Auth) -> Res<api::CaListResponse> {
    let cas = s.kms.list_cas(&c).await?;
    Ok(Json(api::CaListResponse {
        cas: cas.into_iter().map(ca_summary).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/cas/{ca}", tag = "pki", params(CaPath),
    responses((status = 200, description = "The CA", body = api::CaResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_ca(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CaPath { ca }): Path<CaPath>,
) -> Res<api::CaResponse> {
    Ok(Json(ca_response(s.kms.get_ca(&c, &ca).await?)))
}

#[utoipa::path(get, path = "/v1/cas/{ca}/certificate", tag = "pki", params(CaPath, FormatQuery),
    responses((status = 200, description = "The CA certificate, PEM (default) or DER", content_type = "application/x-pem-file", body = String),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn ca_certificate(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CaPath { ca }): Path<CaPath>,
    Query(q): Query<FormatQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let pem = wants_pem(&q, &headers, true)?;
    let d = s.kms.get_ca(&c, &ca).await?;
    let der = d.certificate.der;
    Ok(if pem {
        binary(PEM_TYPE, pem_of("CERTIFICATE", &der).into_bytes())
    } else {
        binary(DER_CERT_TYPE, der)
    })
}

#[utoipa::path(get, path = "/v1/cas/{ca}/crl", tag = "pki", params(CaPath, FormatQuery),
    responses((status = 200, description = "The CA's current CRL: DER (default), PEM by `Accept: application/x-pem-file` or `?format=pem`", content_type = "application/pkix-crl", body = String),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn ca_crl(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CaPath { ca }): Path<CaPath>,
    Query(q): Query<FormatQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let pem = wants_pem(&q, &headers, false)?;
    let der = s.kms.ca_crl(&c, &ca).await?;
    Ok(if pem {
        binary(PEM_TYPE, pem_of("X509 CRL", &der).into_bytes())
    } else {
        binary(DER_CRL_TYPE, der)
    })
}

#[utoipa::path(post, path = "/v1/cas/{ca}/sign", tag = "pki", params(CaPath),
    request_body = api::SignCsrRequest,
    responses((status = 201, description = "Issued", body = api::IssuedResponse),
        (status = "default", description = "Error (`profile_violation` when the CSR is outside the profile)", body = api::ErrorResponse)))]
pub async fn sign_csr(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CaPath { ca }): Path<CaPath>,
    Json(r): Json<api::SignCsrRequest>,
) -> Created<api::IssuedResponse> {
    let req = SignCsrRequest {
        csr_pem: r.csr,
        profile: r.profile,
        validity_days: r.validity_days,
    };
    let i = s.kms.sign_csr(&c, &ca, req).await?;
    Ok((StatusCode::CREATED, Json(issued_response(i))))
}

#[utoipa::path(post, path = "/v1/cas/{ca}/issue", tag = "pki", params(CaPath),
    request_body = api::IssueRequest,
    responses((status = 201, description = "Key generated and certificate issued", body = api::IssuedResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn issue(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CaPath { ca }): Path<CaPath>,
    Json(r): Json<api::IssueRequest>,
) -> Created<api::IssuedResponse> {
    let req = IssueRequest {
        algorithm: parse_algorithm(&r.algorithm)?,
        profile: r.profile,
        names: names(r.subject, r.dns, r.ip, r.email, r.uri),
        validity_days: r.validity_days,
        provider: r.provider.as_deref().map(parse_provider).transpose()?,
        exportable: r.exportable,
    };
    let i = s.kms.issue_with_new_key(&c, &ca, req).await?;
    Ok((StatusCode::CREATED, Json(issued_response(i))))
}

#[utoipa::path(get, path = "/v1/certificates", tag = "pki", params(CertQuery),
    responses((status = 200, description = "Matching certificates", body = api::CertificateListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_certificates(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<CertQuery>,
) -> Res<api::CertificateListResponse> {
    let expires_before = match q.expiring_within_days {
        Some(d) if d > MAX_WINDOW_DAYS => {
            return Err(ServiceError::invalid(
                "expiring_within_days",
                format!("at most {MAX_WINDOW_DAYS}"),
            )
            .into());
        }
        Some(d) => Some(s.kms.now().plus_seconds(i64::from(d) * 86_400)),
        None => None,
    };
    let filter = CertificateFilter {
        subject: q.subject,
        san: q.san,
        serial: q.serial.as_deref().map(normalize_serial),
        issuer: q.issuer,
        ca: q.ca,
        expires_before,
        trust_anchor: q.trust_anchor,
        revoked: q.revoked,
        after: None,
        limit: q.limit.unwrap_or(0),
    };
    let certs = s.kms.list_certificates(&c, filter).await?;
    Ok(Json(api::CertificateListResponse {
        certificates: certs.into_iter().map(cert_response).collect(),
    }))
}

#[utoipa::path(post, path = "/v1/certificates/import", tag = "pki",
    request_body = api::ImportCertificatesRequest,
    responses((status = 201, description = "Imported", body = api::CertificateListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn import_certificates(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::ImportCertificatesRequest>,
) -> Created<api::CertificateListResponse> {
    let certs = s
        .kms
        .import_certificates(&c, &r.pem, r.trust_anchor)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(api::CertificateListResponse {
            certificates: certs.into_iter().map(cert_response).collect(),
        }),
    ))
}

#[utoipa::path(get, path = "/v1/certificates/{id}", tag = "pki", params(CertPath),
    responses((status = 200, description = "The certificate and its chain", body = api::IssuedResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_certificate(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CertPath { id }): Path<CertPath>,
) -> Res<api::IssuedResponse> {
    let i = s.kms.get_certificate(&c, &cert_id(&id)?).await?;
    Ok(Json(issued_response(i)))
}

#[utoipa::path(get, path = "/v1/certificates/{id}/export", tag = "pki", params(CertPath, FormatQuery),
    responses((status = 200, description = "PEM (default), DER, or the chain bundle (`format=chain`: the certificate then its issuers, PEM)", content_type = "application/x-pem-file", body = String),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn export_certificate(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CertPath { id }): Path<CertPath>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, AppError> {
    let i = s.kms.get_certificate(&c, &cert_id(&id)?).await?;
    let der = i.certificate.der;
    Ok(match q.format.as_deref().unwrap_or("pem") {
        "pem" => binary(PEM_TYPE, pem_of("CERTIFICATE", &der).into_bytes()),
        "der" => binary(DER_CERT_TYPE, der),
        "chain" => {
            let mut out = pem_of("CERTIFICATE", &der);
            out.push_str(&chain_pem(&i.chain));
            binary(PEM_TYPE, out.into_bytes())
        }
        other => {
            return Err(ServiceError::invalid(
                "format",
                format!("'{other}' is not pem, der or chain"),
            )
            .into());
        }
    })
}

#[utoipa::path(post, path = "/v1/certificates/{id}/revoke", tag = "pki", params(CertPath),
    request_body = api::RevokeCertificateRequest,
    responses((status = 200, description = "Revoked; the issuing CA's CRL is regenerated", body = api::CertificateResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn revoke_certificate(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CertPath { id }): Path<CertPath>,
    Json(r): Json<api::RevokeCertificateRequest>,
) -> Res<api::CertificateResponse> {
    let cert = s
        .kms
        .revoke_certificate(&c, &cert_id(&id)?, &r.reason)
        .await?;
    Ok(Json(cert_response(cert)))
}

#[utoipa::path(post, path = "/v1/cas/{ca}/ocsp", tag = "pki", params(CaPath),
    request_body(content = String, content_type = "application/ocsp-request", description = "DER OCSPRequest (RFC 6960)"),
    responses((status = 200, description = "DER OCSPResponse signed by the CA key (`malformedRequest` for a bad request)", content_type = "application/ocsp-response", body = String),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn ocsp(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CaPath { ca }): Path<CaPath>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let resp = s.kms.ocsp(&c, &ca, &body).await?;
    Ok(binary("application/ocsp-response", resp))
}

#[cfg(test)]
mod tests {
    use super::normalize_serial;

    #[test]
    fn serials_normalize() {
        assert_eq!(normalize_serial("0A:1B"), "0a1b");
        assert_eq!(normalize_serial("a1b"), "0a1b");
        assert_eq!(normalize_serial("000a1b"), "0a1b");
        assert_eq!(normalize_serial("00"), "00");
    }
}
