//! Service calls the KMIP front door needs beyond the REST surface: the
//! plaintext export of an exportable key's material (KMIP Get of a
//! symmetric or private key).

use tresor_core::{Action, Caller, KeyRecord, SecretBytes};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::KeyRef;

impl Kms {
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
