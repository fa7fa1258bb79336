//! Re-key, Re-key Key Pair, Check, Get with a Key Wrapping Specification
//! and Register of a public key alone, against a real `Kms`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tresor_core::AuditFilter;
use tresor_kmip::{Tag, Ttlv, Value};
use tresor_service::KeyRef;
use tresor_service::types::UnwrapRequest;

/// Every Link of a Get Attributes answer (1.x form) as (type, id).
fn links(attrs: &Ttlv) -> Vec<(&'static str, String)> {
    attrs
        .all(Tag::Attribute)
        .into_iter()
        .filter_map(|a| {
            let value = a.child(Tag::AttributeValue)?;
            value.child(Tag::LinkType)?;
            Some((
                enumeration(value, Tag::LinkType),
                text(value, Tag::LinkedObjectIdentifier),
            ))
        })
        .collect()
}

fn name_of(attrs: &Ttlv) -> Option<String> {
    attrs.all(Tag::Attribute).into_iter().find_map(|a| {
        let value = a.child(Tag::AttributeValue)?;
        match &value.child(Tag::NameValue)?.value {
            Value::TextString(s) => Some(s.clone()),
            _ => None,
        }
    })
}

fn state_of(attrs: &Ttlv) -> &'static str {
    attrs
        .all(Tag::Attribute)
        .into_iter()
        .find(|a| text(a, Tag::AttributeName) == "State")
        .map(|a| enumeration(a, Tag::AttributeValue))
        .unwrap()
}

trait All {
    fn all(&self, tag: Tag) -> Vec<&Ttlv>;
}
impl All for Ttlv {
    fn all(&self, tag: Tag) -> Vec<&Ttlv> {
        self.children().iter().filter(|c| c.tag == tag).collect()
    }
}

async fn attributes(h: &Harness, id: &str) -> Ttlv {
    ok(&h.one((1, 4), "GetAttributes", &uid(id)).await)
}

#[tokio::test]
async fn rekey_moves_the_name_links_both_keys_and_keeps_the_old_one() {
    let h = harness().await;
    let v = (1, 4);
    let made = ok(&h
        .one(v, "Create", &aes_template(256, "Encrypt Decrypt", "rk-aes"))
        .await);
    let old = text(&made, Tag::UniqueIdentifier);
    ok(&h.one(v, "Activate", &uid(&old)).await);
    let enc = ok(&h
        .one(
            v,
            "Encrypt",
            &format!(
                r#"{}<Data type="ByteString" value="68656c6c6f"/>"#,
                uid(&old)
            ),
        )
        .await);
    let ciphertext = bytes(&enc, Tag::Data);

    // Offset 0: the replacement is Active at once.
    let r = ok(&h
        .one(
            v,
            "ReKey",
            &format!(r#"{}<Offset type="Interval" value="0"/>"#, uid(&old)),
        )
        .await);
    let new = text(&r, Tag::UniqueIdentifier);
    assert_ne!(new, old);
    let old_attrs = attributes(&h, &old).await;
    let new_attrs = attributes(&h, &new).await;
    assert_eq!(name_of(&old_attrs), None, "the name left the old key");
    assert_eq!(name_of(&new_attrs).as_deref(), Some("rk-aes"));
    assert_eq!(
        links(&old_attrs),
        vec![("ReplacementObjectLink", new.clone())]
    );
    assert_eq!(links(&new_attrs), vec![("ReplacedObjectLink", old.clone())]);
    assert_eq!(state_of(&old_attrs), "Active");
    assert_eq!(state_of(&new_attrs), "Active");

    // Locate by the name finds the replacement only.
    let located = ok(&h
        .one(
            v,
            "Locate",
            r#"<Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="rk-aes"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>"#,
        )
        .await);
    assert_eq!(text(&located, Tag::UniqueIdentifier), new);

    // The old key still decrypts what it encrypted; the new one is other material.
    let dec = ok(&h
        .one(
            v,
            "Decrypt",
            &format!(
                r#"{}<Data type="ByteString" value="{}"/>"#,
                uid(&old),
                hex(&ciphertext)
            ),
        )
        .await);
    assert_eq!(bytes(&dec, Tag::Data), b"hello");
    let wrong = h
        .one(
            v,
            "Decrypt",
            &format!(
                r#"{}<Data type="ByteString" value="{}"/>"#,
                uid(&new),
                hex(&ciphertext)
            ),
        )
        .await;
    assert!(result(&wrong).is_err());

    // A key is replaced once; without an Offset the replacement starts Pre-Active.
    assert_eq!(
        err(&h.one(v, "ReKey", &uid(&old)).await),
        "PermissionDenied"
    );
    assert_eq!(
        err(&h.one((2, 1), "ReKey", &uid(&old)).await),
        "WrongKeyLifecycleState"
    );
    let third = text(
        &ok(&h.one(v, "ReKey", &uid(&new)).await),
        Tag::UniqueIdentifier,
    );
    assert_eq!(state_of(&attributes(&h, &third).await), "PreActive");

    // Re-key is for symmetric keys; unknown ids are not found.
    assert_eq!(
        err(&h
            .one(v, "ReKey", &uid("0190b5a0-0000-7000-8000-000000000000"))
            .await),
        "ItemNotFound"
    );
    let audit = h
        .kms
        .list_audit(&h.caller, AuditFilter::default())
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|r| r.event.action == "key.replace"
                && r.event.outcome == tresor_core::Outcome::Success)
            .count(),
        2
    );
}

