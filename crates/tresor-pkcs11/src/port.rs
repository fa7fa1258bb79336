//! The [`Provider`] port implemented by [`Pkcs11Provider`]: each operation
//! checks the token's capabilities, copies its inputs (secrets into
//! zeroizing buffers) and runs on a pooled session.

use async_trait::async_trait;
use cryptoki::object::{Attribute, ObjectClass};
use tresor_core::{
    Algorithm, KeyClass, KeyContext, KeyHandle, NewKey, Operation, Provider, ProviderCapabilities,
    ProviderError, ProviderId, Sealed, SecretBytes, SignInput, SignScheme, WrapMechanism,
};
use zeroize::Zeroizing;

use crate::error::classify;
use crate::handle::{self, Locator};
use crate::keys;
use crate::ops;
use crate::provider::Pkcs11Provider;

/// A message or digest, owned so it can move to a blocking thread.
#[derive(Clone)]
enum OwnedInput {
    Message(Vec<u8>),
    Digest(Vec<u8>),
}

impl OwnedInput {
    fn new(input: SignInput<'_>) -> Self {
        match input {
            SignInput::Message(m) => OwnedInput::Message(m.to_vec()),
            SignInput::Digest(d) => OwnedInput::Digest(d.to_vec()),
        }
    }
    fn get(&self) -> SignInput<'_> {
        match self {
            OwnedInput::Message(m) => SignInput::Message(m),
            OwnedInput::Digest(d) => SignInput::Digest(d),
        }
    }
}

#[async_trait]
impl Provider for Pkcs11Provider {
    fn id(&self) -> &ProviderId {
        &self.id
    }

    fn algorithms(&self) -> Vec<Algorithm> {
        self.caps.algorithms()
    }

    fn hardware_backed(&self) -> bool {
        true
    }

