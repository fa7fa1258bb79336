//! Audit export: the chain as JSON lines, for archiving and offline
//! verification (`tresor audit verify --offline`). Each line is one JSON
//! object tagged with its `type`: every `record` oldest first, then every
//! `checkpoint`, then each audit public `key` (SubjectPublicKeyInfo PEM)
//! that signed one of them.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tresor_core::{
    Action, Algorithm, AuditFilter, AuditRecord, Caller, Checkpoint, KeyId, Store, TenantId,
    Timestamp,
};

use crate::audit_verify::all_checkpoints;
use crate::error::Result;
use crate::kms::Kms;
use crate::public::to_pem;

/// One line of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum ExportLine {
    Record(AuditRecord),
    Checkpoint(Checkpoint),
    Key(ExportKey),
}

impl ExportLine {
    /// The line as JSON text (no newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// An audit public key in an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportKey {
    /// The tenant whose checkpoints it signs; `None` for the global key.
    pub tenant: Option<TenantId>,
    pub key_id: KeyId,
    pub version: u32,
    pub algorithm: Algorithm,
    /// SubjectPublicKeyInfo, PEM (`-----BEGIN PUBLIC KEY-----`).
    pub public_key_pem: String,
}

/// Where an export starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportStart {
    /// Only records with `seq` above this.
    pub after_seq: Option<u64>,
    /// Only records from this time on (the first such record and all after).
    pub since: Option<Timestamp>,
}

/// An export in progress: records are read page by page, up to the head at
/// the time the export began; checkpoints and keys are read up front.
#[derive(Debug)]
pub struct AuditExport {
    store: Arc<dyn Store>,
    after: u64,
    until: u64,
    /// The checkpoints to emit after the records.
    pub checkpoints: Vec<Checkpoint>,
    /// The keys that signed them.
    pub keys: Vec<ExportKey>,
}

impl AuditExport {
    /// The next page of records, `None` when done.
    pub async fn next_records(&mut self) -> Result<Option<Vec<AuditRecord>>> {
        if self.after >= self.until {
            return Ok(None);
        }
        let mut page = self
            .store
            .list_audit(&AuditFilter {
                after_seq: Some(self.after),
                ascending: true,
                limit: 1000,
                ..AuditFilter::default()
            })
            .await?;
        page.retain(|r| r.seq <= self.until);
        match page.last() {
            Some(last) => self.after = last.seq,
            None => self.after = self.until,
        }
        Ok((!page.is_empty()).then_some(page))
    }

    /// The lines after the records: checkpoints, then keys.
    pub fn trailer(&self) -> Vec<ExportLine> {
        self.checkpoints
            .iter()
            .cloned()
            .map(ExportLine::Checkpoint)
            .chain(self.keys.iter().cloned().map(ExportLine::Key))
            .collect()
    }
}

impl Kms {
    /// Starts an export of the whole chain (platform admins: the chain spans
    /// every tenant).
    pub async fn export_audit(&self, caller: &Caller, start: ExportStart) -> Result<AuditExport> {
        let (mut op, allowed) = self.begin(caller, Action::AuditExport);
        let result = async {
            allowed?;
            let (head, _) = self.store().audit_head().await?;
            let mut after = start.after_seq.unwrap_or(0);
            if let Some(since) = start.since {
                let first = self
                    .store()
                    .list_audit(&AuditFilter {
                        since: Some(since),
                        after_seq: Some(after),
                        ascending: true,
                        limit: 1,
                        ..AuditFilter::default()
                    })
                    .await?;
                after = first.first().map_or(head, |r| r.seq.saturating_sub(1));
            }
            op.detail("after_seq", after);
            op.detail("head", head);
            let checkpoints: Vec<Checkpoint> = all_checkpoints(self.store())
                .await?
                .into_iter()
                .filter(|c| c.seq <= head)
                .collect();
            let keys = export_keys(self.store(), &checkpoints).await?;
            Ok(AuditExport {
                store: self.store().clone(),
                after,
                until: head,
                checkpoints,
                keys,
            })
        }
        .await;
        self.finish(op, result).await
    }
}

/// The public keys that signed `checkpoints`, each once.
pub(crate) async fn export_keys(
    store: &Arc<dyn Store>,
    checkpoints: &[Checkpoint],
) -> Result<Vec<ExportKey>> {
    let wanted: BTreeSet<(TenantId, Option<TenantId>, KeyId, u32)> = checkpoints
        .iter()
        .map(|c| (c.key_tenant(), c.tenant.clone(), c.key_id, c.key_version))
        .collect();
    let mut out = Vec::new();
    for (key_tenant, tenant, key_id, version) in wanted {
        let Some(key) = store.get_key(&key_tenant, &key_id).await? else {
            continue;
        };
        let Some(v) = store.get_version(&key_tenant, &key_id, version).await? else {
            continue;
        };
        if let Some(pk) = v.public_key {
            out.push(ExportKey {
                tenant,
                key_id,
                version,
                algorithm: key.algorithm,
                public_key_pem: to_pem(&pk),
            });
        }
    }
    Ok(out)
}