#[tokio::test]
async fn rekey_key_pair_gives_a_new_pair_linked_to_the_old_one() {
    let h = harness().await;
    let v = (2, 1);
    let pair = r#"<CommonAttributes><CryptographicAlgorithm type="Enumeration" value="EC"/>
        <RecommendedCurve type="Enumeration" value="P_256"/></CommonAttributes>
        <PrivateKeyAttributes><CryptographicUsageMask type="Integer" value="Sign"/>
        <Name><NameValue type="TextString" value="rk-pair"/><NameType type="Enumeration" value="UninterpretedTextString"/></Name></PrivateKeyAttributes>
        <PublicKeyAttributes><CryptographicUsageMask type="Integer" value="Verify"/></PublicKeyAttributes>"#;
    let made = ok(&h.one(v, "CreateKeyPair", pair).await);
    let private = text(&made, Tag::PrivateKeyUniqueIdentifier);
    let public = text(&made, Tag::PublicKeyUniqueIdentifier);
    let r = ok(&h
        .one(
            v,
            "ReKeyKeyPair",
            &format!(r#"<PrivateKeyUniqueIdentifier type="TextString" value="{private}"/>"#),
        )
        .await);
    let new_private = text(&r, Tag::PrivateKeyUniqueIdentifier);
    let new_public = text(&r, Tag::PublicKeyUniqueIdentifier);
    assert_ne!(new_private, private);
    assert_eq!(new_public, format!("{new_private}/public"));
    // Other key material: the public keys differ.
    let spki = |id: String| {
        let h = &h;
        async move {
            let got = ok(&h.one((1, 4), "Get", &uid(&id)).await);
            let block = key_block(&got, Tag::PublicKey);
            bytes(block.child(Tag::KeyValue).unwrap(), Tag::KeyMaterial)
        }
    };
    assert_ne!(spki(public.clone()).await, spki(new_public.clone()).await);
    // The public objects are linked to their private halves and to each other.
    let attrs = attributes(&h, &new_public).await;
    assert_eq!(
        links(&attrs),
        vec![
            ("PrivateKeyLink", new_private.clone()),
            ("ReplacedObjectLink", public.clone()),
        ]
    );
    assert_eq!(
        name_of(&attributes(&h, &new_private).await).as_deref(),
        Some("rk-pair")
    );
    // Re-key Key Pair takes a private key of a pair.
    assert_eq!(
        err(&h
            .one(
                v,
                "ReKeyKeyPair",
                &format!(r#"<PrivateKeyUniqueIdentifier type="TextString" value="{public}"/>"#),
            )
            .await),
        "InvalidField"
    );
    let aes = text(
        &ok(&h
            .one((1, 4), "Create", &aes_template(128, "Encrypt", "rk-sym"))
            .await),
        Tag::UniqueIdentifier,
    );
    assert_eq!(
        err(&h
            .one(
                v,
                "ReKeyKeyPair",
                &format!(r#"<PrivateKeyUniqueIdentifier type="TextString" value="{aes}"/>"#),
            )
            .await),
        "InvalidField"
    );
}

#[tokio::test]
async fn check_compares_usage_and_state() {
    let h = harness().await;
    let made = ok(&h
        .one(
            (1, 4),
            "Create",
            &aes_template(128, "Encrypt Decrypt", "chk"),
        )
        .await);
    let id = text(&made, Tag::UniqueIdentifier);
    let check = |mask: &str| {
        format!(
            r#"{}<CryptographicUsageMask type="Integer" value="{mask}"/>"#,
            uid(&id)
        )
    };
    // Pre-Active: exists, but cannot encrypt yet.
    let r = ok(&h.one((2, 1), "Check", &uid(&id)).await);
    assert_eq!(text(&r, Tag::UniqueIdentifier), id);
    assert_eq!(
        err(&h.one((2, 1), "Check", &check("Encrypt")).await),
        "WrongKeyLifecycleState"
    );
    assert_eq!(
        err(&h.one((1, 4), "Check", &check("Encrypt")).await),
        "PermissionDenied"
    );
    ok(&h.one((1, 4), "Activate", &uid(&id)).await);
    ok(&h.one((2, 1), "Check", &check("Encrypt Decrypt")).await);
    // More than the object allows.
    assert_eq!(
        err(&h.one((2, 1), "Check", &check("Sign")).await),
        "IncompatibleCryptographicUsageMask"
    );
    assert_eq!(
        err(&h.one((1, 4), "Check", &check("Encrypt Export")).await),
        "PermissionDenied"
    );
    // Lease Time and Usage Limits Count: no leases or limits here.
    ok(&h
        .one(
            (1, 4),
            "Check",
            &format!(r#"{}<UsageLimitsCount type="LongInteger" value="10"/><LeaseTime type="Interval" value="3600"/>"#, uid(&id)),
        )
        .await);
    assert_eq!(
        err(&h
            .one(
                (1, 4),
                "Check",
                &uid("0190b5a0-0000-7000-8000-000000000000")
            )
            .await),
        "ItemNotFound"
    );
}

fn wrap_spec(kek: &str, extra_cp: &str, encoding: &str) -> String {
    format!(
        r#"<KeyWrappingSpecification><WrappingMethod type="Enumeration" value="Encrypt"/>
        <EncryptionKeyInformation>{}<CryptographicParameters>{extra_cp}</CryptographicParameters></EncryptionKeyInformation>
        {encoding}</KeyWrappingSpecification>"#,
        uid(kek)
    )
}

#[tokio::test]
async fn get_wraps_an_exportable_key_under_another_key() {
    let h = harness().await;
    let v = (1, 4);
    let kek = text(
        &ok(&h
            .one(v, "Create", &aes_template(256, "WrapKey UnwrapKey", "kek"))
            .await),
        Tag::UniqueIdentifier,
    );
    let target = text(
        &ok(&h
            .one(
                v,
                "Create",
                &aes_template(128, "Encrypt Decrypt Export", "dek"),
            )
            .await),
        Tag::UniqueIdentifier,
    );
    let locked = text(
        &ok(&h
            .one(v, "Create", &aes_template(128, "Encrypt Decrypt", "locked"))
            .await),
        Tag::UniqueIdentifier,
    );
    for id in [&kek, &target, &locked] {
        ok(&h.one(v, "Activate", &uid(id)).await);
    }
    let plain = {
        let got = ok(&h.one(v, "Get", &uid(&target)).await);
        let block = key_block(&got, Tag::SymmetricKey);
        bytes(block.child(Tag::KeyValue).unwrap(), Tag::KeyMaterial)
    };
    let no_encoding = r#"<EncodingOption type="Enumeration" value="NoEncoding"/>"#;
    for (mode, wrapped_len) in [("NISTKeyWrap", 24), ("AESKeyWrapPadding", 24)] {
        let cp = format!(r#"<BlockCipherMode type="Enumeration" value="{mode}"/>"#);
        let got = ok(&h
            .one(
                v,
                "Get",
                &format!("{}{}", uid(&target), wrap_spec(&kek, &cp, no_encoding)),
            )
            .await);
        let block = key_block(&got, Tag::SymmetricKey);
        let Value::ByteString(wrapped) = &block.child(Tag::KeyValue).unwrap().value else {
            panic!("a wrapped Key Value is a byte string");
        };
        assert_eq!(wrapped.len(), wrapped_len);
        assert_ne!(&wrapped[..16], &plain[..]);
        let kwd = block.child(Tag::KeyWrappingData).unwrap();
        let eki = kwd.child(Tag::EncryptionKeyInformation).unwrap();
        assert_eq!(text(eki, Tag::UniqueIdentifier), kek);
        let mech = eki.child(Tag::CryptographicParameters).unwrap();
        assert_eq!(enumeration(mech, Tag::BlockCipherMode), mode);
        assert_eq!(enumeration(kwd, Tag::EncodingOption), "NoEncoding");
        // The wrapping key gives the same material back.
        let mechanism = if mode == "NISTKeyWrap" {
            tresor_core::WrapMechanism::AesKw
        } else {
            tresor_core::WrapMechanism::AesKwp
        };
        let back = h
            .kms
            .unwrap(
                &h.caller,
                &KeyRef::Id(kek.parse().unwrap()),
                UnwrapRequest {
                    wrapped: wrapped.clone(),
                    mechanism: Some(mechanism),
                    key_version: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(back.secret.expose(), &plain[..]);

        // Registered back wrapped, it becomes a key with the same material.
        let register = format!(
            r#"<ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
            <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt Decrypt Export"/></Attribute>
            </TemplateAttribute><SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/>
            <KeyValue type="ByteString" value="{}"/>
            <CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="128"/>
            <KeyWrappingData><WrappingMethod type="Enumeration" value="Encrypt"/>
            <EncryptionKeyInformation>{}<CryptographicParameters><BlockCipherMode type="Enumeration" value="{mode}"/></CryptographicParameters></EncryptionKeyInformation>
            <EncodingOption type="Enumeration" value="NoEncoding"/></KeyWrappingData></KeyBlock></SymmetricKey>"#,
            hex(wrapped),
            uid(&kek)
        );
        let copy = text(
            &ok(&h.one(v, "Register", &register).await),
            Tag::UniqueIdentifier,
        );
        let got = ok(&h.one(v, "Get", &uid(&copy)).await);
        let block = key_block(&got, Tag::SymmetricKey);
        assert_eq!(
            bytes(block.child(Tag::KeyValue).unwrap(), Tag::KeyMaterial),
            plain
        );
        // Tampered wrapped bytes: nothing is registered.
        let mut tampered = wrapped.clone();
        tampered[3] ^= 1;
        let bad = register.replace(&hex(wrapped), &hex(&tampered));
        assert_eq!(
            err(&h.one(v, "Register", &bad).await),
            "CryptographicFailure"
        );
    }
    // Audited once per wrapped Get, as a wrap naming the wrapped key.
    let audit = h
        .kms
        .list_audit(&h.caller, AuditFilter::default())
        .await
        .unwrap();
    let wraps = audit
        .iter()
        .filter(|r| r.event.action == "crypto.wrap")
        .count();
    assert_eq!(wraps, 2);

    // Refusals: TTLV encoding, a non-exportable key, a key that cannot wrap,
    // a MAC wrapping method, a format other than Raw.
    let ttlv = r#"<EncodingOption type="Enumeration" value="TTLVEncoding"/>"#;
    assert_eq!(
        err(&h
            .one(
                v,
                "Get",
                &format!("{}{}", uid(&target), wrap_spec(&kek, "", ttlv))
            )
            .await),
        "EncodingOptionError"
    );
    assert_eq!(
        err(&h
            .one(
                (2, 1),
                "Get",
                &format!("{}{}", uid(&locked), wrap_spec(&kek, "", no_encoding))
            )
            .await),
        "NotExtractable"
    );
    assert_eq!(
        err(&h
            .one(
                v,
                "Get",
                &format!("{}{}", uid(&target), wrap_spec(&locked, "", no_encoding))
            )
            .await),
        "PermissionDenied"
    );
    let mac = wrap_spec(&kek, "", no_encoding).replace(r#"value="Encrypt""#, r#"value="MACSign""#);
    assert_eq!(
        err(&h.one(v, "Get", &format!("{}{mac}", uid(&target))).await),
        "FeatureNotSupported"
    );
    assert_eq!(
        err(&h
            .one(
                v,
                "Get",
                &format!(
                    r#"{}<KeyFormatType type="Enumeration" value="TransparentSymmetricKey"/>{}"#,
                    uid(&target),
                    wrap_spec(&kek, "", no_encoding)
                ),
            )
            .await),
        "KeyFormatTypeNotSupported"
    );
}

#[tokio::test]
async fn a_public_key_registers_alone_and_comes_back_as_it_was() {
    let h = harness().await;
    let v = (1, 4);
    let pair = r#"<CommonTemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/><AttributeValue type="Enumeration" value="RSA"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Length"/><AttributeValue type="Integer" value="2048"/></Attribute>
        </CommonTemplateAttribute>"#;
    let made = ok(&h.one(v, "CreateKeyPair", pair).await);
    let public = text(&made, Tag::PublicKeyUniqueIdentifier);
    let got = ok(&h
        .one(
            v,
            "Get",
            &format!(
                r#"{}<KeyFormatType type="Enumeration" value="X_509"/>"#,
                uid(&public)
            ),
        )
        .await);
    let block = key_block(&got, Tag::PublicKey);
    let spki = bytes(block.child(Tag::KeyValue).unwrap(), Tag::KeyMaterial);

    let register = format!(
        r#"<ObjectType type="Enumeration" value="PublicKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="partner-key"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </TemplateAttribute><PublicKey><KeyBlock><KeyFormatType type="Enumeration" value="X_509"/>
        <KeyValue><KeyMaterial type="ByteString" value="{}"/></KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="RSA"/><CryptographicLength type="Integer" value="2048"/></KeyBlock></PublicKey>"#,
        hex(&spki)
    );
    let r = ok(&h.one(v, "Register", &register).await);
    let id = text(&r, Tag::UniqueIdentifier);
    assert!(id.starts_with("secret-"), "{id}");
    let got = ok(&h.one(v, "Get", &uid(&id)).await);
    assert_eq!(enumeration(&got, Tag::ObjectType), "PublicKey");
    let block = key_block(&got, Tag::PublicKey);
    assert_eq!(enumeration(block, Tag::KeyFormatType), "X_509");
    assert_eq!(enumeration(block, Tag::CryptographicAlgorithm), "RSA");
    assert_eq!(
        bytes(block.child(Tag::KeyValue).unwrap(), Tag::KeyMaterial),
        spki
    );
    let attrs = attributes(&h, &id).await;
    assert_eq!(name_of(&attrs).as_deref(), Some("partner-key"));
    // Locate finds it by name, and among the public keys.
    let by_name = ok(&h
        .one(
            v,
            "Locate",
            r#"<Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="partner-key"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>"#,
        )
        .await);
    assert_eq!(text(&by_name, Tag::UniqueIdentifier), id);
    let publics = ok(&h
        .one(
            v,
            "Locate",
            r#"<Attribute><AttributeName type="TextString" value="Object Type"/><AttributeValue type="Enumeration" value="PublicKey"/></Attribute>"#,
        )
        .await);
    let ids: Vec<String> = publics
        .children()
        .iter()
        .filter_map(|c| match &c.value {
            Value::TextString(s) if c.tag == Tag::UniqueIdentifier => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(ids.contains(&id) && ids.contains(&public), "{ids:?}");
    // Visible over REST as a `public` secret, then destroyed.
    let sid = id.strip_prefix("secret-").unwrap().parse().unwrap();
    let info = h.kms.get_secret(&h.caller, &sid).await.unwrap();
    assert_eq!(info.secret_type, "public");
    ok(&h.one(v, "Destroy", &uid(&id)).await);
    assert_eq!(err(&h.one(v, "Get", &uid(&id)).await), "ItemNotFound");

    // Malformed DER, a structure for key material, another format.
    let bad = register.replace(&hex(&spki), "3003020100");
    assert_eq!(err(&h.one(v, "Register", &bad).await), "InvalidField");
    let transparent = r#"<ObjectType type="Enumeration" value="PublicKey"/><TemplateAttribute/>
        <PublicKey><KeyBlock><KeyFormatType type="Enumeration" value="TransparentECPublicKey"/><KeyValue><KeyMaterial><QString type="ByteString" value="04"/></KeyMaterial></KeyValue></KeyBlock></PublicKey>"#;
    assert_eq!(
        err(&h.one(v, "Register", transparent).await),
        "KeyFormatTypeNotSupported"
    );
}

/// Register payload of a raw AES-128 key with a usage mask.
fn register_aes128(key_hex: &str, mask: &str) -> String {
    format!(
        r#"<ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="{mask}"/></Attribute>
        </TemplateAttribute><SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/>
        <KeyValue><KeyMaterial type="ByteString" value="{key_hex}"/></KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="128"/></KeyBlock></SymmetricKey>"#
    )
}

/// OASIS case TC-141-12 (the RFC 3394 §4.1 vector): the KEK and data key
/// of the case, the data key registered exportable; the wrapped answer is
/// byte for byte the one the case expects, in its form.
#[tokio::test]
async fn wrapped_get_matches_the_oasis_tc_141_answer() {
    let h = harness().await;
    let v = (1, 2);
    let kek = text(
        &ok(&h
            .one(
                v,
                "Register",
                &register_aes128("000102030405060708090a0b0c0d0e0f", "WrapKey"),
            )
            .await),
        Tag::UniqueIdentifier,
    );
    let dek = text(
        &ok(&h
            .one(
                v,
                "Register",
                &register_aes128("00112233445566778899aabbccddeeff", "Encrypt Decrypt Export"),
            )
            .await),
        Tag::UniqueIdentifier,
    );
    ok(&h.one(v, "Activate", &uid(&kek)).await);
    let spec = wrap_spec(
        &kek,
        r#"<BlockCipherMode type="Enumeration" value="NISTKeyWrap"/>"#,
        r#"<EncodingOption type="Enumeration" value="NoEncoding"/>"#,
    );
    let got = ok(&h.one(v, "Get", &format!("{}{spec}", uid(&dek))).await);
    assert_eq!(enumeration(&got, Tag::ObjectType), "SymmetricKey");
    let block = key_block(&got, Tag::SymmetricKey);
    assert_eq!(enumeration(block, Tag::KeyFormatType), "Raw");
    assert_eq!(
        hex(&bytes(block, Tag::KeyValue)),
        "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"
    );
    assert_eq!(enumeration(block, Tag::CryptographicAlgorithm), "AES");
    let kwd = block.child(Tag::KeyWrappingData).unwrap();
    assert_eq!(enumeration(kwd, Tag::WrappingMethod), "Encrypt");
}
