//! Batch forms of encrypt, decrypt and sign: one key lookup and one audit
//! record for many items, with a result per item.

use tresor_core::{Action, Caller, Operation};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::KeyRef;
use crate::types::{
    DecryptRequest, DecryptResult, EncryptRequest, EncryptResult, ItemResult, SignRequest,
    SignResult,
};

impl Kms {
    fn check_batch(&self, n: usize) -> Result<()> {
        let max = self.config().max_batch_items;
        if n == 0 || n > max {
            return Err(ServiceError::invalid(
                "items",
                format!("a batch holds 1 to {max} items"),
            ));
        }
        Ok(())
    }

    /// Encrypts every item under the primary version.
    pub async fn encrypt_batch(
        &self,
        caller: &Caller,
        key: &KeyRef,
        items: Vec<EncryptRequest>,
    ) -> Result<Vec<ItemResult<EncryptResult>>> {
        let (mut op, allowed) = self.begin(caller, Action::Encrypt);
        op.object(key);
        let result = async {
            allowed?;
            self.check_batch(items.len())?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::Encrypt)?;
            let uv = self.usable_version(&k, None).await?;
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                // Each item is one use of a key with usage limits.
                if let Err(e) = self.check_limits(caller, &k, Operation::Encrypt).await {
                    out.push(Err(e));
                    continue;
                }
                out.push(
                    self.seal(&k, &uv, item.plaintext.expose(), &item.binding)
                        .await,
                );
            }
            op.detail("version", uv.ctx.version);
            batch_detail(&mut op, &out);
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// Decrypts every item (each names its own version).
    pub async fn decrypt_batch(
        &self,
        caller: &Caller,
        key: &KeyRef,
        items: Vec<DecryptRequest>,
    ) -> Result<Vec<ItemResult<DecryptResult>>> {
        let (mut op, allowed) = self.begin(caller, Action::Decrypt);
        op.object(key);
        let result = async {
            allowed?;
            self.check_batch(items.len())?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::Decrypt)?;
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                if let Err(e) = self.check_limits(caller, &k, Operation::Decrypt).await {
                    out.push(Err(e));
                    continue;
                }
                out.push(self.open(&k, item).await);
            }
            batch_detail(&mut op, &out);
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// Signs every item with the primary version.
    pub async fn sign_batch(
        &self,
        caller: &Caller,
        key: &KeyRef,
        items: Vec<SignRequest>,
    ) -> Result<Vec<ItemResult<SignResult>>> {
        let (mut op, allowed) = self.begin(caller, Action::Sign);
        op.object(key);
        let result = async {
            allowed?;
            self.check_batch(items.len())?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                if let Err(e) = self.check_limits(caller, &k, Operation::Sign).await {
                    out.push(Err(e));
                    continue;
                }
                out.push(self.sign_loaded(&k, item).await);
            }
            batch_detail(&mut op, &out);
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }
}

fn batch_detail<T>(op: &mut crate::op::Op, out: &[ItemResult<T>]) {
    op.detail("items", out.len());
    op.detail("failed", out.iter().filter(|r| r.is_err()).count());
}
