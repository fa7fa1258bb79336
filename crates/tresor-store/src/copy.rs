//! `tresor db copy`: moves a deployment from one store to another (SQLite
//! to PostgreSQL and back) with nothing lost. Everything goes through the
//! [`Store`] port: tenants, keys and their versions (wrapped handles as they
//! are, so both sides need the same root key), API keys, certificate
//! principals, certificates, CAs, stored secrets and their containers, orders,
//! consumers, ACLs and quotas, provider blobs, and the audit chain record by record with
//! its sequence numbers and hashes, so it still verifies on the target.
//!
//! The source should not be written to while copying (stop the servers);
//! the audit chain is copied up to the head read at the start.

use tresor_core::{AuditFilter, Change, KeyFilter, PageRequest, Store, StoreError};

/// Keys (with their versions) per target transaction, and audit records
/// per read/import.
const KEY_BATCH: u32 = 200;
const AUDIT_BATCH: u32 = 1000;

/// What [`copy`] moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyReport {
    pub tenants: u64,
    pub keys: u64,
    pub versions: u64,
    pub api_keys: u64,
    pub cert_principals: u64,
    pub discovery_scans: u64,
    pub certificates: u64,
    pub cas: u64,
    pub secrets: u64,
    /// Secret-store objects (containers, orders, consumers, ACLs, quotas).
    pub secret_objects: u64,
    pub provider_blobs: u64,
    pub audit_records: u64,
}

/// Why a copy stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// The target already holds tenants, audit records or provider blobs.
    #[error("the target database is not empty; copy only into a new, empty database")]
    TargetNotEmpty,
    /// The source's audit chain changed or broke while it was copied.
    #[error("the source audit chain changed during the copy (is a server still running on it?)")]
    SourceChanged,
    /// Reading the source or writing the target failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Copies everything in `from` into the empty store `to`.
pub async fn copy(from: &dyn Store, to: &dyn Store) -> Result<CopyReport, CopyError> {
    if !to.list_tenants().await?.is_empty()
        || to.audit_head().await?.0 != 0
        || !to.list_blobs().await?.is_empty()
    {
        return Err(CopyError::TargetNotEmpty);
    }
    let mut report = CopyReport::default();
    // Blobs first: the provider's wrapped tenant keys.
    for (provider, name, value) in from.list_blobs().await? {
        to.put_blob_if_absent(&provider, &name, &value).await?;
        report.provider_blobs += 1;
    }
    let tenants = from.list_tenants().await?;
    for t in &tenants {
        to.commit(vec![Change::CreateTenant(t.clone())], vec![])
            .await?;
        report.tenants += 1;
    }
    for t in &tenants {
        copy_keys(from, to, t, &mut report).await?;
        let mut changes = Vec::new();
        for a in from.list_api_keys(&t.id).await? {
            changes.push(Change::CreateApiKey(a));
            report.api_keys += 1;
        }
        for p in from.list_cert_principals(&t.id).await? {
            changes.push(Change::UpsertCertPrincipal(p));
            report.cert_principals += 1;
        }
        for s in from.list_discovery_scans(&t.id, 1000).await? {
            changes.push(Change::PutDiscoveryScan(s));
            report.discovery_scans += 1;
        }
        if !changes.is_empty() {
            to.commit(changes, vec![]).await?;
        }
        copy_pki(from, to, t, &mut report).await?;
        copy_secrets(from, to, t, &mut report).await?;
        copy_objects(from, to, t, &mut report).await?;
    }
    report.audit_records = copy_audit(from, to).await?;
    Ok(report)
}

