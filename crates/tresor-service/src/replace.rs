//! Replacing a key by a new one (KMIP Re-key and Re-key Key Pair). Unlike
//! rotation, which adds a version under the same id, a replacement is a
//! new key with its own id: same algorithm, operations, provider,
//! exportability, description and tags, fresh material. The alias moves
//! from the old key to the new one, and the two are linked both ways by
//! the tags [`REPLACED_BY_TAG`] and [`REPLACES_TAG`]. The old key keeps its
//! state and versions (it still decrypts and verifies until it is revoked
//! or destroyed). One audited `key.replace` commit does all of it.

use std::collections::BTreeMap;

use tresor_core::{Action, Caller, Change, KeyOrigin, VersionRecord};

use crate::approvals::{LIMITS_TAG, POLICY_TAG, policy_change};
use crate::error::{Result, ServiceError};
use crate::keys::{ctx_of, is_reserved_tag, version_info};
use crate::kms::Kms;
use crate::resolve::KeyRef;
use crate::types::{KeyDetails, KeySpec};

/// Tag on a replaced key naming the key that replaced it (reserved:
/// callers cannot set it, see [`crate::RESERVED_TAG_PREFIX`]).
pub const REPLACED_BY_TAG: &str = "tresor:replaced-by";
/// Tag on a replacement key naming the key it replaced.
pub const REPLACES_TAG: &str = "tresor:replaces";

/// How the replacement differs from the key it replaces.
#[derive(Debug, Clone, Default)]
pub struct Replacement {
    /// Create the replacement Active (else Pre-Active).
    pub activate: bool,
    /// The replacement's tags; `None` copies the old key's.
    pub tags: Option<BTreeMap<String, String>>,
    /// Tags that move with the alias: removed from the old key (the
    /// replacement has them when they are in its tags).
    pub moved_tags: Vec<String>,
}

/// The outcome: the old key (alias removed, linked) and its replacement.
#[derive(Debug, Clone)]
pub struct Replaced {
    pub old: KeyDetails,
    pub new: KeyDetails,
}

impl Kms {
    /// Creates a new key replacing `key` (see the module docs). Refused
    /// for destroyed keys, keys pending destruction and internal keys.
    pub async fn replace_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        replacement: Replacement,
    ) -> Result<Replaced> {
        let (mut op, allowed) = self.begin(caller, Action::KeyReplace);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            if k.internal {
                return Err(ServiceError::OperationNotAllowed("replace"));
            }
            if k.state.is_destroyed() || k.destroy_at.is_some() {
                return Err(ServiceError::WrongState(
                    "a destroyed or destroy-pending key cannot be replaced".into(),
                ));
            }
            if let Some(by) = k.tags.get(REPLACED_BY_TAG) {
                return Err(ServiceError::WrongState(format!(
                    "the key was already replaced by {by}"
                )));
            }
            // Caller-visible tags are copied; Tresor's own (links) are not.
            let tags: BTreeMap<String, String> = replacement
                .tags
                .clone()
                .unwrap_or_else(|| k.tags.clone())
                .into_iter()
                .filter(|(name, _)| !is_reserved_tag(name))
                .collect();
            let spec = KeySpec {
                algorithm: k.algorithm,
                alias: None,
                description: k.description.clone(),
                operations: Some(k.operations.clone()),
                tags,
                exportable: k.exportable,
                publish_jwk: k.publish_jwk,
                rotation_period_secs: k.rotation_period_secs,
                provider: Some(k.provider.clone()),
                activate: replacement.activate,
            };
            self.validate_spec(&spec, false)?;
            let (mut new_key, version) =
                self.new_key_record(caller, &spec, KeyOrigin::Generated)?;
            new_key.alias = k.alias.clone();
            new_key
                .tags
                .insert(REPLACES_TAG.to_owned(), k.id.to_string());
            // The replacement inherits the policy: the alias must not move
            // to a key nobody guards.
            let mut inherited = Vec::new();
            if k.tags.contains_key(POLICY_TAG) || k.tags.contains_key(LIMITS_TAG) {
                let policy = self.stored_policy(&k.tenant, &k.id.to_string()).await?;
                for tag in [POLICY_TAG, LIMITS_TAG] {
                    if let Some(v) = k.tags.get(tag) {
                        new_key.tags.insert(tag.to_owned(), v.clone());
                    }
                }
                inherited.push(policy_change(caller, &new_key, None, &policy, self.now())?);
            }
            op.detail("replacement", new_key.id.to_string());
            self.check_crypto_policy(&mut op, &new_key).await?;
            let made = self
                .provider(&new_key.provider)?
                .generate(&ctx_of(&new_key, 1))
                .await?;
            let version = VersionRecord {
                handle: made.handle.0,
                public_key: made.public_key,
                ..version
            };
            let mut old = k.clone();
            old.alias = None;
            for t in &replacement.moved_tags {
                old.tags.remove(t);
            }
            old.tags
                .insert(REPLACED_BY_TAG.to_owned(), new_key.id.to_string());
            old.updated_at = self.now();
            let new = KeyDetails {
                key: new_key.clone(),
                versions: vec![version_info(&version)],
            };
            // The old key gives up its alias before the new one takes it.
            let old = self
                .save_key(
                    &mut op,
                    &k,
                    old,
                    [Change::CreateKey(new_key), Change::CreateVersion(version)]
                        .into_iter()
                        .chain(inherited)
                        .collect(),
                )
                .await?;
            Ok(Replaced { old, new })
        }
        .await;
        self.finish(op, result).await
    }
}
