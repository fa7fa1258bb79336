//! Orders: requests that Tresor generate something and store it as
//! secrets (Barbican's orders), processed at once:
//! - `key`: random symmetric key material (AES 128/192/256, HMAC keys) as
//!   a symmetric secret;
//! - `asymmetric`: an RSA (2048/3072/4096) or EC (P-256/P-384/P-521) key
//!   pair as a private and a public secret (PKCS#8 / SubjectPublicKeyInfo
//!   PEM) in an `rsa` container;
//! - `certificate`: a CSR signed by one of the tenant's CAs, stored as a
//!   certificate (and intermediates) secret in a `certificate` container.
//!
//! A malformed order is refused; an order that is well formed but cannot be
//! fulfilled (e.g. the CA's profile refuses the request) is kept with status
//! `ERROR` and the reason, as Barbican does. Generated material lives only
//! in memory (zeroized) until it is sealed like any other secret payload.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use tresor_core::{
    Action, Algorithm, Caller, Change, ObjectFilter, ObjectKind, SecretBytes, SecretId,
    SecretRecord, Timestamp,
};
use zeroize::Zeroizing;

use super::containers::ContainerSecret;
use super::objects::{NewObject, from_body, to_body};
use super::quotas::QuotaKind;
use super::types::NewSecret;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;
use crate::pki::SignCsrRequest;

/// Order types.
pub const ORDER_TYPES: [&str; 3] = ["key", "asymmetric", "certificate"];
/// Largest CSR accepted in an order.
const MAX_CSR: usize = 64 * 1024;

/// What an order asks for (Barbican's `meta`). Fields not used by the
/// order's type must be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderMeta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_content_type: Option<String>,
    /// Asymmetric: a passphrase protecting the private key (not supported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_phrase: Option<String>,
    /// Certificate: the PKCS#10 request, PEM or base64 of PEM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_data: Option<String>,
    /// Certificate: `simple-cmc` (the default; a PKCS#10 request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    /// Certificate: the name of the tenant's CA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_id: Option<String>,
    /// Certificate: the issuance profile (default `server-tls`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity_days: Option<u32>,
}

/// An order to place.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub order_type: String,
    pub meta: OrderMeta,
}

/// The stored document.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OrderDoc {
    order_type: String,
    meta: OrderMeta,
    status: String,
    secret: Option<SecretId>,
    container: Option<SecretId>,
    error_status_code: Option<u16>,
    error_reason: Option<String>,
}

/// An order as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderInfo {
    pub id: SecretId,
    pub order_type: String,
    pub meta: OrderMeta,
    /// `ACTIVE` (done) or `ERROR`.
    pub status: String,
    /// The generated secret (`key` orders).
    pub secret: Option<SecretId>,
    /// The generated container (`asymmetric` and `certificate` orders).
    pub container: Option<SecretId>,
    pub error_status_code: Option<u16>,
    pub error_reason: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn info(o: &tresor_core::ObjectRecord) -> Result<OrderInfo> {
    let d: OrderDoc = from_body(o)?;
    Ok(OrderInfo {
        id: SecretId::parse(&o.id).map_err(|_| ServiceError::Internal("order id"))?,
        order_type: d.order_type,
        meta: d.meta,
        status: d.status,
        secret: d.secret,
        container: d.container,
        error_status_code: d.error_status_code,
        error_reason: d.error_reason,
        created_by: o.created_by.clone(),
        created_at: o.created_at,
        updated_at: o.updated_at,
    })
}

fn unused(field: &'static str, present: bool, kind: &str) -> Result<()> {
    if present {
        return Err(ServiceError::invalid(
            field,
            format!("not used by {kind} orders"),
        ));
    }
    Ok(())
}

/// The symmetric key length in bytes for a `key` order.
fn key_bytes(meta: &OrderMeta) -> Result<usize> {
    let alg = meta
        .algorithm
        .as_deref()
        .ok_or_else(|| ServiceError::invalid("algorithm", "required"))?
        .to_ascii_lowercase();
    let bits = meta
        .bit_length
        .ok_or_else(|| ServiceError::invalid("bit_length", "required"))?;
    let ok = match alg.as_str() {
        "aes" => matches!(bits, 128 | 192 | 256),
        "hmacsha256" | "hmacsha384" | "hmacsha512" => bits % 8 == 0 && (128..=1024).contains(&bits),
        _ => {
            return Err(ServiceError::invalid(
                "algorithm",
                "aes, hmacsha256, hmacsha384 or hmacsha512",
            ));
        }
    };
    if !ok {
        return Err(ServiceError::invalid(
            "bit_length",
            "128, 192 or 256 for aes; a multiple of 8 from 128 to 1024 for HMAC",
        ));
    }
    Ok(bits as usize / 8)
}

