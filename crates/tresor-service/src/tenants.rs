//! Tenants (partitions) and first-start bootstrap.

use tresor_core::{Action, Caller, Change, Role, TenantId, TenantRecord};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;
use crate::types::NewApiKey;

impl Kms {
    /// Creates a tenant (platform admins only).
    pub async fn create_tenant(
        &self,
        caller: &Caller,
        id: TenantId,
        display_name: String,
    ) -> Result<TenantRecord> {
        let (mut op, allowed) = self.begin(caller, Action::TenantCreate);
        op.object(&id);
        let result = async {
            allowed?;
            if display_name.len() > 256 || display_name.chars().any(char::is_control) {
                return Err(ServiceError::invalid(
                    "display_name",
                    "at most 256 printable characters",
                ));
            }
            if self.store().get_tenant(&id).await?.is_some() {
                return Err(ServiceError::AlreadyExists { what: "tenant" });
            }
            let t = TenantRecord {
                display_name: if display_name.is_empty() {
                    id.to_string()
                } else {
                    display_name
                },
                id,
                created_at: self.now(),
            };
            self.commit(&mut op, vec![Change::CreateTenant(t.clone())])
                .await
                .map_err(|e| match e {
                    ServiceError::AlreadyExists { .. } => {
                        ServiceError::AlreadyExists { what: "tenant" }
                    }
                    other => other,
                })?;
            Ok(t)
        }
        .await;
        self.finish(op, result).await
    }

    /// All tenants (platform admins only).
    pub async fn list_tenants(&self, caller: &Caller) -> Result<Vec<TenantRecord>> {
        let (op, allowed) = self.begin(caller, Action::TenantList);
        let result = async {
            allowed?;
            Ok(self.store().list_tenants().await?)
        }
        .await;
        self.finish(op, result).await
    }

    /// One tenant: the caller's own, or any for a platform admin.
    pub async fn get_tenant(&self, caller: &Caller, id: &TenantId) -> Result<TenantRecord> {
        let (mut op, allowed) = self.begin(caller, Action::TenantGet);
        op.object(id);
        let result = async {
            allowed?;
            if !caller.platform_admin && *id != caller.tenant {
                return Err(ServiceError::NotFound { what: "tenant" });
            }
            self.store()
                .get_tenant(id)
                .await?
                .ok_or(ServiceError::NotFound { what: "tenant" })
        }
        .await;
        self.finish(op, result).await
    }

    /// On first start (no tenants yet): creates the `default` tenant and an
    /// initial platform-admin API key, returning its token (the given one, or
    /// a new random one). Returns `None` when already bootstrapped.
    pub async fn bootstrap(&self, token: Option<String>) -> Result<Option<String>> {
        if !self.store().list_tenants().await?.is_empty() {
            return Ok(None);
        }
        let tenant = TenantId::default_tenant();
        let mut system = Caller::system(tenant.clone());
        system.principal = "system:bootstrap".into();
        let t = TenantRecord {
            id: tenant.clone(),
            display_name: "Default".into(),
            created_at: self.now(),
        };
        let mut op = Op::new(&system, Action::TenantCreate);
        op.object(&tenant);
        self.commit(&mut op, vec![Change::CreateTenant(t)]).await?;
        let created = self
            .create_api_key_with_token(
                &system,
                NewApiKey {
                    name: "initial-admin".into(),
                    role: Role::Admin,
                    platform_admin: true,
                    expires_at: None,
                },
                token,
            )
            .await?;
        Ok(Some(created.token))
    }
}
