//! Message-level behaviour: Discover Versions, Query, batches and the
//! Batch Error Continuation Option, the ID placeholder, authentication
//! (none, API key as password, bad password), roles, unsupported
//! operations and malformed messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tresor_core::Role;
use tresor_kmip::{Tag, Ttlv, Value, xml};
use tresor_kmip_server::{Peer, process};
use tresor_service::types::NewApiKey;

fn version_of(resp: &Ttlv) -> (i32, i32) {
    let pv = resp
        .child(Tag::ResponseHeader)
        .unwrap()
        .child(Tag::ProtocolVersion)
        .unwrap();
    let n = |t| match pv.child(t).unwrap().value {
        Value::Integer(i) => i,
        _ => panic!(),
    };
    (n(Tag::ProtocolVersionMajor), n(Tag::ProtocolVersionMinor))
}

#[tokio::test]
async fn discover_versions_and_query() {
    let h = harness().await;
    let resp = h.one((1, 1), "DiscoverVersions", "").await;
    assert_eq!(version_of(&resp), (1, 1));
    let versions = ok(&resp);
    assert_eq!(versions.children().len(), 7);
    let asked = r#"<ProtocolVersion><ProtocolVersionMajor type="Integer" value="3"/><ProtocolVersionMinor type="Integer" value="0"/></ProtocolVersion>
        <ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="2"/></ProtocolVersion>"#;
    let versions = ok(&h
        .send_as(None, &message((1, 2), &[("DiscoverVersions", asked)]))
        .await);
    assert_eq!(versions.children().len(), 1);

    let q = r#"<QueryFunction type="Enumeration" value="QueryOperations"/><QueryFunction type="Enumeration" value="QueryObjects"/><QueryFunction type="Enumeration" value="QueryServerInformation"/>"#;
    let out = ok(&h.one((2, 1), "Query", q).await);
    let ops: Vec<_> = out
        .children()
        .iter()
        .filter(|c| c.tag == Tag::Operation)
        .collect();
    assert!(ops.len() >= 15);
    assert_eq!(text(&out, Tag::VendorIdentification), "Tresor");
}

#[tokio::test]
async fn batches_placeholders_and_continuation() {
    let h = harness().await;
    // Create then Activate and Get Attributes through the ID placeholder.
    let msg = message(
        (1, 4),
        &[
            ("Create", &aes_template(128, "Encrypt Decrypt", "batch-key")),
            ("Activate", ""),
            (
                "GetAttributes",
                r#"<AttributeName type="TextString" value="State"/>"#,
            ),
        ],
    );
    let resp = h.send_as(Some(h.caller.clone()), &msg).await;
    let it = items(&resp);
    assert_eq!(it.len(), 3);
    let st = item_result(it[2]).unwrap();
    assert_eq!(
        enumeration(st.child(Tag::Attribute).unwrap(), Tag::AttributeValue),
        "Active"
    );

    // Stop (default): the failing item ends the batch.
    let bad = r#"<UniqueIdentifier type="TextString" value="nope"/>"#;
    let msg = message((1, 4), &[("Activate", bad), ("DiscoverVersions", "")]);
    let resp = h.send_as(Some(h.caller.clone()), &msg).await;
    let it = items(&resp);
    assert_eq!(it.len(), 1);
    assert_eq!(item_result(it[0]).unwrap_err(), "ItemNotFound");
    // Continue: every item runs.
    let cont = r#"<BatchErrorContinuationOption type="Enumeration" value="Continue"/>"#;
    let msg = message_with((1, 4), cont, &[("Activate", bad), ("DiscoverVersions", "")]);
    let it_resp = h.send_as(Some(h.caller.clone()), &msg).await;
    let it = items(&it_resp);
    assert_eq!(it.len(), 2);
    assert!(item_result(it[1]).is_ok());
    // Undo with several items: not supported, nothing runs.
    let undo = r#"<BatchErrorContinuationOption type="Enumeration" value="Undo"/>"#;
    let msg = message_with(
        (1, 4),
        undo,
        &[("DiscoverVersions", ""), ("DiscoverVersions", "")],
    );
    let resp = h.send_as(Some(h.caller.clone()), &msg).await;
    assert!(
        items(&resp)
            .iter()
            .all(|i| item_result(i).unwrap_err() == "FeatureNotSupported")
    );
}

