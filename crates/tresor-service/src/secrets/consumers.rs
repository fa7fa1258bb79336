//! Consumers: services registered as using a secret or container (e.g. a
//! load balancer listener using a certificate container), so the owner can
//! see what depends on it before deleting it. Registering the same consumer
//! twice is a no-op; a secret with consumers is deleted only when forced.

use aws_lc_rs::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};
use tresor_core::{Action, Caller, Change, ObjectFilter, ObjectKind, Timestamp};

use super::objects::{NewObject, Target, from_body, to_body};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// Longest consumer field in bytes.
const MAX_FIELD: usize = 255;
/// Most consumers listed in one page.
pub const MAX_CONSUMER_PAGE: u32 = 1000;

/// A consumer. Containers' consumers (Barbican's `name` and `URL`) use
/// `service` and `resource_id`, with an empty `resource_type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    pub service: String,
    pub resource_type: String,
    pub resource_id: String,
}

/// A registered consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerInfo {
    pub consumer: Consumer,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn bounded(field: &'static str, v: &str, may_be_empty: bool) -> Result<()> {
    if (!may_be_empty && v.is_empty()) || v.len() > MAX_FIELD || v.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            field,
            format!("1-{MAX_FIELD} bytes without control characters"),
        ));
    }
    Ok(())
}

impl Consumer {
    fn validate(&self) -> Result<()> {
        bounded("service", &self.service, false)?;
        bounded("resource_type", &self.resource_type, true)?;
        bounded("resource_id", &self.resource_id, false)
    }

    /// A stable id per target and consumer, so registering twice finds the
    /// first registration.
    fn object_id(&self, target: Target) -> String {
        let key = serde_json::json!([self.service, self.resource_type, self.resource_id]);
        let hash = digest(&SHA256, key.to_string().as_bytes());
        format!(
            "{}:{}",
            target.id(),
            hash.as_ref()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    }
}

fn info(o: &tresor_core::ObjectRecord) -> Result<ConsumerInfo> {
    Ok(ConsumerInfo {
        consumer: from_body(o)?,
        created_at: o.created_at,
        updated_at: o.updated_at,
    })
}

impl Kms {
    /// A target the caller may read (its ACL applies to consumers too).
    async fn check_target_read(&self, caller: &Caller, target: Target) -> Result<()> {
        let creator = self.target_creator(caller, target).await?;
        let action = match target {
            Target::Secret(_) => Action::SecretGet,
            Target::Container(_) => Action::ContainerGet,
        };
        self.check_read(caller, action, target, &creator, &Ok(()))
            .await
    }

    /// Registers `consumer` on `target` (a no-op when already registered).
    pub async fn register_consumer(
        &self,
        caller: &Caller,
        target: Target,
        consumer: Consumer,
    ) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::ConsumerRegister);
        op.object(target.id());
        op.detail("target", target.noun());
        op.detail("service", consumer.service.clone());
        let result = async {
            allowed?;
            consumer.validate()?;
            self.check_target_read(caller, target).await?;
            let id = consumer.object_id(target);
            if self
                .store()
                .get_object(&caller.tenant, ObjectKind::Consumer, &id)
                .await?
                .is_some()
            {
                op.detail("already_registered", true);
                return Ok(());
            }
            self.check_quota(caller, super::quotas::QuotaKind::Consumers)
                .await?;
            let record = NewObject {
                kind: ObjectKind::Consumer,
                id,
                parent: Some(target.id()),
                name: Some(consumer.service.clone()),
                subtype: Some(target.noun()),
                body: to_body(&consumer)?,
            }
            .record(caller, self.now());
            self.commit(&mut op, vec![Change::CreateObject(record)])
                .await
        }
        .await;
        self.finish(op, result).await
    }

    /// Removes a registration (`NotFound` when there is none).
    pub async fn remove_consumer(
        &self,
        caller: &Caller,
        target: Target,
        consumer: Consumer,
    ) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::ConsumerRemove);
        op.object(target.id());
        op.detail("target", target.noun());
        op.detail("service", consumer.service.clone());
        let result = async {
            allowed?;
            consumer.validate()?;
            self.check_target_read(caller, target).await?;
            let id = consumer.object_id(target);
            self.load_object(&caller.tenant, ObjectKind::Consumer, &id, "consumer")
                .await?;
            let change = Change::DeleteObject {
                tenant: caller.tenant.clone(),
                kind: ObjectKind::Consumer,
                id,
            };
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }

    /// A page of a target's consumers in registration order, and how many
    /// there are in all.
    pub async fn list_consumers(
        &self,
        caller: &Caller,
        target: Target,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<ConsumerInfo>, u64)> {
        let (mut op, allowed) = self.begin(caller, Action::ConsumerList);
        op.object(target.id());
        op.detail("target", target.noun());
        let result = async {
            allowed?;
            self.check_target_read(caller, target).await?;
            self.consumers_of(caller, target, offset, limit).await
        }
        .await;
        self.finish(op, result).await
    }

    /// A page of a target's consumers (no authorization, no audit: for
    /// operations that already did both).
    pub(crate) async fn consumers_of(
        &self,
        caller: &Caller,
        target: Target,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<ConsumerInfo>, u64)> {
        let filter = ObjectFilter {
            parent: Some(target.id()),
            offset,
            limit: limit.clamp(1, MAX_CONSUMER_PAGE),
            ..ObjectFilter::of(ObjectKind::Consumer)
        };
        let page = self.store().list_objects(&caller.tenant, &filter).await?;
        let total = self.store().count_objects(&caller.tenant, &filter).await?;
        let items = page.iter().map(info).collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }
}
