//! Secret stores (Barbican's multiple-backend API) are Tresor's providers:
//! every provider that can hold the tenant's secrets key (AES-256-GCM with
//! encrypt and decrypt) is a store. A tenant may prefer one; its new
//! secrets are then sealed by a secrets key in that provider (existing
//! secrets stay with the key that sealed them).

use serde::{Deserialize, Serialize};
use tresor_core::{Action, Algorithm, Caller, Change, ObjectKind, Operation, ProviderId};

use super::objects::{NewObject, from_body, to_body};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::providers::ProviderInfo;

/// The id of a tenant's preferred-store object.
const PREFERRED_ID: &str = "preferred-secret-store";

/// A secret store as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretStoreInfo {
    pub provider: ProviderInfo,
    /// The deployment's default provider.
    pub global_default: bool,
    /// The caller's tenant prefers it.
    pub preferred: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Preferred {
    provider: ProviderId,
}

impl Kms {
    /// The tenant's preferred provider for new secrets, if one is set and
    /// still registered.
    pub(crate) async fn preferred_store(&self, caller: &Caller) -> Result<Option<ProviderId>> {
        let Some(o) = self
            .store()
            .get_object(&caller.tenant, ObjectKind::Preference, PREFERRED_ID)
            .await?
        else {
            return Ok(None);
        };
        let p: Preferred = from_body(&o)?;
        Ok(self.providers().get(&p.provider).map(|_| p.provider))
    }

    fn can_store_secrets(&self, id: &ProviderId) -> bool {
        self.providers().get(id).is_some_and(|p| {
            let caps = p.capabilities();
            caps.supports(
                Algorithm::Aes256Gcm,
                &[Operation::Encrypt, Operation::Decrypt].into(),
            )
        })
    }

    /// The providers that can hold secrets.
    pub async fn list_secret_stores(&self, caller: &Caller) -> Result<Vec<SecretStoreInfo>> {
        let (op, allowed) = self.begin(caller, Action::SecretStoreList);
        let result = async {
            allowed?;
            let preferred = self.preferred_store(caller).await?;
            let default = self.providers().default_id().clone();
            Ok(self
                .provider_health()
                .await
                .into_iter()
                .filter(|p| self.can_store_secrets(&p.id))
                .map(|p| SecretStoreInfo {
                    global_default: p.id == default,
                    preferred: preferred.as_ref() == Some(&p.id),
                    provider: p,
                })
                .collect())
        }
        .await;
        self.finish(op, result).await
    }

    /// Makes `provider` the tenant's preferred store (`None`: back to the
    /// default).
    pub async fn set_preferred_secret_store(
        &self,
        caller: &Caller,
        provider: Option<ProviderId>,
    ) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::SecretStorePrefer);
        if let Some(p) = &provider {
            op.object(p);
        }
        let result = async {
            allowed?;
            let existing = self
                .store()
                .get_object(&caller.tenant, ObjectKind::Preference, PREFERRED_ID)
                .await?;
            let change = match (provider, existing) {
                (None, None) => {
                    return Err(ServiceError::NotFound {
                        what: "preferred secret store",
                    });
                }
                (None, Some(_)) => Change::DeleteObject {
                    tenant: caller.tenant.clone(),
                    kind: ObjectKind::Preference,
                    id: PREFERRED_ID.into(),
                },
                (Some(p), existing) => {
                    if !self.can_store_secrets(&p) {
                        return Err(ServiceError::NotFound {
                            what: "secret store",
                        });
                    }
                    let body = to_body(&Preferred { provider: p })?;
                    match existing {
                        Some(mut o) => {
                            let expected_revision = o.revision;
                            o.body = body;
                            o.updated_at = self.now();
                            Change::UpdateObject {
                                object: o,
                                expected_revision,
                            }
                        }
                        None => Change::CreateObject(
                            NewObject {
                                kind: ObjectKind::Preference,
                                id: PREFERRED_ID.into(),
                                parent: None,
                                name: None,
                                subtype: None,
                                body,
                            }
                            .record(caller, self.now()),
                        ),
                    }
                }
            };
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }
}
