//! KMIP requests against a real `Kms`: symmetric keys (create, attributes,
//! activate, encrypt/decrypt, MAC, get, locate, revoke, destroy), in both
//! the 1.x and 2.x attribute forms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tresor_kmip::Tag;

#[tokio::test]
async fn symmetric_lifecycle_1_4() {
    let h = harness().await;
    let v = (1, 4);
    let created = ok(&h
        .one(
            v,
            "Create",
            &aes_template(256, "Encrypt Decrypt", "sk-life"),
        )
        .await);
    assert_eq!(enumeration(&created, Tag::ObjectType), "SymmetricKey");
    let id = text(&created, Tag::UniqueIdentifier);

    let attrs = ok(&h
        .one(
            v,
            "GetAttributes",
            &format!(
                r#"<UniqueIdentifier type="TextString" value="{id}"/>
            <AttributeName type="TextString" value="State"/>
            <AttributeName type="TextString" value="Cryptographic Length"/>
            <AttributeName type="TextString" value="Name"/>"#
            ),
        )
        .await);
    let listed: Vec<_> = attrs
        .children()
        .iter()
        .filter(|c| c.tag == Tag::Attribute)
        .collect();
    assert_eq!(listed.len(), 3, "{attrs:?}");
    assert_eq!(text(listed[0], Tag::AttributeName), "State");
    assert_eq!(enumeration(listed[0], Tag::AttributeValue), "PreActive");

    // Pre-active keys do not encrypt.
    let uid = format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#);
    let enc = format!(r#"{uid}<Data type="ByteString" value="68656c6c6f"/>"#);
    assert_eq!(err(&h.one(v, "Encrypt", &enc).await), "PermissionDenied");
    ok(&h.one(v, "Activate", &uid).await);
    let ct = bytes(&ok(&h.one(v, "Encrypt", &enc).await), Tag::Data);
    let dec = format!(r#"{uid}<Data type="ByteString" value="{}"/>"#, hex(&ct));
    assert_eq!(
        bytes(&ok(&h.one(v, "Decrypt", &dec).await), Tag::Data),
        b"hello"
    );
    // A tampered envelope: Cryptographic Failure.
    let mut bad = ct.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let dec_bad = format!(r#"{uid}<Data type="ByteString" value="{}"/>"#, hex(&bad));
    assert_eq!(
        err(&h.one(v, "Decrypt", &dec_bad).await),
        "CryptographicFailure"
    );
    // CBC is refused, not silently replaced by GCM.
    let cbc = format!(
        r#"{uid}<CryptographicParameters><BlockCipherMode type="Enumeration" value="CBC"/></CryptographicParameters><Data type="ByteString" value="00"/>"#
    );
    assert_eq!(err(&h.one(v, "Encrypt", &cbc).await), "InvalidField");

    // Not exportable: Get refuses the material.
    assert_eq!(err(&h.one(v, "Get", &uid).await), "PermissionDenied");

    // Locate by name.
    let by_name = r#"<Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
        <NameValue type="TextString" value="sk-life"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>"#;
    let found = ok(&h.one(v, "Locate", by_name).await);
    assert_eq!(text(&found, Tag::UniqueIdentifier), id);

    // Active keys cannot be destroyed; revoke first.
    assert_eq!(err(&h.one(v, "Destroy", &uid).await), "PermissionDenied");
    let revoke = format!(
        r#"{uid}<RevocationReason><RevocationReasonCode type="Enumeration" value="CessationOfOperation"/></RevocationReason>"#
    );
    ok(&h.one(v, "Revoke", &revoke).await);
    // Deactivated keys still decrypt.
    assert_eq!(
        bytes(&ok(&h.one(v, "Decrypt", &dec).await), Tag::Data),
        b"hello"
    );
    ok(&h.one(v, "Destroy", &uid).await);
    let state = ok(&h
        .one(
            v,
            "GetAttributes",
            &format!(r#"{uid}<AttributeName type="TextString" value="State"/>"#),
        )
        .await);
    let a = state.child(Tag::Attribute).unwrap();
    assert_eq!(enumeration(a, Tag::AttributeValue), "Destroyed");
    // A destroyed key is in the wrong state (1.x: Permission Denied).
    assert_eq!(err(&h.one(v, "Decrypt", &dec).await), "PermissionDenied");
}

#[tokio::test]
async fn v2_attributes_export_and_mac() {
    let h = harness().await;
    let v = (2, 1);
    let create = r#"<ObjectType type="Enumeration" value="SymmetricKey"/><Attributes>
        <CryptographicAlgorithm type="Enumeration" value="AES"/>
        <CryptographicLength type="Integer" value="128"/>
        <CryptographicUsageMask type="Integer" value="Encrypt Decrypt Export"/>
        <Name><NameValue type="TextString" value="a name with spaces"/><NameType type="Enumeration" value="UninterpretedTextString"/></Name>
        <ActivationDate type="DateTime" value="2020-01-01T00:00:00+00:00"/>
        </Attributes>"#;
    let id = text(
        &ok(&h.one(v, "Create", create).await),
        Tag::UniqueIdentifier,
    );
    let uid = format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#);
    let attrs = ok(&h.one(v, "GetAttributes", &uid).await);
    let a = attrs.child(Tag::Attributes).expect("2.x Attributes");
    assert_eq!(enumeration(a, Tag::State), "Active");
    assert_eq!(
        text(a.child(Tag::Name).unwrap(), Tag::NameValue),
        "a name with spaces"
    );
    // Exportable: Raw and TransparentSymmetricKey.
    let got = ok(&h.one(v, "Get", &uid).await);
    let block = got
        .child(Tag::SymmetricKey)
        .unwrap()
        .child(Tag::KeyBlock)
        .unwrap();
    assert_eq!(enumeration(block, Tag::KeyFormatType), "Raw");
    let material = bytes(block.child(Tag::KeyValue).unwrap(), Tag::KeyMaterial);
    assert_eq!(material.len(), 16);
    let got = ok(&h
        .one(
            v,
            "Get",
            &format!(r#"{uid}<KeyFormatType type="Enumeration" value="TransparentSymmetricKey"/>"#),
        )
        .await);
    let block = got
        .child(Tag::SymmetricKey)
        .unwrap()
        .child(Tag::KeyBlock)
        .unwrap();
    let km = block
        .child(Tag::KeyValue)
        .unwrap()
        .child(Tag::KeyMaterial)
        .unwrap();
    assert_eq!(bytes(km, Tag::Key), material);
    assert_eq!(
        err(&h
            .one(
                v,
                "Get",
                &format!(r#"{uid}<KeyFormatType type="Enumeration" value="PKCS_8"/>"#)
            )
            .await),
        "KeyFormatTypeNotSupported"
    );
    // Locate by a name that is not an alias.
    let found = ok(&h
        .one(v, "Locate", r#"<Attributes><Name><NameValue type="TextString" value="a name with spaces"/><NameType type="Enumeration" value="UninterpretedTextString"/></Name></Attributes>"#)
        .await);
    assert_eq!(text(&found, Tag::UniqueIdentifier), id);

    // HMAC key: MAC and MAC Verify.
    let hmac = r#"<ObjectType type="Enumeration" value="SymmetricKey"/><Attributes>
        <CryptographicAlgorithm type="Enumeration" value="HMAC_SHA256"/><CryptographicLength type="Integer" value="256"/>
        <ActivationDate type="DateTime" value="2020-01-01T00:00:00+00:00"/></Attributes>"#;
    let mid = text(&ok(&h.one(v, "Create", hmac).await), Tag::UniqueIdentifier);
    let muid = format!(r#"<UniqueIdentifier type="TextString" value="{mid}"/>"#);
    let mac = bytes(
        &ok(&h
            .one(
                v,
                "MAC",
                &format!(r#"{muid}<Data type="ByteString" value="0102"/>"#),
            )
            .await),
        Tag::MACData,
    );
    assert_eq!(mac.len(), 32);
    let verify = |m: &[u8]| {
        format!(
            r#"{muid}<Data type="ByteString" value="0102"/><MACData type="ByteString" value="{}"/>"#,
            hex(m)
        )
    };
    assert_eq!(
        enumeration(
            &ok(&h.one(v, "MACVerify", &verify(&mac)).await),
            Tag::ValidityIndicator
        ),
        "Valid"
    );
    let mut bad = mac.clone();
    bad[0] ^= 1;
    assert_eq!(
        enumeration(
            &ok(&h.one(v, "MACVerify", &verify(&bad)).await),
            Tag::ValidityIndicator
        ),
        "Invalid"
    );

    // 2.x reasons: wrong lifecycle state.
    assert_eq!(
        err(&h.one(v, "Destroy", &uid).await),
        "WrongKeyLifecycleState"
    );
    // Locate by algorithm + object type, with Maximum Items.
    let loc = ok(&h
        .one(v, "Locate", r#"<MaximumItems type="Integer" value="1"/><Attributes><ObjectType type="Enumeration" value="SymmetricKey"/><CryptographicAlgorithm type="Enumeration" value="HMAC_SHA256"/></Attributes>"#)
        .await);
    let ids: Vec<_> = loc
        .children()
        .iter()
        .filter(|c| c.tag == Tag::UniqueIdentifier)
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(text(&loc, Tag::UniqueIdentifier), mid);
    // RNG Retrieve.
    let rnd = ok(&h
        .one(
            v,
            "RNGRetrieve",
            r#"<DataLength type="Integer" value="32"/>"#,
        )
        .await);
    assert_eq!(bytes(&rnd, Tag::Data).len(), 32);
}
