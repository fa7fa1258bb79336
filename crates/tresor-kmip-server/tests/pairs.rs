//! Key pairs over KMIP: Create Key Pair (RSA, EC), the private and public
//! objects (`<id>` and `<id>/public`), Get of the public key, Sign and
//! Signature Verify, and destroying both halves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tresor_kmip::Tag;

fn pair_payload(alg: &str, len: u32, private_mask: &str, public_mask: &str) -> String {
    format!(
        r#"<CommonTemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/><AttributeValue type="Enumeration" value="{alg}"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Length"/><AttributeValue type="Integer" value="{len}"/></Attribute>
        </CommonTemplateAttribute>
        <PrivateKeyTemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="pair-{alg}-{len}"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="{private_mask}"/></Attribute>
        </PrivateKeyTemplateAttribute>
        <PublicKeyTemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="pair-{alg}-{len}-pub"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="{public_mask}"/></Attribute>
        </PublicKeyTemplateAttribute>"#
    )
}

async fn sign_verify(h: &Harness, v: (i32, i32), private: &str, public: &str, params: &str) {
    let data = r#"<Data type="ByteString" value="6d657373616765"/>"#;
    let sig = bytes(
        &ok(&h
            .one(
                v,
                "Sign",
                &format!(
                    r#"<UniqueIdentifier type="TextString" value="{private}"/>{params}{data}"#
                ),
            )
            .await),
        Tag::SignatureData,
    );
    let verify = |s: &[u8]| {
        format!(
            r#"<UniqueIdentifier type="TextString" value="{public}"/>{params}{data}<SignatureData type="ByteString" value="{}"/>"#,
            hex(s)
        )
    };
    let out = ok(&h.one(v, "SignatureVerify", &verify(&sig)).await);
    assert_eq!(enumeration(&out, Tag::ValidityIndicator), "Valid");
    let mut bad = sig.clone();
    bad[5] ^= 1;
    let out = ok(&h.one(v, "SignatureVerify", &verify(&bad)).await);
    assert_eq!(enumeration(&out, Tag::ValidityIndicator), "Invalid");
}

