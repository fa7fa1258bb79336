//! KMIP over HTTP on the real server: `POST /kmip` with binary and JSON
//! TTLV, `POST /kmip/2_1` with JSON, bearer authentication, and bad bodies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{BOOTSTRAP_TOKEN, Owned};
use tresor_kmip::{DecodeOptions, Tag, Ttlv, Value, binary, json, xml};

fn create_request(version: (i32, i32)) -> Ttlv {
    let text = format!(
        r#"<RequestMessage><RequestHeader><ProtocolVersion>
        <ProtocolVersionMajor type="Integer" value="{}"/><ProtocolVersionMinor type="Integer" value="{}"/>
        </ProtocolVersion><BatchCount type="Integer" value="1"/></RequestHeader>
        <BatchItem><Operation type="Enumeration" value="Create"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><Attributes>
        <CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="256"/>
        </Attributes></RequestPayload></BatchItem></RequestMessage>"#,
        version.0, version.1
    );
    xml::decode(&text, &DecodeOptions::new()).unwrap()
}

fn created_id(resp: &Ttlv) -> String {
    let item = resp.child(Tag::BatchItem).unwrap();
    assert_eq!(
        item.child(Tag::ResultStatus).unwrap().value,
        Value::Enumeration(0),
        "{}",
        xml::encode(resp)
    );
    match &item
        .child(Tag::ResponsePayload)
        .unwrap()
        .child(Tag::UniqueIdentifier)
        .unwrap()
        .value
    {
        Value::TextString(s) => s.clone(),
        _ => panic!(),
    }
}

#[tokio::test]
async fn kmip_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let server = Owned::start(dir.path(), None).await;
    let url = server.url.clone();
    let http = reqwest::Client::new();
    let post = |path: &str, ct: &str, body: Vec<u8>, auth: bool| {
        let mut r = http
            .post(format!("{url}{path}"))
            .header("content-type", ct)
            .body(body);
        if auth {
            r = r.bearer_auth(BOOTSTRAP_TOKEN);
        }
        r.send()
    };

    // Binary TTLV.
    let wire = binary::encode(&create_request((2, 0))).unwrap();
    let r = post("/kmip", "application/octet-stream", wire.clone(), true)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    let resp = binary::decode(&r.bytes().await.unwrap()).unwrap();
    let id = created_id(&resp);
    // The key is a Tresor key, visible over REST.
    let r = http
        .get(format!("{url}/v1/keys/{id}"))
        .bearer_auth(BOOTSTRAP_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // JSON TTLV on both paths.
    let body = json::encode(&create_request((2, 1))).into_bytes();
    for path in ["/kmip", "/kmip/2_1"] {
        let r = post(path, "application/json", body.clone(), true)
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let text = r.text().await.unwrap();
        created_id(&json::decode(&text, &DecodeOptions::new()).unwrap());
    }

    // No bearer token: 401; binary on /kmip/2_1: 415; garbage: 400.
    let r = post("/kmip", "application/octet-stream", wire.clone(), false)
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = post("/kmip/2_1", "application/octet-stream", wire, true)
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = post(
        "/kmip",
        "application/octet-stream",
        vec![0x42, 0, 0x78, 1, 0xff, 0xff, 0xff, 0xf8],
        true,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    let r = post("/kmip", "text/plain", b"x".to_vec(), true)
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    server.stop().await;
}
