//! The `Store` and `ProviderStateStore` impls of the server backends: thin
//! delegation to each backend's query modules, written once.

/// Implements [`Store`](tresor_core::Store) and
/// [`ProviderStateStore`](tresor_core::ProviderStateStore) for a server
/// backend type with a `pool` field, delegating to the invoking module's
/// `commit`, `keys`, `credentials`, `audit`, `cluster`, `discovery`, `evidence`,
/// `pki`, `secrets` and `objects` submodules (which take `&pool` first and otherwise the trait method's arguments).
macro_rules! delegate_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl tresor_core::ProviderStateStore for $ty {
            async fn get_blob(
                &self,
                provider: &tresor_core::ProviderId,
                name: &str,
            ) -> Result<Option<Vec<u8>>, tresor_core::StoreError> {
                credentials::get_blob(&self.pool, provider, name).await
            }

            async fn put_blob_if_absent(
                &self,
                provider: &tresor_core::ProviderId,
                name: &str,
                value: &[u8],
            ) -> Result<Vec<u8>, tresor_core::StoreError> {
                credentials::put_blob_if_absent(&self.pool, provider, name, value).await
            }
        }

        #[async_trait::async_trait]
        impl tresor_core::Store for $ty {
            async fn commit(
                &self,
                changes: Vec<tresor_core::Change>,
                audit: Vec<tresor_core::AuditEvent>,
            ) -> Result<Vec<tresor_core::audit::AuditRecord>, tresor_core::StoreError> {
                commit::commit(&self.pool, changes, audit).await
            }

            async fn get_tenant(
                &self,
                id: &tresor_core::TenantId,
            ) -> Result<Option<tresor_core::TenantRecord>, tresor_core::StoreError> {
                credentials::get_tenant(&self.pool, id).await
            }

            async fn list_tenants(
                &self,
            ) -> Result<Vec<tresor_core::TenantRecord>, tresor_core::StoreError> {
                credentials::list_tenants(&self.pool).await
            }

            async fn get_key(
                &self,
                tenant: &tresor_core::TenantId,
                id: &tresor_core::KeyId,
            ) -> Result<Option<tresor_core::KeyRecord>, tresor_core::StoreError> {
                keys::get_key(&self.pool, tenant, id).await
            }

            async fn get_key_by_alias(
                &self,
                tenant: &tresor_core::TenantId,
                alias: &tresor_core::Alias,
            ) -> Result<Option<tresor_core::KeyRecord>, tresor_core::StoreError> {
                keys::get_key_by_alias(&self.pool, tenant, alias).await
            }

            async fn list_keys(
                &self,
                tenant: &tresor_core::TenantId,
                filter: &tresor_core::KeyFilter,
                page: tresor_core::PageRequest,
            ) -> Result<tresor_core::Page<tresor_core::KeyRecord>, tresor_core::StoreError> {
                keys::list_keys(&self.pool, tenant, filter, page).await
            }

            async fn keys_due(
                &self,
                now: tresor_core::Timestamp,
                limit: u32,
            ) -> Result<Vec<tresor_core::KeyRecord>, tresor_core::StoreError> {
                keys::keys_due(&self.pool, now, limit).await
            }

            async fn list_versions(
                &self,
                tenant: &tresor_core::TenantId,
                key: &tresor_core::KeyId,
            ) -> Result<Vec<tresor_core::VersionRecord>, tresor_core::StoreError> {
                keys::list_versions(&self.pool, tenant, key).await
            }

            async fn get_version(
                &self,
                tenant: &tresor_core::TenantId,
                key: &tresor_core::KeyId,
                version: u32,
            ) -> Result<Option<tresor_core::VersionRecord>, tresor_core::StoreError> {
                keys::get_version(&self.pool, tenant, key, version).await
            }

            async fn get_api_key_by_hash(
                &self,
                hash: &[u8],
            ) -> Result<Option<tresor_core::ApiKeyRecord>, tresor_core::StoreError> {
                credentials::get_api_key_by_hash(&self.pool, hash).await
            }

            async fn list_api_keys(
                &self,
                tenant: &tresor_core::TenantId,
            ) -> Result<Vec<tresor_core::ApiKeyRecord>, tresor_core::StoreError> {
                credentials::list_api_keys(&self.pool, tenant).await
            }

            async fn get_api_key(
                &self,
                tenant: &tresor_core::TenantId,
                id: &tresor_core::ApiKeyId,
            ) -> Result<Option<tresor_core::ApiKeyRecord>, tresor_core::StoreError> {
                credentials::get_api_key(&self.pool, tenant, id).await
            }

            async fn find_cert_principals(
                &self,
                subject_cn: &str,
            ) -> Result<Vec<tresor_core::CertPrincipal>, tresor_core::StoreError> {
                credentials::find_cert_principals(&self.pool, subject_cn).await
            }

            async fn list_cert_principals(
                &self,
                tenant: &tresor_core::TenantId,
            ) -> Result<Vec<tresor_core::CertPrincipal>, tresor_core::StoreError> {
                credentials::list_cert_principals(&self.pool, tenant).await
            }

            async fn list_audit(
                &self,
                filter: &tresor_core::AuditFilter,
            ) -> Result<Vec<tresor_core::audit::AuditRecord>, tresor_core::StoreError> {
                audit::list_audit(&self.pool, filter).await
            }

            async fn audit_head(&self) -> Result<(u64, [u8; 32]), tresor_core::StoreError> {
                audit::read_head(&self.pool).await
            }

            async fn list_checkpoints(
                &self,
                filter: &tresor_core::CheckpointFilter,
            ) -> Result<Vec<tresor_core::Checkpoint>, tresor_core::StoreError> {
                checkpoints::list_checkpoints(&self.pool, filter).await
            }

            async fn try_acquire_lease(
                &self,
                name: &str,
                holder: &str,
                ttl: std::time::Duration,
            ) -> Result<bool, tresor_core::StoreError> {
                cluster::try_acquire_lease(&self.pool, name, holder, ttl).await
            }

            async fn release_lease(
                &self,
                name: &str,
                holder: &str,
            ) -> Result<(), tresor_core::StoreError> {
                cluster::release_lease(&self.pool, name, holder).await
            }

            async fn import_audit(
                &self,
                records: Vec<tresor_core::audit::AuditRecord>,
            ) -> Result<(), tresor_core::StoreError> {
                cluster::import_audit(&self.pool, records).await
            }

            async fn list_blobs(
                &self,
            ) -> Result<Vec<(tresor_core::ProviderId, String, Vec<u8>)>, tresor_core::StoreError>
            {
                cluster::list_blobs(&self.pool).await
            }

            async fn get_discovery_scan(
                &self,
                tenant: &tresor_core::TenantId,
                id: &str,
            ) -> Result<Option<tresor_core::discovery::DiscoveryScan>, tresor_core::StoreError>
            {
                discovery::get(&self.pool, tenant, id).await
            }

            async fn list_discovery_scans(
                &self,
                tenant: &tresor_core::TenantId,
                limit: u32,
            ) -> Result<Vec<tresor_core::discovery::DiscoveryScan>, tresor_core::StoreError> {
                discovery::list(&self.pool, tenant, limit).await
            }

            async fn sink_cursor(&self, sink: &str) -> Result<u64, tresor_core::StoreError> {
                evidence::sink_cursor(&self.pool, sink).await
            }

            async fn advance_sink_cursor(
                &self,
                sink: &str,
                seq: u64,
            ) -> Result<(), tresor_core::StoreError> {
                evidence::advance_sink_cursor(&self.pool, sink, seq).await
            }

            async fn list_alerts(
                &self,
                filter: &tresor_core::AlertFilter,
            ) -> Result<Vec<tresor_core::AlertRecord>, tresor_core::StoreError> {
                evidence::list_alerts(&self.pool, filter).await
            }

            async fn get_certificate(
                &self,
                tenant: &tresor_core::TenantId,
                id: &tresor_core::CertId,
            ) -> Result<Option<tresor_core::CertificateRecord>, tresor_core::StoreError> {
                pki::get_certificate(&self.pool, tenant, id).await
            }

            async fn list_certificates(
                &self,
                tenant: &tresor_core::TenantId,
                filter: &tresor_core::CertificateFilter,
            ) -> Result<Vec<tresor_core::CertificateRecord>, tresor_core::StoreError> {
                pki::list_certificates(&self.pool, tenant, filter).await
            }

            async fn get_ca(
                &self,
                tenant: &tresor_core::TenantId,
                name: &str,
            ) -> Result<Option<tresor_core::CaRecord>, tresor_core::StoreError> {
                pki::get_ca(&self.pool, tenant, name).await
            }

            async fn list_cas(
                &self,
                tenant: &tresor_core::TenantId,
            ) -> Result<Vec<tresor_core::CaRecord>, tresor_core::StoreError> {
                pki::list_cas(&self.pool, tenant).await
            }

            async fn get_secret(
                &self,
                tenant: &tresor_core::TenantId,
                id: &tresor_core::SecretId,
            ) -> Result<Option<tresor_core::SecretRecord>, tresor_core::StoreError> {
                secrets::get_secret(&self.pool, tenant, id).await
            }

            async fn list_secrets(
                &self,
                tenant: &tresor_core::TenantId,
                filter: &tresor_core::SecretFilter,
            ) -> Result<Vec<tresor_core::SecretRecord>, tresor_core::StoreError> {
                secrets::list_secrets(&self.pool, tenant, filter).await
            }

            async fn count_secrets(
                &self,
                tenant: &tresor_core::TenantId,
                filter: &tresor_core::SecretFilter,
            ) -> Result<u64, tresor_core::StoreError> {
                secrets::count_secrets(&self.pool, tenant, filter).await
            }

            async fn get_object(
                &self,
                tenant: &tresor_core::TenantId,
                kind: tresor_core::ObjectKind,
                id: &str,
            ) -> Result<Option<tresor_core::ObjectRecord>, tresor_core::StoreError> {
                objects::get_object(&self.pool, tenant, kind, id).await
            }

            async fn list_objects(
                &self,
                tenant: &tresor_core::TenantId,
                filter: &tresor_core::ObjectFilter,
            ) -> Result<Vec<tresor_core::ObjectRecord>, tresor_core::StoreError> {
                objects::list_objects(&self.pool, tenant, filter).await
            }

            async fn count_objects(
                &self,
                tenant: &tresor_core::TenantId,
                filter: &tresor_core::ObjectFilter,
            ) -> Result<u64, tresor_core::StoreError> {
                objects::count_objects(&self.pool, tenant, filter).await
            }
        }
    };
}
pub(crate) use delegate_store;
