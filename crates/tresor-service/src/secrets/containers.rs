//! Containers: named groups of a tenant's secrets (Barbican's generic, rsa
//! and certificate containers). A container holds references only; reading
//! a referenced secret's payload still goes through that secret's checks.
//! Typed containers have fixed member names; only generic containers take
//! members added or removed later.

use serde::{Deserialize, Serialize};
use tresor_core::{Action, Caller, Change, ObjectFilter, ObjectKind, SecretId, Timestamp};

use super::consumers::ConsumerInfo;
use super::objects::{NewObject, Target, from_body, to_body};
use super::quotas::QuotaKind;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// Most secrets in one container.
pub const MAX_CONTAINER_SECRETS: usize = 64;
/// Container types.
pub const CONTAINER_TYPES: [&str; 3] = ["generic", "rsa", "certificate"];
/// Consumers shown with a container.
const CONSUMERS_SHOWN: u32 = 100;

/// One member: its name in the container and the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSecret {
    pub name: String,
    pub secret: SecretId,
}

/// A container to create.
#[derive(Debug, Clone, Default)]
pub struct NewContainer {
    pub name: Option<String>,
    /// One of [`CONTAINER_TYPES`]; `None` means generic.
    pub container_type: Option<String>,
    pub secrets: Vec<ContainerSecret>,
}

/// The stored document.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ContainerDoc {
    container_type: String,
    secrets: Vec<ContainerSecret>,
}

/// A container as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    pub id: SecretId,
    pub name: Option<String>,
    pub container_type: String,
    pub secrets: Vec<ContainerSecret>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The first consumers (on single reads; empty in listings).
    pub consumers: Vec<ConsumerInfo>,
}

/// Which containers to list.
#[derive(Debug, Clone, Default)]
pub struct ContainerFilter {
    pub name: Option<String>,
    pub container_type: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

fn allowed_names(kind: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    match kind {
        "rsa" => Some((
            &["public_key", "private_key", "private_key_passphrase"],
            &["public_key", "private_key"],
        )),
        "certificate" => Some((
            &[
                "certificate",
                "intermediates",
                "private_key",
                "private_key_passphrase",
            ],
            &["certificate"],
        )),
        _ => None,
    }
}

fn check_member_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 255 || name.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            "secret_refs",
            "member names are 1-255 bytes without control characters",
        ));
    }
    Ok(())
}

/// Checks the members against the container type's rules.
fn check_members(kind: &str, secrets: &[ContainerSecret]) -> Result<()> {
    if secrets.len() > MAX_CONTAINER_SECRETS {
        return Err(ServiceError::invalid(
            "secret_refs",
            format!("at most {MAX_CONTAINER_SECRETS} secrets"),
        ));
    }
    for (i, s) in secrets.iter().enumerate() {
        check_member_name(&s.name)?;
        if secrets[..i].iter().any(|o| o.name == s.name) {
            return Err(ServiceError::invalid(
                "secret_refs",
                format!("the name '{}' is used twice", s.name),
            ));
        }
    }
    if let Some((allowed, required)) = allowed_names(kind) {
        if let Some(bad) = secrets.iter().find(|s| !allowed.contains(&s.name.as_str())) {
            return Err(ServiceError::invalid(
                "secret_refs",
                format!(
                    "a {kind} container takes only {}; not '{}'",
                    allowed.join(", "),
                    bad.name
                ),
            ));
        }
        if let Some(missing) = required
            .iter()
            .find(|r| !secrets.iter().any(|s| s.name == **r))
        {
            return Err(ServiceError::invalid(
                "secret_refs",
                format!("a {kind} container needs '{missing}'"),
            ));
        }
    }
    Ok(())
}

fn info(o: &tresor_core::ObjectRecord) -> Result<ContainerInfo> {
    let doc: ContainerDoc = from_body(o)?;
    Ok(ContainerInfo {
        id: SecretId::parse(&o.id).map_err(|_| ServiceError::Internal("container id"))?,
        name: o.name.clone(),
        container_type: doc.container_type,
        secrets: doc.secrets,
        created_by: o.created_by.clone(),
        created_at: o.created_at,
        updated_at: o.updated_at,
        consumers: Vec::new(),
    })
}

impl Kms {
    /// Every member must be a secret of the caller's tenant.
    async fn check_secrets_exist(
        &self,
        caller: &Caller,
        secrets: &[ContainerSecret],
    ) -> Result<()> {
        for s in secrets {
            if self
                .store()
                .get_secret(&caller.tenant, &s.secret)
                .await?
                .is_none()
            {
                return Err(ServiceError::invalid(
                    "secret_refs",
                    format!("secret {} does not exist", s.secret),
                ));
            }
        }
        Ok(())
    }

