//! What an operation sees of the pool: object lookup by `CKA_ID` and
//! `CKA_LABEL` (with a handle cache cleared on every recovery), liveness
//! checks, and token information.

use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::SessionState;
use cryptoki::slot::TokenInfo;
use tresor_core::ProviderError;

use super::{Cx, lock};
use crate::error::{Failure, classify, not_logged_in};

impl Cx<'_> {
    /// The object of `class` with this `CKA_ID` and `CKA_LABEL` (cached).
    /// A missing object is the opaque [`ProviderError::Crypto`], unless the
    /// session lost its login or the token vanished (then: recover).
    pub fn find(
        &self,
        class: ObjectClass,
        id: &[u8; 16],
        label: &str,
    ) -> Result<ObjectHandle, Failure> {
        let tag = class_tag(class);
        let key = (tag, *id, label.to_owned());
        if let Some(h) = lock(&self.pool.objects).get(&key) {
            return Ok(*h);
        }
        let template = [
            Attribute::Class(class),
            Attribute::Id(id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let found = self.session.find_objects(&template).map_err(classify)?;
        match found.first() {
            Some(h) => {
                lock(&self.pool.objects).insert(key, *h);
                Ok(*h)
            }
            None => {
                self.check_alive()?;
                Err(Failure::Provider(ProviderError::Crypto))
            }
        }
    }

    /// The first object of `class` labelled `label` (uncached: registered
    /// keys only). Missing: [`ProviderError::Crypto`], unless the session
    /// or token is gone (then: recover).
    pub fn find_by_label(&self, class: ObjectClass, label: &str) -> Result<ObjectHandle, Failure> {
        let template = [
            Attribute::Class(class),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let found = self.session.find_objects(&template).map_err(classify)?;
        match found.first() {
            Some(h) => Ok(*h),
            None => {
                self.check_alive()?;
                Err(Failure::Provider(ProviderError::Crypto))
            }
        }
    }

    /// Forgets cached handles of an object id.
    pub fn forget(&self, id: &[u8; 16]) {
        lock(&self.pool.objects).retain(|k, _| &k.1 != id);
    }

    /// Fails with a recoverable error when the session is no longer logged
    /// in or the token is gone.
    pub fn check_alive(&self) -> Result<(), Failure> {
        let info = self.session.get_session_info().map_err(classify)?;
        if !matches!(
            info.session_state(),
            SessionState::RwUser | SessionState::RoUser
        ) {
            return Err(not_logged_in());
        }
        self.token_info().map(|_| ())
    }

    /// `C_GetTokenInfo` of the pool's slot.
    pub fn token_info(&self) -> Result<TokenInfo, Failure> {
        self.pool
            .lib
            .pkcs11
            .get_token_info(self.slot)
            .map_err(classify)
    }

    /// The module (for mechanism queries).
    pub fn pkcs11(&self) -> &cryptoki::context::Pkcs11 {
        &self.pool.lib.pkcs11
    }
}

fn class_tag(class: ObjectClass) -> u8 {
    if class == ObjectClass::PRIVATE_KEY {
        1
    } else if class == ObjectClass::PUBLIC_KEY {
        2
    } else {
        0
    }
}