#[tokio::test]
async fn authentication_roles_and_errors() {
    let h = harness().await;
    // No caller: only Discover Versions / Query work.
    let create = message((1, 4), &[("Create", &aes_template(128, "Encrypt", "anon"))]);
    assert_eq!(
        err(&h.send_as(None, &create).await),
        "AuthenticationNotSuccessful"
    );
    // An API key as the password.
    let key = h
        .kms
        .create_api_key(
            &h.caller,
            NewApiKey {
                name: "kmip".into(),
                role: Role::User,
                platform_admin: false,
                expires_at: None,
            },
        )
        .await
        .unwrap();
    let auth = |pw: &str| {
        format!(
            r#"<Authentication><Credential><CredentialType type="Enumeration" value="UsernameAndPassword"/>
            <CredentialValue><Username type="TextString" value="app"/><Password type="TextString" value="{pw}"/></CredentialValue>
            </Credential></Authentication>"#
        )
    };
    let items_ = [("Create", aes_template(128, "Encrypt", "with-key"))];
    let items_ref: Vec<(&str, &str)> = items_.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let msg = message_with((1, 4), &auth(&key.token), &items_ref);
    let id = text(&ok(&h.send_as(None, &msg).await), Tag::UniqueIdentifier);
    let msg = message_with((1, 4), &auth("tresor_wrong"), &items_ref);
    assert_eq!(
        err(&h.send_as(None, &msg).await),
        "AuthenticationNotSuccessful"
    );
    // The user role may not destroy (admin only): Permission Denied.
    let destroy = message_with(
        (1, 4),
        &auth(&key.token),
        &[(
            "Destroy",
            &format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#),
        )],
    );
    assert_eq!(err(&h.send_as(None, &destroy).await), "PermissionDenied");
    // Readonly callers cannot create.
    let ro = h.send_as(Some(caller(Role::Readonly)), &create).await;
    assert_eq!(err(&ro), "PermissionDenied");

    // Unsupported operations are answered, not dropped.
    assert_eq!(
        err(&h.one((1, 4), "ReCertify", "").await),
        "OperationNotSupported"
    );
    assert_eq!(
        err(&h.one((1, 4), "ObtainLease", "").await),
        "OperationNotSupported"
    );
    // Check and Re-key need their object (no ID placeholder yet).
    assert_eq!(err(&h.one((1, 4), "Check", "").await), "MissingData");
    assert_eq!(err(&h.one((1, 4), "ReKey", "").await), "MissingData");
    // Register needs the object; Templates (deprecated) are not stored.
    assert_eq!(err(&h.one((2, 1), "Register", "").await), "MissingData");
    assert_eq!(
        err(&h
            .one(
                (2, 1),
                "Register",
                r#"<ObjectType type="Enumeration" value="Template"/>"#
            )
            .await),
        "OperationNotSupported"
    );
    // Unknown ids, symmetric "/public" ids, missing fields.
    let get = |id: &str| format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#);
    assert_eq!(
        err(&h.one((1, 4), "Get", &get("no-such")).await),
        "ItemNotFound"
    );
    assert_eq!(
        err(&h.one((1, 4), "Get", &get(&format!("{id}/public"))).await),
        "ItemNotFound"
    );
    assert_eq!(
        err(&h.one((1, 4), "Revoke", &get(&id)).await),
        "MissingData"
    );
    assert_eq!(
        err(&h
            .one((1, 4), "Create", &aes_template(192, "Encrypt", "x"))
            .await),
        "InvalidField"
    );

    // Malformed messages: a wrong root, a bad batch count.
    let resp = process(
        &h.kms,
        Peer {
            caller: None,
            meta: meta(),
        },
        &Ttlv::structure(Tag::ResponseMessage, vec![]),
    )
    .await;
    assert_eq!(err(&resp), "InvalidMessage");
    let bad_count = message((1, 4), &[("DiscoverVersions", "")]).replace(
        r#"<BatchCount type="Integer" value="1"/>"#,
        r#"<BatchCount type="Integer" value="5"/>"#,
    );
    let resp = h.send_as(None, &bad_count).await;
    assert_eq!(err(&resp), "InvalidMessage");
    let _ = xml::encode(&resp);
}