    /// Creates a container.
    pub async fn create_container(
        &self,
        caller: &Caller,
        req: NewContainer,
    ) -> Result<ContainerInfo> {
        let (mut op, allowed) = self.begin(caller, Action::ContainerCreate);
        let result = async {
            allowed?;
            let kind = req.container_type.unwrap_or_else(|| "generic".into());
            if !CONTAINER_TYPES.contains(&kind.as_str()) {
                return Err(ServiceError::invalid(
                    "type",
                    format!("one of {}", CONTAINER_TYPES.join(", ")),
                ));
            }
            if let Some(n) = &req.name
                && (n.is_empty() || n.len() > 255 || n.chars().any(char::is_control))
            {
                return Err(ServiceError::invalid("name", "1-255 bytes"));
            }
            check_members(&kind, &req.secrets)?;
            self.check_secrets_exist(caller, &req.secrets).await?;
            self.check_quota(caller, QuotaKind::Containers).await?;
            let id = SecretId::generate();
            op.object(id);
            op.detail("type", kind.clone());
            op.detail("secrets", req.secrets.len());
            let doc = ContainerDoc {
                container_type: kind.clone(),
                secrets: req.secrets,
            };
            let record = NewObject {
                kind: ObjectKind::Container,
                id: id.to_string(),
                parent: None,
                name: req.name,
                subtype: Some(&kind),
                body: to_body(&doc)?,
            }
            .record(caller, self.now());
            let out = info(&record)?;
            self.commit(&mut op, vec![Change::CreateObject(record)])
                .await?;
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// A container, with its first consumers.
    pub async fn get_container(&self, caller: &Caller, id: &SecretId) -> Result<ContainerInfo> {
        let (mut op, allowed) = self.begin(caller, Action::ContainerGet);
        op.object(id);
        let result = async {
            let o = self.load_container(caller, id).await?;
            let target = Target::Container(*id);
            self.check_read(
                caller,
                Action::ContainerGet,
                target,
                &o.created_by,
                &allowed,
            )
            .await?;
            let mut c = info(&o)?;
            c.consumers = self
                .consumers_of(caller, target, 0, CONSUMERS_SHOWN)
                .await?
                .0;
            Ok(c)
        }
        .await;
        self.finish(op, result).await
    }

    /// A page of the tenant's containers in creation order, and the total.
    pub async fn list_containers(
        &self,
        caller: &Caller,
        f: ContainerFilter,
    ) -> Result<(Vec<ContainerInfo>, u64)> {
        let (op, allowed) = self.begin(caller, Action::ContainerList);
        let result = async {
            allowed?;
            let filter = ObjectFilter {
                name: f.name,
                subtype: f.container_type,
                offset: f.offset,
                limit: f.limit,
                ..ObjectFilter::of(ObjectKind::Container)
            };
            let page = self.store().list_objects(&caller.tenant, &filter).await?;
            let total = self.store().count_objects(&caller.tenant, &filter).await?;
            Ok((page.iter().map(info).collect::<Result<Vec<_>>>()?, total))
        }
        .await;
        self.finish(op, result).await
    }

    /// Deletes a container with its consumers and ACL (not its secrets).
    pub async fn delete_container(&self, caller: &Caller, id: &SecretId) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::ContainerDelete);
        op.object(id);
        let result = async {
            allowed?;
            self.load_container(caller, id).await?;
            let changes = vec![
                Change::DeleteChildren {
                    tenant: caller.tenant.clone(),
                    parent: id.to_string(),
                },
                Change::DeleteObject {
                    tenant: caller.tenant.clone(),
                    kind: ObjectKind::Container,
                    id: id.to_string(),
                },
            ];
            self.commit(&mut op, changes).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Adds (`add`) or removes a member of a generic container.
    pub async fn change_container_secret(
        &self,
        caller: &Caller,
        id: &SecretId,
        member: ContainerSecret,
        add: bool,
    ) -> Result<ContainerInfo> {
        let (mut op, allowed) = self.begin(caller, Action::ContainerUpdate);
        op.object(id);
        op.detail(
            if add { "added" } else { "removed" },
            member.secret.to_string(),
        );
        let result = async {
            allowed?;
            let mut o = self.load_container(caller, id).await?;
            let mut doc: ContainerDoc = from_body(&o)?;
            if doc.container_type != "generic" {
                return Err(ServiceError::invalid(
                    "container",
                    "only generic containers take members added or removed",
                ));
            }
            if add {
                check_member_name(&member.name)?;
                if doc.secrets.iter().any(|s| s.name == member.name) {
                    return Err(ServiceError::AlreadyExists {
                        what: "a member of that name",
                    });
                }
                self.check_secrets_exist(caller, std::slice::from_ref(&member))
                    .await?;
                doc.secrets.push(member);
                check_members("generic", &doc.secrets)?;
            } else {
                let before = doc.secrets.len();
                doc.secrets.retain(|s| *s != member);
                if doc.secrets.len() == before {
                    return Err(ServiceError::NotFound {
                        what: "container member",
                    });
                }
            }
            let expected_revision = o.revision;
            o.body = to_body(&doc)?;
            o.updated_at = self.now();
            let out = info(&o)?;
            self.commit(
                &mut op,
                vec![Change::UpdateObject {
                    object: o,
                    expected_revision,
                }],
            )
            .await?;
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    async fn load_container(
        &self,
        caller: &Caller,
        id: &SecretId,
    ) -> Result<tresor_core::ObjectRecord> {
        self.load_object(
            &caller.tenant,
            ObjectKind::Container,
            &id.to_string(),
            "container",
        )
        .await
    }

    /// Stores a typed container made by an order (no separate audit record:
    /// the order's commit carries it).
    pub(crate) fn container_record(
        &self,
        caller: &Caller,
        id: SecretId,
        name: Option<String>,
        kind: &str,
        secrets: Vec<ContainerSecret>,
    ) -> Result<tresor_core::ObjectRecord> {
        check_members(kind, &secrets)?;
        let doc = ContainerDoc {
            container_type: kind.to_owned(),
            secrets,
        };
        Ok(NewObject {
            kind: ObjectKind::Container,
            id: id.to_string(),
            parent: None,
            name,
            subtype: Some(kind),
            body: to_body(&doc)?,
        }
        .record(caller, self.now()))
    }
}
