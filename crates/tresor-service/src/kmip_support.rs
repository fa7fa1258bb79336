//! Service calls the KMIP front door needs beyond the REST surface: the
//! plaintext export of an exportable key's material (KMIP Get of a
//! symmetric or private key), and whether a key may be used for some
//! operations now (KMIP Check).

use tresor_core::{Action, Caller, KeyRecord, Operation, SecretBytes};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::KeyRef;

impl Kms {
    /// Whether `key` may perform every one of `operations` now: each is
    /// allowed on the key, the key is not pending destruction, and its
    /// state permits it (the same rules the operations themselves apply).
    /// A read, audited as `key.get`; the key's record when it may.
    pub async fn check_key_usage(
        &self,
        caller: &Caller,
        key: &KeyRef,
        operations: &[Operation],
    ) -> Result<KeyRecord> {
        let (mut op, allowed) = self.begin(caller, Action::KeyGet);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            for o in operations {
                self.check_usable(&k, *o)?;
            }
            Ok(k)
        }
        .await;
        self.finish(op, result).await
    }

    /// The primary version's material in import format (raw bytes for
    /// symmetric keys, PKCS#8 DER for private keys), with the key's record.
    /// Only for keys created `exportable`, not destroyed, with an enabled
    /// primary version; audited as `key.export` (role user or above).
    pub async fn export_key_material(
        &self,
        caller: &Caller,
        key: &KeyRef,
    ) -> Result<(KeyRecord, SecretBytes)> {
        let (mut op, allowed) = self.begin(caller, Action::KeyExport);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            if !k.exportable {
                return Err(ServiceError::OperationNotAllowed("export"));
            }
            self.require_approval(&k, crate::approvals::ActionClass::Manage)?;
            if k.state.is_destroyed() {
                return Err(ServiceError::WrongState("the key is destroyed".into()));
            }
            let uv = self.usable_version(&k, None).await?;
            op.detail("version", uv.ctx.version);
            let material = self
                .provider(&k.provider)?
                .export(&uv.ctx, &uv.handle)
                .await?;
            Ok((k, material))
        }
        .await;
        self.finish(op, result).await
    }
}