/// Every certificate (revocations kept) and CA (with its CRL) of the tenant.
async fn copy_pki(
    from: &dyn Store,
    to: &dyn Store,
    t: &tresor_core::TenantRecord,
    report: &mut CopyReport,
) -> Result<(), CopyError> {
    let mut after = None;
    loop {
        let filter = tresor_core::CertificateFilter {
            after,
            limit: 1000,
            ..Default::default()
        };
        let page = from.list_certificates(&t.id, &filter).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        report.certificates += page.len() as u64;
        to.commit(
            page.into_iter().map(Change::CreateCertificate).collect(),
            vec![],
        )
        .await?;
    }
    let cas = from.list_cas(&t.id).await?;
    if !cas.is_empty() {
        report.cas += cas.len() as u64;
        to.commit(cas.into_iter().map(Change::CreateCa).collect(), vec![])
            .await?;
    }
    Ok(())
}

/// Every stored secret of the tenant (payloads stay encrypted as they are).
async fn copy_secrets(
    from: &dyn Store,
    to: &dyn Store,
    t: &tresor_core::TenantRecord,
    report: &mut CopyReport,
) -> Result<(), CopyError> {
    let mut after = None;
    loop {
        let filter = tresor_core::SecretFilter {
            after,
            limit: 1000,
            ..Default::default()
        };
        let page = from.list_secrets(&t.id, &filter).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        report.secrets += page.len() as u64;
        to.commit(page.into_iter().map(Change::CreateSecret).collect(), vec![])
            .await?;
    }
    Ok(())
}

/// Every secret-store object of the tenant, kind by kind.
async fn copy_objects(
    from: &dyn Store,
    to: &dyn Store,
    t: &tresor_core::TenantRecord,
    report: &mut CopyReport,
) -> Result<(), CopyError> {
    for kind in tresor_core::ObjectKind::ALL {
        let mut filter = tresor_core::ObjectFilter::of(kind);
        filter.limit = 1000;
        loop {
            let page = from.list_objects(&t.id, &filter).await?;
            if page.is_empty() {
                break;
            }
            filter.offset = filter.offset.saturating_add(page.len() as u32);
            report.secret_objects += page.len() as u64;
            to.commit(page.into_iter().map(Change::CreateObject).collect(), vec![])
                .await?;
        }
    }
    Ok(())
}

/// Every key of the tenant (internal ones too) with all its versions.
async fn copy_keys(
    from: &dyn Store,
    to: &dyn Store,
    tenant: &tresor_core::TenantRecord,
    report: &mut CopyReport,
) -> Result<(), CopyError> {
    let filter = KeyFilter {
        include_internal: true,
        ..KeyFilter::default()
    };
    let mut after = None;
    loop {
        let page = from
            .list_keys(
                &tenant.id,
                &filter,
                PageRequest {
                    after,
                    limit: KEY_BATCH,
                },
            )
            .await?;
        let mut changes = Vec::new();
        for k in page.items {
            let versions = from.list_versions(&k.tenant, &k.id).await?;
            changes.push(Change::CreateKey(k));
            report.keys += 1;
            report.versions += versions.len() as u64;
            changes.extend(versions.into_iter().map(Change::CreateVersion));
        }
        if !changes.is_empty() {
            to.commit(changes, vec![]).await?;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

/// The audit chain up to the source's current head, oldest first.
async fn copy_audit(from: &dyn Store, to: &dyn Store) -> Result<u64, CopyError> {
    let (head, head_hash) = from.audit_head().await?;
    let mut last = 0u64;
    let mut last_hash = [0u8; 32];
    while last < head {
        let filter = AuditFilter {
            after_seq: Some(last),
            limit: AUDIT_BATCH,
            ascending: true,
            ..AuditFilter::default()
        };
        let records: Vec<_> = from
            .list_audit(&filter)
            .await?
            .into_iter()
            .filter(|r| r.seq <= head)
            .collect();
        let Some(tail) = records.last() else {
            return Err(CopyError::SourceChanged);
        };
        (last, last_hash) = (tail.seq, tail.hash);
        to.import_audit(records).await.map_err(|e| match e {
            StoreError::Corrupt(_) | StoreError::Conflict => CopyError::SourceChanged,
            e => CopyError::Store(e),
        })?;
    }
    if head > 0 && last_hash != head_hash {
        return Err(CopyError::SourceChanged);
    }
    Ok(last)
}