    fn kind(&self) -> &'static str {
        "pkcs11"
    }

    /// What the token really does (discovered at connect): mechanisms it
    /// lacks are absent, not emulated. Keys never leave the token.
    fn capabilities(&self) -> ProviderCapabilities {
        ProviderCapabilities {
            algorithms: self
                .caps
                .algorithms()
                .into_iter()
                .map(|a| (a, self.caps.operations(a)))
                .collect(),
            hardware_backed: true,
            extractable: false,
            fips: false,
        }
    }

    async fn health(&self) -> Result<(), ProviderError> {
        Pkcs11Provider::health(self).await.map(|_| ())
    }

    async fn register_existing(
        &self,
        ctx: &KeyContext,
        label: &str,
    ) -> Result<NewKey, ProviderError> {
        if self.caps.operations(ctx.algorithm).is_empty() {
            return Err(ProviderError::Unsupported(
                "algorithm not supported by this token",
            ));
        }
        let (alg, owned) = (ctx.algorithm, label.to_owned());
        let public_key = self
            .pool
            .run(move |cx| crate::register::adopt(cx, alg, &owned))
            .await?;
        Ok(NewKey {
            handle: handle::registered(alg, label),
            public_key,
        })
    }

    async fn generate(&self, ctx: &KeyContext) -> Result<NewKey, ProviderError> {
        let alg = ctx.algorithm;
        self.create(ctx, move |cx, caps, at| keys::generate(cx, caps, alg, at))
            .await
    }

    async fn import(
        &self,
        ctx: &KeyContext,
        material: &SecretBytes,
    ) -> Result<NewKey, ProviderError> {
        let alg = ctx.algorithm;
        let material = Zeroizing::new(material.expose().to_vec());
        self.create(ctx, move |cx, caps, at| {
            keys::import(cx, caps, alg, at, &material)
        })
        .await
    }

    async fn export(
        &self,
        _ctx: &KeyContext,
        _handle: &KeyHandle,
    ) -> Result<SecretBytes, ProviderError> {
        Err(ProviderError::Unsupported(
            "keys in this HSM are not extractable",
        ))
    }

    async fn encrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Sealed, ProviderError> {
        self.check(
            ctx,
            Operation::Encrypt,
            "this key cannot encrypt on this token",
        )?;
        let plaintext = Zeroizing::new(plaintext.to_vec());
        if ctx.algorithm.class() == KeyClass::Rsa {
            if !aad.is_empty() {
                return Err(ProviderError::InvalidInput(
                    "RSA-OAEP takes no associated data",
                ));
            }
            let ciphertext = self
                .with_object(ctx, handle, ObjectClass::PUBLIC_KEY, move |s, h, alg| {
                    ops::oaep_encrypt(s, h, alg, &plaintext)
                })
                .await?;
            return Ok(Sealed {
                nonce: Vec::new(),
                ciphertext,
            });
        }
        let aad = aad.to_vec();
        let (nonce, ciphertext) = self
            .with_object(ctx, handle, ObjectClass::SECRET_KEY, move |s, h, _| {
                ops::gcm_encrypt(s, h, &plaintext, &aad)
            })
            .await?;
        Ok(Sealed { nonce, ciphertext })
    }

    async fn decrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        nonce: &[u8],
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        self.check(
            ctx,
            Operation::Decrypt,
            "this key cannot decrypt on this token",
        )?;
        let ct = ciphertext.to_vec();
        if ctx.algorithm.class() == KeyClass::Rsa {
            if !aad.is_empty() {
                return Err(ProviderError::InvalidInput(
                    "RSA-OAEP takes no associated data",
                ));
            }
            if !nonce.is_empty() {
                return Err(ProviderError::Crypto);
            }
            return self
                .with_object(ctx, handle, ObjectClass::PRIVATE_KEY, move |s, h, _| {
                    ops::oaep_decrypt(s, h, &ct)
                })
                .await;
        }
        let (nonce, aad) = (nonce.to_vec(), aad.to_vec());
        self.with_object(ctx, handle, ObjectClass::SECRET_KEY, move |s, h, _| {
            ops::gcm_decrypt(s, h, &nonce, &ct, &aad)
        })
        .await
    }

    async fn sign(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        scheme: SignScheme,
        input: SignInput<'_>,
    ) -> Result<Vec<u8>, ProviderError> {
        self.check(ctx, Operation::Sign, "this key cannot sign on this token")?;
        let input = OwnedInput::new(input);
        self.with_object(ctx, handle, ObjectClass::PRIVATE_KEY, move |s, h, alg| {
            ops::sign(s, h, alg, scheme, input.get())
        })
        .await
    }

    async fn verify(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        scheme: SignScheme,
        input: SignInput<'_>,
        signature: &[u8],
    ) -> Result<bool, ProviderError> {
        self.check(
            ctx,
            Operation::Verify,
            "this key cannot verify on this token",
        )?;
        let input = OwnedInput::new(input);
        let sig = signature.to_vec();
        self.with_object(ctx, handle, ObjectClass::PUBLIC_KEY, move |s, h, alg| {
            ops::verify(s, h, alg, scheme, input.get(), &sig)
        })
        .await
    }

    async fn mac(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        message: &[u8],
    ) -> Result<Vec<u8>, ProviderError> {
        self.check(ctx, Operation::Mac, "this key cannot compute a MAC")?;
        let message = message.to_vec();
        self.with_object(ctx, handle, ObjectClass::SECRET_KEY, move |s, h, alg| {
            ops::mac(s, h, alg, &message)
        })
        .await
    }

    async fn mac_verify(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        message: &[u8],
        tag: &[u8],
    ) -> Result<bool, ProviderError> {
        self.check(ctx, Operation::MacVerify, "this key cannot verify a MAC")?;
        let (message, tag) = (message.to_vec(), tag.to_vec());
        self.with_object(ctx, handle, ObjectClass::SECRET_KEY, move |s, h, alg| {
            ops::mac_verify(s, h, alg, &message, &tag)
        })
        .await
    }

    async fn wrap(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        mechanism: WrapMechanism,
        material: &SecretBytes,
    ) -> Result<Vec<u8>, ProviderError> {
        self.check(ctx, Operation::Wrap, "this key cannot wrap on this token")?;
        let material = Zeroizing::new(material.expose().to_vec());
        if ctx.algorithm.class() == KeyClass::Rsa {
            if mechanism != WrapMechanism::RsaOaepSha256 {
                return Err(ProviderError::InvalidInput(
                    "wrap mechanism does not match the key algorithm",
                ));
            }
            return self
                .with_object(ctx, handle, ObjectClass::PUBLIC_KEY, move |s, h, alg| {
                    ops::oaep_encrypt(s, h, alg, &material)
                })
                .await;
        }
        self.check_mechanism(ctx, mechanism)?;
        self.with_object(ctx, handle, ObjectClass::SECRET_KEY, move |s, h, _| {
            ops::aes_wrap(s, h, mechanism, &material)
        })
        .await
    }

    async fn unwrap(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        mechanism: WrapMechanism,
        wrapped: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        self.check(
            ctx,
            Operation::Unwrap,
            "this key cannot unwrap on this token",
        )?;
        let wrapped = wrapped.to_vec();
        if ctx.algorithm.class() == KeyClass::Rsa {
            if mechanism != WrapMechanism::RsaOaepSha256 {
                return Err(ProviderError::InvalidInput(
                    "wrap mechanism does not match the key algorithm",
                ));
            }
            return self
                .with_object(ctx, handle, ObjectClass::PRIVATE_KEY, move |s, h, _| {
                    ops::oaep_decrypt(s, h, &wrapped)
                })
                .await;
        }
        self.check_mechanism(ctx, mechanism)?;
        self.with_object(ctx, handle, ObjectClass::SECRET_KEY, move |s, h, _| {
            ops::aes_unwrap(s, h, mechanism, &wrapped)
        })
        .await
    }

    async fn agree(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        peer_public_key: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        self.check(
            ctx,
            Operation::Agree,
            "this key cannot do key agreement on this token",
        )?;
        let peer = peer_public_key.to_vec();
        self.with_object(ctx, handle, ObjectClass::PRIVATE_KEY, move |s, h, alg| {
            ops::ecdh(s, h, alg, &peer)
        })
        .await
    }

    async fn encapsulate(
        &self,
        _ctx: &KeyContext,
        _handle: &KeyHandle,
    ) -> Result<(Vec<u8>, SecretBytes), ProviderError> {
        Err(ProviderError::Unsupported("this token has no KEM"))
    }

    async fn decapsulate(
        &self,
        _ctx: &KeyContext,
        _handle: &KeyHandle,
        _ciphertext: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        Err(ProviderError::Unsupported("this token has no KEM"))
    }

    async fn destroy(&self, ctx: &KeyContext, handle: &KeyHandle) -> Result<(), ProviderError> {
        let at = handle::locate(&self.prefix, ctx, handle)?;
        self.pool
            .run(move |cx| {
                // A registered key's objects are destroyed too: destroy is
                // crypto-shredding, whoever created the key.
                let template = match &at {
                    Locator::Owned { id, label } => vec![
                        Attribute::Id(id.to_vec()),
                        Attribute::Label(label.as_bytes().to_vec()),
                    ],
                    Locator::Registered { label } => {
                        vec![Attribute::Label(label.as_bytes().to_vec())]
                    }
                };
                let found = cx.session.find_objects(&template).map_err(classify)?;
                if found.is_empty() {
                    cx.check_alive()?;
                }
                for h in found {
                    cx.session.destroy_object(h).map_err(classify)?;
                }
                if let Locator::Owned { id, .. } = &at {
                    cx.forget(id);
                }
                Ok(())
            })
            .await
    }

    async fn random(&self, out: &mut [u8]) -> Result<(), ProviderError> {
        if out.is_empty() {
            return Ok(());
        }
        let len = out.len();
        let bytes = self
            .pool
            .run(move |cx| {
                let mut buf = vec![0u8; len];
                cx.session
                    .generate_random_slice(&mut buf)
                    .map_err(classify)?;
                Ok(buf)
            })
            .await?;
        out.copy_from_slice(&bytes);
        Ok(())
    }
}
