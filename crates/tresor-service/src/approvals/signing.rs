//! Signed approvals: an approver may register a public key (Ed25519 or
//! ECDSA P-256, as a PEM `PUBLIC KEY`) and sign each request's challenge.
//! Groups with `require_signature` count only signed approvals, so a stolen
//! credential alone cannot approve for them.
//!
//! The challenge binds everything the approver is shown: tenant, request,
//! key, operation and the SHA-256 of the non-secret parameters.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use tresor_core::{Action, Caller, ObjectKind, Role, TenantId};
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::secrets::from_body;
use crate::secrets::upsert_object;

const OID_ED25519: &str = "1.3.101.112";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
/// Longest PEM accepted.
const MAX_PEM: usize = 4096;

/// The stored key.
#[derive(Debug, Serialize, Deserialize)]
struct ApproverKeyDoc {
    /// SubjectPublicKeyInfo DER, base64.
    spki: String,
}

/// What a registered key verifies with.
enum Verifier {
    Ed25519(Vec<u8>),
    P256(Vec<u8>),
}

fn parse_spki(der: &[u8]) -> Result<Verifier> {
    let bad = || ServiceError::invalid("public_key", "expected an Ed25519 or P-256 public key");
    let (rest, spki) = SubjectPublicKeyInfo::from_der(der).map_err(|_| bad())?;
    if !rest.is_empty() {
        return Err(bad());
    }
    let key = spki.subject_public_key.data.to_vec();
    match spki.algorithm.algorithm.to_id_string().as_str() {
        OID_ED25519 => Ok(Verifier::Ed25519(key)),
        OID_EC => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            if curve.as_deref() == Some(OID_P256) {
                Ok(Verifier::P256(key))
            } else {
                Err(bad())
            }
        }
        _ => Err(bad()),
    }
}

/// The bytes an approver signs for request `id`.
pub(crate) fn challenge(
    tenant: &TenantId,
    id: &str,
    key: &str,
    operation: &str,
    summary: &serde_json::Value,
) -> Vec<u8> {
    let params = digest(&SHA256, summary.to_string().as_bytes());
    let hex: String = params.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("tresor-approval-v1\n{tenant}\n{id}\n{key}\n{operation}\n{hex}\n").into_bytes()
}

impl Kms {
    /// Registers the caller's approval-signing public key (PEM). Replacing
    /// a registered key takes a tenant admin, so a stolen credential cannot
    /// swap in its own key.
    pub async fn register_approver_key(&self, caller: &Caller, pem_text: &str) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::ApproverKeySet);
        op.object(&caller.principal);
        let result = async {
            allowed?;
            if pem_text.len() > MAX_PEM {
                return Err(ServiceError::invalid("public_key", "too long"));
            }
            let block =
                pem::parse(pem_text).map_err(|_| ServiceError::invalid("public_key", "not PEM"))?;
            if block.tag() != "PUBLIC KEY" {
                return Err(ServiceError::invalid(
                    "public_key",
                    "expected a PUBLIC KEY block",
                ));
            }
            parse_spki(block.contents())?;
            let existing = self
                .store()
                .get_object(&caller.tenant, ObjectKind::ApproverKey, &caller.principal)
                .await?;
            if existing.is_some() && !(caller.platform_admin || caller.role == Role::Admin) {
                return Err(ServiceError::AlreadyExists {
                    what: "approver key (a tenant admin may replace it)",
                });
            }
            use base64::Engine;
            let body = serde_json::to_string(&ApproverKeyDoc {
                spki: base64::engine::general_purpose::STANDARD.encode(block.contents()),
            })
            .map_err(|_| ServiceError::Internal("approver key"))?;
            let now = self.now();
            let change = upsert_object(
                existing,
                &caller.tenant,
                ObjectKind::ApproverKey,
                &caller.principal,
                body,
                &caller.principal,
                now,
            );
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Checks `signature` over `challenge` with `principal`'s registered
    /// key; an error when there is none or it does not verify.
    pub(crate) async fn verify_approval(
        &self,
        tenant: &TenantId,
        principal: &str,
        challenge: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        let refused = || {
            ServiceError::invalid(
                "signature",
                "does not verify with your registered approver key",
            )
        };
        let o = self
            .store()
            .get_object(tenant, ObjectKind::ApproverKey, principal)
            .await?
            .ok_or_else(|| {
                ServiceError::invalid("signature", "no approver key is registered for you")
            })?;
        let doc: ApproverKeyDoc = from_body(&o)?;
        use base64::Engine;
        let der = base64::engine::general_purpose::STANDARD
            .decode(doc.spki)
            .map_err(|_| ServiceError::Internal("approver key"))?;
        let ok = match parse_spki(&der)? {
            Verifier::Ed25519(k) => UnparsedPublicKey::new(&signature::ED25519, k)
                .verify(challenge, signature)
                .is_ok(),
            Verifier::P256(k) => UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, k)
                .verify(challenge, signature)
                .is_ok(),
        };
        if ok { Ok(()) } else { Err(refused()) }
    }
}
