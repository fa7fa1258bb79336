//! Test harness: a real `Kms` (SQLite in a temp dir, software provider)
//! and helpers to send KMIP requests written in the XML TTLV form.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use tempfile::TempDir;
use tresor_core::{Caller, Clock, ProviderStateStore, RequestId, Role, SystemClock, TenantId};
use tresor_crypto::{RootKey, SoftwareProvider};
use tresor_kmip::{DecodeOptions, EnumKind, Tag, Ttlv, Value, xml};
use tresor_kmip_server::{Peer, process};
use tresor_service::{Kms, KmsConfig, ProviderRegistry, RequestMeta};
use tresor_store::StoreOptions;

pub struct Harness {
    pub kms: Kms,
    pub caller: Caller,
    _dir: TempDir,
}

pub async fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/tresor.db", dir.path().display());
    let store = tresor_store::open(&url, &StoreOptions::default())
        .await
        .unwrap();
    let root = RootKey::generate().unwrap();
    let blobs: Arc<dyn ProviderStateStore> = store.clone();
    let provider = SoftwareProvider::new(SoftwareProvider::default_id(), &root, blobs).unwrap();
    let kms = Kms::new(
        store,
        ProviderRegistry::new(Arc::new(provider)),
        Arc::new(SystemClock) as Arc<dyn Clock>,
        KmsConfig::default(),
        None,
    );
    kms.bootstrap(None).await.unwrap();
    Harness {
        kms,
        caller: caller(Role::Admin),
        _dir: dir,
    }
}

pub fn caller(role: Role) -> Caller {
    Caller {
        auth_time: None,
        principal: format!("test:{role}"),
        tenant: TenantId::default_tenant(),
        role,
        platform_admin: false,
        request_id: RequestId::generate(),
        source: None,
    }
}

pub fn meta() -> RequestMeta {
    RequestMeta {
        request_id: RequestId::generate(),
        source: None,
    }
}

impl Harness {
    /// Sends a request (XML text of the whole RequestMessage) as `caller`.
    pub async fn send_as(&self, caller: Option<Caller>, request_xml: &str) -> Ttlv {
        let req = xml::decode(request_xml, &DecodeOptions::new()).unwrap();
        let peer = Peer {
            caller,
            meta: meta(),
        };
        process(&self.kms, peer, &req).await
    }

    /// One batch item, version `major.minor`, as the admin caller.
    pub async fn one(&self, version: (i32, i32), operation: &str, payload: &str) -> Ttlv {
        self.send_as(
            Some(self.caller.clone()),
            &message(version, &[(operation, payload)]),
        )
        .await
    }
}

/// A RequestMessage with these (operation, payload XML) batch items.
pub fn message(version: (i32, i32), items: &[(&str, &str)]) -> String {
    message_with(version, "", items)
}

/// Same, with extra header XML.
pub fn message_with(version: (i32, i32), header_extra: &str, items: &[(&str, &str)]) -> String {
    let mut s = format!(
        r#"<RequestMessage><RequestHeader><ProtocolVersion>
        <ProtocolVersionMajor type="Integer" value="{}"/><ProtocolVersionMinor type="Integer" value="{}"/>
        </ProtocolVersion>{header_extra}<BatchCount type="Integer" value="{}"/></RequestHeader>"#,
        version.0,
        version.1,
        items.len()
    );
    for (op, payload) in items {
        s.push_str(&format!(
            r#"<BatchItem><Operation type="Enumeration" value="{op}"/><RequestPayload>{payload}</RequestPayload></BatchItem>"#
        ));
    }
    s.push_str("</RequestMessage>");
    s
}

/// The batch items of a response.
pub fn items(resp: &Ttlv) -> Vec<&Ttlv> {
    assert_eq!(resp.tag, Tag::ResponseMessage);
    resp.children()
        .iter()
        .filter(|c| c.tag == Tag::BatchItem)
        .collect()
}

fn enum_name(kind: EnumKind, item: &Ttlv, tag: Tag) -> Option<&'static str> {
    match item.child(tag)?.value {
        Value::Enumeration(v) => kind.name_of(v),
        _ => None,
    }
}

/// `Ok(payload)` for a successful single item, else `Err(reason name)`.
pub fn result(resp: &Ttlv) -> Result<Ttlv, String> {
    let it = items(resp);
    assert_eq!(it.len(), 1, "{}", xml::encode(resp));
    item_result(it[0])
}

pub fn item_result(item: &Ttlv) -> Result<Ttlv, String> {
    match enum_name(EnumKind::ResultStatus, item, Tag::ResultStatus) {
        Some("Success") => Ok(item.child(Tag::ResponsePayload).cloned().unwrap()),
        _ => Err(enum_name(EnumKind::ResultReason, item, Tag::ResultReason)
            .unwrap_or("?")
            .to_owned()),
    }
}

pub fn ok(resp: &Ttlv) -> Ttlv {
    result(resp).unwrap_or_else(|e| panic!("{e}: {}", xml::encode(resp)))
}

pub fn err(resp: &Ttlv) -> String {
    match result(resp) {
        Ok(_) => panic!("expected a failure: {}", xml::encode(resp)),
        Err(e) => e,
    }
}

pub fn text(item: &Ttlv, tag: Tag) -> String {
    match &item
        .child(tag)
        .unwrap_or_else(|| panic!("no {tag} in {item:?}"))
        .value
    {
        Value::TextString(s) => s.clone(),
        other => panic!("{other:?}"),
    }
}

pub fn bytes(item: &Ttlv, tag: Tag) -> Vec<u8> {
    match &item
        .child(tag)
        .unwrap_or_else(|| panic!("no {tag} in {item:?}"))
        .value
    {
        Value::ByteString(b) => b.clone(),
        other => panic!("{other:?}"),
    }
}

pub fn enumeration(item: &Ttlv, tag: Tag) -> &'static str {
    let name = match item.child(Tag::AttributeName).map(|n| &n.value) {
        Some(Value::TextString(s)) => Some(s.as_str()),
        _ => None,
    };
    let kind = tresor_kmip::enums::kind_for(tag, name, false).unwrap();
    enum_name(kind, item, tag).unwrap()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// 1.x Create payload of an AES key.
pub fn aes_template(bits: u32, mask: &str, name: &str) -> String {
    format!(
        r#"<ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/><AttributeValue type="Enumeration" value="AES"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Length"/><AttributeValue type="Integer" value="{bits}"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="{mask}"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="{name}"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </TemplateAttribute>"#
    )
}

/// A 1.x/2.x Unique Identifier item.
pub fn uid(id: &str) -> String {
    format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#)
}

/// The Key Block of the object `object` (e.g. `Tag::SymmetricKey`) in a
/// Get answer.
pub fn key_block(got: &Ttlv, object: Tag) -> &Ttlv {
    got.child(object)
        .and_then(|o| o.child(Tag::KeyBlock))
        .unwrap_or_else(|| panic!("no {object} key block in {}", xml::encode(got)))
}