/// The algorithm of an `asymmetric` order.
fn pair_algorithm(meta: &OrderMeta) -> Result<Algorithm> {
    let alg = meta
        .algorithm
        .as_deref()
        .ok_or_else(|| ServiceError::invalid("algorithm", "required"))?
        .to_ascii_lowercase();
    let bits = meta
        .bit_length
        .ok_or_else(|| ServiceError::invalid("bit_length", "required"))?;
    match (alg.as_str(), bits) {
        ("rsa", 2048) => Ok(Algorithm::Rsa2048),
        ("rsa", 3072) => Ok(Algorithm::Rsa3072),
        ("rsa", 4096) => Ok(Algorithm::Rsa4096),
        ("ec", 256) => Ok(Algorithm::EcP256),
        ("ec", 384) => Ok(Algorithm::EcP384),
        ("ec", 521) => Ok(Algorithm::EcP521),
        ("rsa" | "ec", _) => Err(ServiceError::invalid(
            "bit_length",
            "2048, 3072 or 4096 for rsa; 256, 384 or 521 for ec",
        )),
        _ => Err(ServiceError::invalid("algorithm", "rsa or ec")),
    }
}

/// The CSR of a `certificate` order as PEM text.
fn csr_pem(meta: &OrderMeta) -> Result<String> {
    if let Some(t) = meta.request_type.as_deref()
        && t != "simple-cmc"
    {
        return Err(ServiceError::invalid(
            "request_type",
            "simple-cmc (a PKCS#10 request in request_data)",
        ));
    }
    let data = meta
        .request_data
        .as_deref()
        .ok_or_else(|| ServiceError::invalid("request_data", "required"))?
        .trim();
    if data.len() > MAX_CSR {
        return Err(ServiceError::PayloadTooLarge {
            field: "request_data",
            limit: MAX_CSR,
        });
    }
    if data.starts_with("-----BEGIN") {
        return Ok(data.to_owned());
    }
    let bytes = STANDARD
        .decode(data.split_whitespace().collect::<String>())
        .map_err(|_| ServiceError::invalid("request_data", "PEM, or base64 of PEM"))?;
    String::from_utf8(bytes)
        .map_err(|_| ServiceError::invalid("request_data", "PEM, or base64 of PEM"))
}

/// Checks the meta for the order type.
fn validate(order: &NewOrder, now: Timestamp) -> Result<()> {
    let m = &order.meta;
    for (field, v, max) in [
        ("name", &m.name, 255),
        ("mode", &m.mode, 64),
        ("payload_content_type", &m.payload_content_type, 255),
        ("ca_id", &m.ca_id, 255),
        ("profile", &m.profile, 64),
    ] {
        if let Some(s) = v
            && (s.is_empty() || s.len() > max || s.chars().any(char::is_control))
        {
            return Err(ServiceError::invalid(field, format!("1-{max} bytes")));
        }
    }
    let kind = order.order_type.as_str();
    match kind {
        "key" => {
            key_bytes(m)?;
            unused("pass_phrase", m.pass_phrase.is_some(), kind)?;
            unused("request_data", m.request_data.is_some(), kind)?;
            unused("ca_id", m.ca_id.is_some(), kind)?;
        }
        "asymmetric" => {
            pair_algorithm(m)?;
            if m.pass_phrase.is_some() {
                return Err(ServiceError::invalid(
                    "pass_phrase",
                    "passphrase-protected private keys are not supported; \
                     the private key secret is protected by Tresor",
                ));
            }
            unused("request_data", m.request_data.is_some(), kind)?;
            unused("ca_id", m.ca_id.is_some(), kind)?;
        }
        "certificate" => {
            csr_pem(m)?;
            if m.ca_id.is_none() {
                return Err(ServiceError::invalid("ca_id", "required: the CA's name"));
            }
            unused("pass_phrase", m.pass_phrase.is_some(), kind)?;
            unused("bit_length", m.bit_length.is_some(), kind)?;
        }
        _ => {
            return Err(ServiceError::invalid(
                "type",
                format!("one of {}", ORDER_TYPES.join(", ")),
            ));
        }
    }
    if let Some(e) = m.expiration
        && e <= now
    {
        return Err(ServiceError::invalid("expiration", "must be in the future"));
    }
    Ok(())
}