#[tokio::test]
async fn rsa_and_ec_pairs() {
    let h = harness().await;
    let v = (1, 2);
    let made = ok(&h
        .one(
            v,
            "CreateKeyPair",
            &pair_payload("RSA", 2048, "Sign", "Verify"),
        )
        .await);
    let private = text(&made, Tag::PrivateKeyUniqueIdentifier);
    let public = text(&made, Tag::PublicKeyUniqueIdentifier);
    assert_eq!(public, format!("{private}/public"));
    ok(&h
        .one(
            v,
            "Activate",
            &format!(r#"<UniqueIdentifier type="TextString" value="{private}"/>"#),
        )
        .await);

    // Object types and masks per half.
    let attrs = |id: &str| {
        format!(
            r#"<UniqueIdentifier type="TextString" value="{id}"/><AttributeName type="TextString" value="Object Type"/><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeName type="TextString" value="Name"/>"#
        )
    };
    let pa = ok(&h.one(v, "GetAttributes", &attrs(&public)).await);
    let listed: Vec<_> = pa
        .children()
        .iter()
        .filter(|c| c.tag == Tag::Attribute)
        .collect();
    assert_eq!(enumeration(listed[0], Tag::AttributeValue), "PublicKey");
    assert_eq!(
        text(
            listed[2].child(Tag::AttributeValue).unwrap(),
            Tag::NameValue
        ),
        "pair-RSA-2048-pub"
    );

    // Public key: PKCS#1 by default, X.509 on request.
    let got = ok(&h
        .one(
            v,
            "Get",
            &format!(r#"<UniqueIdentifier type="TextString" value="{public}"/>"#),
        )
        .await);
    assert_eq!(enumeration(&got, Tag::ObjectType), "PublicKey");
    let block = got
        .child(Tag::PublicKey)
        .unwrap()
        .child(Tag::KeyBlock)
        .unwrap();
    assert_eq!(enumeration(block, Tag::KeyFormatType), "PKCS_1");
    let got = ok(&h
        .one(v, "Get", &format!(r#"<UniqueIdentifier type="TextString" value="{public}"/><KeyFormatType type="Enumeration" value="X_509"/>"#))
        .await);
    let block = got
        .child(Tag::PublicKey)
        .unwrap()
        .child(Tag::KeyBlock)
        .unwrap();
    let spki = bytes(block.child(Tag::KeyValue).unwrap(), Tag::KeyMaterial);
    assert_eq!(spki[0], 0x30);
    // The private key is not exportable.
    assert_eq!(
        err(&h
            .one(
                v,
                "Get",
                &format!(r#"<UniqueIdentifier type="TextString" value="{private}"/>"#)
            )
            .await),
        "PermissionDenied"
    );

    sign_verify(&h, v, &private, &public, "").await;
    let pkcs1 = r#"<CryptographicParameters><PaddingMethod type="Enumeration" value="PKCS1V1_5"/><HashingAlgorithm type="Enumeration" value="SHA_256"/></CryptographicParameters>"#;
    sign_verify(&h, v, &private, &public, pkcs1).await;
    let dsa = r#"<CryptographicParameters><DigitalSignatureAlgorithm type="Enumeration" value="SHA_256WithRSAEncryption"/></CryptographicParameters>"#;
    sign_verify(&h, (2, 0), &private, &public, dsa).await;

    // Locate by object type finds the public half.
    let loc = ok(&h
        .one(v, "Locate", r#"<Attribute><AttributeName type="TextString" value="Object Type"/><AttributeValue type="Enumeration" value="PublicKey"/></Attribute>"#)
        .await);
    assert_eq!(text(&loc, Tag::UniqueIdentifier), public);

    // Destroy: revoke, then public and private halves.
    let revoke = format!(
        r#"<UniqueIdentifier type="TextString" value="{private}"/><RevocationReason><RevocationReasonCode type="Enumeration" value="KeyCompromise"/></RevocationReason>"#
    );
    ok(&h.one(v, "Revoke", &revoke).await);
    ok(&h
        .one(
            v,
            "Destroy",
            &format!(r#"<UniqueIdentifier type="TextString" value="{public}"/>"#),
        )
        .await);
    assert_eq!(
        err(&h
            .one(
                v,
                "Get",
                &format!(r#"<UniqueIdentifier type="TextString" value="{public}"/>"#)
            )
            .await),
        "PermissionDenied"
    );
    ok(&h
        .one(
            v,
            "Destroy",
            &format!(r#"<UniqueIdentifier type="TextString" value="{private}"/>"#),
        )
        .await);
    let st = ok(&h
        .one(v, "GetAttributes", &format!(r#"<UniqueIdentifier type="TextString" value="{private}"/><AttributeName type="TextString" value="State"/>"#))
        .await);
    assert_eq!(
        enumeration(st.child(Tag::Attribute).unwrap(), Tag::AttributeValue),
        "DestroyedCompromised"
    );

    // EC P-256 (2.x attributes), ECDSA, exportable private key as PKCS#8.
    let ec = r#"<CommonAttributes><CryptographicAlgorithm type="Enumeration" value="EC"/>
        <CryptographicDomainParameters><RecommendedCurve type="Enumeration" value="P_256"/></CryptographicDomainParameters>
        <ActivationDate type="DateTime" value="2020-01-01T00:00:00+00:00"/></CommonAttributes>
        <PrivateKeyAttributes><CryptographicUsageMask type="Integer" value="Sign Export"/></PrivateKeyAttributes>
        <PublicKeyAttributes><CryptographicUsageMask type="Integer" value="Verify"/></PublicKeyAttributes>"#;
    let made = ok(&h.one((2, 0), "CreateKeyPair", ec).await);
    let private = text(&made, Tag::PrivateKeyUniqueIdentifier);
    let public = text(&made, Tag::PublicKeyUniqueIdentifier);
    let ecdsa = r#"<CryptographicParameters><DigitalSignatureAlgorithm type="Enumeration" value="ECDSAWithSHA256"/></CryptographicParameters>"#;
    sign_verify(&h, (2, 0), &private, &public, ecdsa).await;
    let got = ok(&h
        .one(
            (2, 0),
            "Get",
            &format!(r#"<UniqueIdentifier type="TextString" value="{private}"/>"#),
        )
        .await);
    let block = got
        .child(Tag::PrivateKey)
        .unwrap()
        .child(Tag::KeyBlock)
        .unwrap();
    assert_eq!(enumeration(block, Tag::KeyFormatType), "PKCS_8");
    let got = ok(&h
        .one((2, 0), "Get", &format!(r#"<UniqueIdentifier type="TextString" value="{private}"/><KeyFormatType type="Enumeration" value="ECPrivateKey"/>"#))
        .await);
    assert!(got.child(Tag::PrivateKey).is_some());
}
