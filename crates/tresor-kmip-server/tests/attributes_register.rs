//! Attribute changes (Add / Modify / Delete Attribute in 1.x, Set
//! Attribute in 2.x) and Register of symmetric and private keys, against
//! a real `Kms`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tresor_core::{AuditFilter, KeyFilter, PageRequest};
use tresor_kmip::Tag;
use tresor_service::KeyRef;

fn v1_attr(name: &str, value: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="{name}"/><AttributeValue {value}</AttributeValue></Attribute>"#
    )
}

fn name_attr(n: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="{n}"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>"#
    )
}

async fn count_keys(h: &Harness) -> usize {
    let page = PageRequest {
        after: None,
        limit: 1000,
    };
    h.kms
        .list_keys(&h.caller, KeyFilter::default(), page)
        .await
        .unwrap()
        .items
        .len()
}

async fn alias_of(h: &Harness, id: &str) -> Option<String> {
    let key = h
        .kms
        .get_key(&h.caller, &KeyRef::Id(id.parse().unwrap()))
        .await
        .unwrap()
        .key;
    key.alias.map(|a| a.as_str().to_owned())
}

#[tokio::test]
async fn names_and_dates_change_server_attributes_do_not() {
    let h = harness().await;
    let v = (1, 4);
    let created = ok(&h
        .one(
            v,
            "Create",
            &aes_template(256, "Encrypt Decrypt", "first-name"),
        )
        .await);
    let id = text(&created, Tag::UniqueIdentifier);
    assert_eq!(alias_of(&h, &id).await.as_deref(), Some("first-name"));

    // Modify the Name: the alias follows; the answer carries the attribute.
    let r = ok(&h
        .one(
            v,
            "ModifyAttribute",
            &format!("{}{}", uid(&id), name_attr("second-name")),
        )
        .await);
    assert_eq!(text(&r, Tag::UniqueIdentifier), id);
    assert!(r.child(Tag::Attribute).is_some());
    assert_eq!(alias_of(&h, &id).await.as_deref(), Some("second-name"));
    // One name per object.
    let r = h
        .one(
            v,
            "AddAttribute",
            &format!("{}{}", uid(&id), name_attr("third")),
        )
        .await;
    assert_eq!(err(&r), "InvalidField");
    // A name that is not a valid alias is kept as the KMIP name.
    ok(&h
        .one(
            v,
            "ModifyAttribute",
            &format!("{}{}", uid(&id), name_attr("Has Spaces!")),
        )
        .await);
    assert_eq!(alias_of(&h, &id).await, None);
    let attrs = ok(&h
        .one(
            v,
            "GetAttributes",
            &format!(
                r#"{}<AttributeName type="TextString" value="Name"/>"#,
                uid(&id)
            ),
        )
        .await);
    let name = attrs
        .child(Tag::Attribute)
        .unwrap()
        .child(Tag::AttributeValue)
        .unwrap();
    assert_eq!(text(name, Tag::NameValue), "Has Spaces!");
    // Delete it; deleting again finds nothing.
    let del = format!(
        r#"{}<Attribute><AttributeName type="TextString" value="Name"/></Attribute>"#,
        uid(&id)
    );
    ok(&h.one(v, "DeleteAttribute", &del).await);
    assert_eq!(
        err(&h.one(v, "DeleteAttribute", &del).await),
        "ItemNotFound"
    );

    // Server-set attributes are refused; unknown ones are invalid.
    for (name, value) in [
        ("Cryptographic Length", r#"type="Integer" value="128">"#),
        ("Cryptographic Usage Mask", r#"type="Integer" value="4">"#),
        ("State", r#"type="Enumeration" value="Active">"#),
    ] {
        let r = h
            .one(
                v,
                "ModifyAttribute",
                &format!("{}{}", uid(&id), v1_attr(name, value)),
            )
            .await;
        assert_eq!(err(&r), "PermissionDenied", "{name}");
    }
    let r = h
        .one(
            v,
            "AddAttribute",
            &format!(
                "{}{}",
                uid(&id),
                v1_attr("x-colour", r#"type="TextString" value="red">"#)
            ),
        )
        .await;
    assert_eq!(err(&r), "InvalidField");

    // Activation Date: now activates a Pre-Active key; then it is fixed.
    let now = r#"type="DateTime" value="1970-01-01T00:00:10+00:00">"#;
    ok(&h
        .one(
            v,
            "ModifyAttribute",
            &format!("{}{}", uid(&id), v1_attr("Activation Date", now)),
        )
        .await);
    let state = ok(&h
        .one(
            v,
            "GetAttributes",
            &format!(
                r#"{}<AttributeName type="TextString" value="State"/>"#,
                uid(&id)
            ),
        )
        .await);
    let value = state.child(Tag::Attribute).unwrap();
    assert_eq!(enumeration(value, Tag::AttributeValue), "Active");
    let r = h
        .one(
            v,
            "ModifyAttribute",
            &format!("{}{}", uid(&id), v1_attr("Activation Date", now)),
        )
        .await;
    assert_eq!(err(&r), "PermissionDenied");

    // 2.x Set Attribute with a tagged Name.
    let set = format!(
        r#"{}<NewAttribute><Name><NameValue type="TextString" value="v2-name"/><NameType type="Enumeration" value="UninterpretedTextString"/></Name></NewAttribute>"#,
        uid(&id)
    );
    let r = ok(&h.one((2, 1), "SetAttribute", &set).await);
    assert_eq!(text(&r, Tag::UniqueIdentifier), id);
    assert_eq!(alias_of(&h, &id).await.as_deref(), Some("v2-name"));
    // A readonly caller cannot change names.
    let ro = h
        .send_as(
            Some(caller(tresor_core::Role::Readonly)),
            &message((2, 1), &[("SetAttribute", &set)]),
        )
        .await;
    assert_eq!(err(&ro), "PermissionDenied");
}

fn register_aes(key_hex: &str, bits: u32, name: &str) -> String {
    format!(
        r#"<ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt Decrypt Export"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="{name}"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </TemplateAttribute>
        <SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/>
        <KeyValue><KeyMaterial type="ByteString" value="{key_hex}"/></KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="{bits}"/>
        </KeyBlock></SymmetricKey>"#
    )
}

#[tokio::test]
async fn register_keys_and_refuse_what_cannot_be_stored() {
    let h = harness().await;
    let v = (1, 4);
    let key_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    let r = ok(&h
        .one(v, "Register", &register_aes(key_hex, 256, "reg-aes"))
        .await);
    let id = text(&r, Tag::UniqueIdentifier);
    // Pre-Active until activated; then it encrypts; Get returns the bytes.
    ok(&h.one(v, "Activate", &uid(&id)).await);
    let got = ok(&h.one(v, "Get", &uid(&id)).await);
    let block = got
        .child(Tag::SymmetricKey)
        .unwrap()
        .child(Tag::KeyBlock)
        .unwrap();
    let material = block.child(Tag::KeyValue).unwrap();
    assert_eq!(hex(&bytes(material, Tag::KeyMaterial)), key_hex);
    // Audited as an import.
    let audit = h
        .kms
        .list_audit(&h.caller, AuditFilter::default())
        .await
        .unwrap();
    assert!(audit.iter().any(|r| r.event.action == "key.import"));

    // Length mismatch, AES-192, a public key alone, secret data, wrapped.
    let r = h
        .one(v, "Register", &register_aes(key_hex, 128, "reg-bad"))
        .await;
    assert_eq!(err(&r), "InvalidField");
    let r = h
        .one(v, "Register", &register_aes(&key_hex[..48], 192, "reg-192"))
        .await;
    assert_eq!(err(&r), "InvalidField");
    let public = r#"<ObjectType type="Enumeration" value="PublicKey"/><TemplateAttribute/>
        <PublicKey><KeyBlock><KeyFormatType type="Enumeration" value="X_509"/><KeyValue><KeyMaterial type="ByteString" value="00"/></KeyValue></KeyBlock></PublicKey>"#;
    assert_eq!(err(&h.one(v, "Register", public).await), "InvalidField");
    let secret = r#"<ObjectType type="Enumeration" value="SecretData"/><TemplateAttribute/>"#;
    assert_eq!(err(&h.one(v, "Register", secret).await), "MissingData");
    let template = r#"<ObjectType type="Enumeration" value="Template"/><TemplateAttribute/>"#;
    assert_eq!(
        err(&h.one(v, "Register", template).await),
        "OperationNotSupported"
    );
    let wrapped = register_aes(key_hex, 256, "reg-wrapped").replace(
        "</KeyBlock>",
        r#"<KeyWrappingData><WrappingMethod type="Enumeration" value="Encrypt"/></KeyWrappingData></KeyBlock>"#,
    );
    // Wrapped without naming the wrapping key.
    assert_eq!(err(&h.one(v, "Register", &wrapped).await), "MissingData");
    // Garbage instead of PKCS#8: the provider refuses it, nothing stored.
    let before = count_keys(&h).await;
    let bad_private = r#"<ObjectType type="Enumeration" value="PrivateKey"/><TemplateAttribute/>
        <PrivateKey><KeyBlock><KeyFormatType type="Enumeration" value="PKCS_8"/><KeyValue><KeyMaterial type="ByteString" value="3003020100"/></KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="RSA"/><CryptographicLength type="Integer" value="2048"/></KeyBlock></PrivateKey>"#;
    assert!(result(&h.one(v, "Register", bad_private).await).is_err());
    let after = count_keys(&h).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_private_key_registers_from_pkcs8_and_pkcs1() {
    let h = harness().await;
    let v = (1, 4);
    // An exportable RSA pair made here gives real PKCS#8 and PKCS#1 bytes.
    let pair = r#"<CommonTemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/><AttributeValue type="Enumeration" value="RSA"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Length"/><AttributeValue type="Integer" value="2048"/></Attribute>
        </CommonTemplateAttribute><PrivateKeyTemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Sign Export"/></Attribute>
        </PrivateKeyTemplateAttribute>"#;
    let made = ok(&h.one(v, "CreateKeyPair", pair).await);
    let private = text(&made, Tag::PrivateKeyUniqueIdentifier);
    for (format, name) in [("PKCS_8", "reg-rsa-8"), ("PKCS_1", "reg-rsa-1")] {
        let got = ok(&h
            .one(
                v,
                "Get",
                &format!(
                    r#"{}<KeyFormatType type="Enumeration" value="{format}"/>"#,
                    uid(&private)
                ),
            )
            .await);
        let block = got
            .child(Tag::PrivateKey)
            .unwrap()
            .child(Tag::KeyBlock)
            .unwrap();
        let der = bytes(block.child(Tag::KeyValue).unwrap(), Tag::KeyMaterial);
        let register = format!(
            r#"<ObjectType type="Enumeration" value="PrivateKey"/><TemplateAttribute>
            <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Sign"/></Attribute>
            <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="{name}"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
            </TemplateAttribute><PrivateKey><KeyBlock><KeyFormatType type="Enumeration" value="{format}"/>
            <KeyValue><KeyMaterial type="ByteString" value="{}"/></KeyValue>
            <CryptographicAlgorithm type="Enumeration" value="RSA"/><CryptographicLength type="Integer" value="2048"/></KeyBlock></PrivateKey>"#,
            hex(&der)
        );
        let r = ok(&h.one(v, "Register", &register).await);
        let id = text(&r, Tag::UniqueIdentifier);
        // Same public key as the original pair.
        let public_of = |id: String| {
            let h = &h;
            async move {
                let got = ok(&h
                    .one(
                        v,
                        "Get",
                        &format!(
                            r#"{}<KeyFormatType type="Enumeration" value="X_509"/>"#,
                            uid(&format!("{id}/public"))
                        ),
                    )
                    .await);
                let block = got
                    .child(Tag::PublicKey)
                    .unwrap()
                    .child(Tag::KeyBlock)
                    .unwrap();
                bytes(block.child(Tag::KeyValue).unwrap(), Tag::KeyMaterial)
            }
        };
        assert_eq!(
            public_of(id).await,
            public_of(private.clone()).await,
            "{format}"
        );
    }
}

#[tokio::test]
async fn secret_data_opaque_objects_and_certificates_are_stored_objects() {
    let h = harness().await;
    let v = (1, 4);
    let secret = r#"<ObjectType type="Enumeration" value="SecretData"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="db-password"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </TemplateAttribute><SecretData><SecretDataType type="Enumeration" value="Password"/>
        <KeyBlock><KeyFormatType type="Enumeration" value="Opaque"/><KeyValue><KeyMaterial type="ByteString" value="7333637265742d70617373"/></KeyValue></KeyBlock></SecretData>"#;
    let id = text(
        &ok(&h.one(v, "Register", secret).await),
        Tag::UniqueIdentifier,
    );
    assert!(id.starts_with("secret-"), "{id}");
    let got = ok(&h.one(v, "Get", &uid(&id)).await);
    assert_eq!(enumeration(&got, Tag::ObjectType), "SecretData");
    let sd = got.child(Tag::SecretData).unwrap();
    assert_eq!(enumeration(sd, Tag::SecretDataType), "Password");
    let value = sd
        .child(Tag::KeyBlock)
        .unwrap()
        .child(Tag::KeyValue)
        .unwrap();
    assert_eq!(bytes(value, Tag::KeyMaterial), b"s3cret-pass");
    let attrs = ok(&h.one(v, "GetAttributes", &uid(&id)).await);
    assert!(attrs.child(Tag::Attribute).is_some());
    // The same secret over the secrets service (what /v1/secrets serves).
    let listed = h
        .kms
        .list_secrets(&h.caller, Default::default())
        .await
        .unwrap();
    let s = listed
        .iter()
        .find(|s| format!("secret-{}", s.id) == id)
        .unwrap();
    assert_eq!(s.name.as_deref(), Some("db-password"));
    assert_eq!(s.secret_type, "passphrase");

    let opaque = r#"<ObjectType type="Enumeration" value="OpaqueObject"/><TemplateAttribute/>
        <OpaqueObject><OpaqueDataType type="Enumeration" value="0x80000001"/><OpaqueDataValue type="ByteString" value="00ff00ff"/></OpaqueObject>"#;
    let oid = text(
        &ok(&h.one(v, "Register", opaque).await),
        Tag::UniqueIdentifier,
    );
    let got = ok(&h.one(v, "Get", &uid(&oid)).await);
    assert_eq!(enumeration(&got, Tag::ObjectType), "OpaqueObject");
    assert_eq!(
        bytes(got.child(Tag::OpaqueObject).unwrap(), Tag::OpaqueDataValue),
        vec![0, 0xff, 0, 0xff]
    );

    // Destroy crypto-shreds; afterwards the object is gone.
    ok(&h.one(v, "Destroy", &uid(&id)).await);
    assert_eq!(err(&h.one(v, "Get", &uid(&id)).await), "ItemNotFound");
    assert_eq!(err(&h.one(v, "Destroy", &uid(&id)).await), "ItemNotFound");
    assert_eq!(
        err(&h.one(v, "Get", &uid("secret-nope")).await),
        "ItemNotFound"
    );

    // A certificate registered over KMIP is a stored certificate.
    let ss = h
        .kms
        .create_key(
            &h.caller,
            tresor_service::types::KeySpec::new(tresor_core::Algorithm::EcP256),
        )
        .await
        .unwrap();
    let cert = h
        .kms
        .self_sign(
            &h.caller,
            &KeyRef::Id(ss.key.id),
            tresor_service::pki::SelfSignRequest {
                names: tresor_service::pki::NameSpec {
                    subject: "CN=kmip cert".into(),
                    ..Default::default()
                },
                validity_days: 30,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let der = cert.certificate.der.clone();
    let reg = format!(
        r#"<ObjectType type="Enumeration" value="Certificate"/><TemplateAttribute/>
        <Certificate><CertificateType type="Enumeration" value="X_509"/><CertificateValue type="ByteString" value="{}"/></Certificate>"#,
        hex(&der)
    );
    let cid = text(
        &ok(&h.one(v, "Register", &reg).await),
        Tag::UniqueIdentifier,
    );
    assert!(cid.starts_with("cert-"), "{cid}");
    let got = ok(&h.one(v, "Get", &uid(&cid)).await);
    assert_eq!(
        bytes(got.child(Tag::Certificate).unwrap(), Tag::CertificateValue),
        der
    );
    assert_eq!(
        err(&h.one(v, "Destroy", &uid(&cid)).await),
        "PermissionDenied"
    );
}