fn pem(label: &str, der: &[u8]) -> SecretBytes {
    let text = Zeroizing::new(pem::encode(&pem::Pem::new(label, der.to_vec())));
    SecretBytes::from_slice(text.as_bytes())
}

/// What processing an order produced.
struct Outcome {
    changes: Vec<Change>,
    secret: Option<SecretId>,
    container: Option<SecretId>,
}

impl Kms {
    /// Places and processes an order.
    pub async fn create_order(&self, caller: &Caller, order: NewOrder) -> Result<OrderInfo> {
        let (mut op, allowed) = self.begin(caller, Action::OrderCreate);
        op.detail("type", order.order_type.clone());
        let result = async {
            allowed?;
            validate(&order, self.now())?;
            self.check_quota(caller, QuotaKind::Orders).await?;
            let id = SecretId::generate();
            let processed = match order.order_type.as_str() {
                "key" => self.order_key(caller, &mut op, &order.meta).await,
                "asymmetric" => self.order_pair(caller, &mut op, &order.meta).await,
                _ => self.order_certificate(caller, &mut op, &order.meta).await,
            };
            op.object(id);
            let (status, outcome, code, reason) = match processed {
                Ok(o) => ("ACTIVE", o, None, None),
                // The caller's own quota: refuse the order outright.
                Err(e @ ServiceError::QuotaExceeded { .. }) => return Err(e),
                Err(e) => {
                    let code = match e.kind() {
                        crate::error::ErrorKind::BadRequest => 400,
                        crate::error::ErrorKind::NotFound => 404,
                        crate::error::ErrorKind::Forbidden => 403,
                        _ => 500,
                    };
                    op.detail("order_error", e.code());
                    let none = Outcome {
                        changes: Vec::new(),
                        secret: None,
                        container: None,
                    };
                    ("ERROR", none, Some(code), Some(e.to_string()))
                }
            };
            op.detail("status", status);
            let doc = OrderDoc {
                order_type: order.order_type.clone(),
                meta: order.meta,
                status: status.into(),
                secret: outcome.secret,
                container: outcome.container,
                error_status_code: code,
                error_reason: reason,
            };
            let record = NewObject {
                kind: ObjectKind::Order,
                id: id.to_string(),
                parent: None,
                name: None,
                subtype: Some(&order.order_type),
                body: to_body(&doc)?,
            }
            .record(caller, self.now());
            let out = info(&record)?;
            let mut changes = outcome.changes;
            changes.push(Change::CreateObject(record));
            self.commit(&mut op, changes).await?;
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    async fn order_secret(
        &self,
        caller: &Caller,
        op: &mut Op,
        meta: &OrderMeta,
        secret_type: &str,
        payload: SecretBytes,
        content_type: &str,
    ) -> Result<SecretRecord> {
        let req = NewSecret {
            name: meta.name.clone(),
            secret_type: Some(secret_type.into()),
            algorithm: meta.algorithm.clone(),
            bit_length: meta.bit_length,
            mode: meta.mode.clone(),
            content_type: Some(content_type.into()),
            expiration: meta.expiration,
            payload: Some(payload),
            ..NewSecret::default()
        };
        self.new_secret_record(caller, op, req).await
    }

    async fn order_key(&self, caller: &Caller, op: &mut Op, meta: &OrderMeta) -> Result<Outcome> {
        let mut key = Zeroizing::new(vec![0u8; key_bytes(meta)?]);
        aws_lc_rs::rand::fill(&mut key).map_err(|_| ServiceError::CryptoFailed)?;
        let s = self
            .order_secret(
                caller,
                op,
                meta,
                "symmetric",
                SecretBytes::from_slice(&key),
                "application/octet-stream",
            )
            .await?;
        Ok(Outcome {
            secret: Some(s.id),
            container: None,
            changes: vec![Change::CreateSecret(s)],
        })
    }

    async fn order_pair(&self, caller: &Caller, op: &mut Op, meta: &OrderMeta) -> Result<Outcome> {
        let alg = pair_algorithm(meta)?;
        let (private, public) = tokio::task::spawn_blocking(move || super::keypair::generate(alg))
            .await
            .map_err(|_| ServiceError::Internal("key generation task"))??;
        let private_pem = pem("PRIVATE KEY", private.expose());
        let public_pem = pem("PUBLIC KEY", &public);
        let ct = "application/octet-stream";
        let sk = self
            .order_secret(caller, op, meta, "private", private_pem, ct)
            .await?;
        let pk = self
            .order_secret(caller, op, meta, "public", public_pem, ct)
            .await?;
        let container = SecretId::generate();
        let members = vec![
            ContainerSecret {
                name: "private_key".into(),
                secret: sk.id,
            },
            ContainerSecret {
                name: "public_key".into(),
                secret: pk.id,
            },
        ];
        let c = self.container_record(caller, container, meta.name.clone(), "rsa", members)?;
        Ok(Outcome {
            secret: None,
            container: Some(container),
            changes: vec![
                Change::CreateSecret(sk),
                Change::CreateSecret(pk),
                Change::CreateObject(c),
            ],
        })
    }

    async fn order_certificate(
        &self,
        caller: &Caller,
        op: &mut Op,
        meta: &OrderMeta,
    ) -> Result<Outcome> {
        let ca = meta.ca_id.clone().unwrap_or_default();
        let issued = self
            .sign_csr(
                caller,
                &ca,
                SignCsrRequest {
                    csr_pem: csr_pem(meta)?,
                    profile: meta.profile.clone().unwrap_or_else(|| "server-tls".into()),
                    validity_days: meta.validity_days,
                },
            )
            .await?;
        op.detail("certificate", issued.certificate.id.to_string());
        let ct = "application/octet-stream";
        let cert = self
            .order_secret(
                caller,
                op,
                meta,
                "certificate",
                pem("CERTIFICATE", &issued.certificate.der),
                ct,
            )
            .await?;
        let mut members = vec![ContainerSecret {
            name: "certificate".into(),
            secret: cert.id,
        }];
        let mut changes = vec![Change::CreateSecret(cert)];
        if !issued.chain.is_empty() {
            let chain: String = issued
                .chain
                .iter()
                .map(|der| pem::encode(&pem::Pem::new("CERTIFICATE", der.clone())))
                .collect();
            let inter = self
                .order_secret(
                    caller,
                    op,
                    meta,
                    "certificate",
                    SecretBytes::from_slice(chain.as_bytes()),
                    ct,
                )
                .await?;
            members.push(ContainerSecret {
                name: "intermediates".into(),
                secret: inter.id,
            });
            changes.push(Change::CreateSecret(inter));
        }
        let container = SecretId::generate();
        let c =
            self.container_record(caller, container, meta.name.clone(), "certificate", members)?;
        changes.push(Change::CreateObject(c));
        Ok(Outcome {
            secret: None,
            container: Some(container),
            changes,
        })
    }

    /// An order of the caller's tenant.
    pub async fn get_order(&self, caller: &Caller, id: &SecretId) -> Result<OrderInfo> {
        let (mut op, allowed) = self.begin(caller, Action::OrderGet);
        op.object(id);
        let result = async {
            allowed?;
            info(&self.load_order(caller, id).await?)
        }
        .await;
        self.finish(op, result).await
    }

    /// A page of the tenant's orders in creation order, and the total.
    pub async fn list_orders(
        &self,
        caller: &Caller,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<OrderInfo>, u64)> {
        let (op, allowed) = self.begin(caller, Action::OrderList);
        let result = async {
            allowed?;
            let filter = ObjectFilter {
                offset,
                limit,
                ..ObjectFilter::of(ObjectKind::Order)
            };
            let page = self.store().list_objects(&caller.tenant, &filter).await?;
            let total = self.store().count_objects(&caller.tenant, &filter).await?;
            Ok((page.iter().map(info).collect::<Result<Vec<_>>>()?, total))
        }
        .await;
        self.finish(op, result).await
    }

    /// Deletes an order (what it generated stays).
    pub async fn delete_order(&self, caller: &Caller, id: &SecretId) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::OrderDelete);
        op.object(id);
        let result = async {
            allowed?;
            self.load_order(caller, id).await?;
            let change = Change::DeleteObject {
                tenant: caller.tenant.clone(),
                kind: ObjectKind::Order,
                id: id.to_string(),
            };
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }

    async fn load_order(
        &self,
        caller: &Caller,
        id: &SecretId,
    ) -> Result<tresor_core::ObjectRecord> {
        self.load_object(&caller.tenant, ObjectKind::Order, &id.to_string(), "order")
            .await
    }
}
