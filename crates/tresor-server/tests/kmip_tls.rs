//! KMIP over TLS on the real server: a test CA, server and client
//! certificates made by rcgen; a client certificate mapped through
//! `POST /v1/cert-principals` runs Create, Activate, Encrypt, Decrypt,
//! Revoke and Destroy as binary TTLV; an unmapped one is refused; hostile
//! input (truncated message, 2 GiB length, garbage, a stalled connection)
//! gets an error response or a closed connection while another client
//! keeps working; removing the mapping stops the open connection.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::test_ca::TestCa as Pki;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tresor_kmip::{DecodeOptions, Tag, Ttlv, Value, binary, frame_len, xml};
use tresor_server::Config;
use tresor_server::config::SecretString;

const TOKEN: &str = "tresor_kmip-tls-bootstrap-token-0123456789abcdefghij";

/// A TLS client trusting the test CA and presenting `client`'s certificate.
fn connector(pki: &Pki, client: &str) -> TlsConnector {
    let dir = &pki.dir;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(dir.join("ca.pem")).unwrap())
        .unwrap();
    let chain = vec![CertificateDer::from_pem_file(dir.join(format!("{client}.pem"))).unwrap()];
    let key = PrivateKeyDer::from_pem_file(dir.join(format!("{client}.key"))).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(tresor_server::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    TlsConnector::from(Arc::new(config))
}

async fn connect(pki: &Pki, client: &str, addr: std::net::SocketAddr) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    connector(pki, client)
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

async fn read_message(io: &mut TlsStream<TcpStream>) -> Option<Ttlv> {
    let mut header = [0u8; 8];
    io.read_exact(&mut header).await.ok()?;
    let total = frame_len(&header).ok()?;
    let mut msg = vec![0u8; total];
    msg[..8].copy_from_slice(&header);
    io.read_exact(&mut msg[8..]).await.ok()?;
    binary::decode(&msg).ok()
}

fn request(op: &str, payload: &str) -> Ttlv {
    let text = format!(
        r#"<RequestMessage><RequestHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
        <ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion><BatchCount type="Integer" value="1"/></RequestHeader>
        <BatchItem><Operation type="Enumeration" value="{op}"/><RequestPayload>{payload}</RequestPayload></BatchItem></RequestMessage>"#
    );
    xml::decode(&text, &DecodeOptions::new()).unwrap()
}

/// Sends one request; the payload on success, else the result reason code.
async fn call(io: &mut TlsStream<TcpStream>, op: &str, payload: &str) -> Result<Ttlv, u32> {
    io.write_all(&binary::encode(&request(op, payload)).unwrap())
        .await
        .unwrap();
    let resp = read_message(io).await.expect("a response");
    let item = resp.child(Tag::BatchItem).unwrap();
    match item.child(Tag::ResultStatus).unwrap().value {
        Value::Enumeration(0) => Ok(item.child(Tag::ResponsePayload).unwrap().clone()),
        _ => match item.child(Tag::ResultReason).unwrap().value {
            Value::Enumeration(r) => Err(r),
            _ => panic!(),
        },
    }
}

fn field(t: &Ttlv, tag: Tag) -> &Value {
    &t.child(tag).unwrap().value
}

#[tokio::test]
async fn kmip_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (cert, key) = pki.issue("server", "localhost", false);
    pki.issue("app", "kmip-app", true);
    pki.issue("stranger", "kmip-stranger", true);
    let mut config = Config::for_data_dir(dir.path().join("data"));
    config.dev = true;
    config.scheduler_interval_seconds = 0;
    config.bootstrap_token = Some(SecretString::new(TOKEN));
    config.kmip_listen = Some("127.0.0.1:0".parse().unwrap());
    config.kmip_tls_cert = Some(cert);
    config.kmip_tls_key = Some(key);
    config.kmip_client_ca = Some(dir.path().join("ca.pem"));
    let server = tresor_server::start(config).await.unwrap();
    let kmip = server.kmip_addr.expect("KMIP address");
    let r = reqwest::Client::new()
        .post(format!("{}/v1/cert-principals", server.url()))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"subject_cn": "kmip-app", "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());

    // The mapped client: a whole lifecycle on one connection.
    let mut io = connect(&pki, "app", kmip).await;
    let create = r#"<ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/><AttributeValue type="Enumeration" value="AES"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Length"/><AttributeValue type="Integer" value="256"/></Attribute>
        </TemplateAttribute>"#;
    let created = call(&mut io, "Create", create).await.unwrap();
    let Value::TextString(id) = field(&created, Tag::UniqueIdentifier).clone() else {
        panic!()
    };
    let uid = format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#);
    call(&mut io, "Activate", &uid).await.unwrap();
    let enc = call(
        &mut io,
        "Encrypt",
        &format!(r#"{uid}<Data type="ByteString" value="0001020304"/>"#),
    )
    .await
    .unwrap();
    let Value::ByteString(ct) = field(&enc, Tag::Data).clone() else {
        panic!()
    };
    let hex: String = ct.iter().map(|b| format!("{b:02x}")).collect();
    let dec = call(
        &mut io,
        "Decrypt",
        &format!(r#"{uid}<Data type="ByteString" value="{hex}"/>"#),
    )
    .await
    .unwrap();
    assert_eq!(
        field(&dec, Tag::Data),
        &Value::ByteString(vec![0, 1, 2, 3, 4])
    );
    call(&mut io, "Revoke", &format!(r#"{uid}<RevocationReason><RevocationReasonCode type="Enumeration" value="Unspecified"/></RevocationReason>"#)).await.unwrap();
    call(&mut io, "Destroy", &uid).await.unwrap();
    // Unsupported operations are answered on the same connection.
    assert_eq!(call(&mut io, "ObtainLease", "").await.unwrap_err(), 0x05);

    // An unmapped certificate: the connection is closed without an answer.
    let mut stranger = connect(&pki, "stranger", kmip).await;
    let _ = stranger
        .write_all(&binary::encode(&request("DiscoverVersions", "")).unwrap())
        .await;
    assert!(read_message(&mut stranger).await.is_none());

    // A stalled client (one byte of a header) does not block others.
    let mut slow = connect(&pki, "app", kmip).await;
    slow.write_all(&[0x42]).await.unwrap();
    slow.flush().await.unwrap();
    // Hostile frames: 2 GiB declared, garbage, a truncated message.
    for bad in [
        vec![0x42, 0x00, 0x78, 0x01, 0x80, 0x00, 0x00, 0x00],
        vec![0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef],
        vec![0x42, 0x00, 0x78, 0x01, 0x00, 0x00, 0x00, 0x10, 0x42, 0x00],
    ] {
        let mut h = connect(&pki, "app", kmip).await;
        h.write_all(&bad).await.unwrap();
        let _ = h.shutdown().await;
        // An Invalid Message response, or the connection closes.
        if let Some(resp) = read_message(&mut h).await {
            let item = resp.child(Tag::BatchItem).unwrap();
            assert_eq!(
                item.child(Tag::ResultReason).unwrap().value,
                Value::Enumeration(0x04)
            );
        }
    }
    // A well-framed but undecodable body is answered and the connection stays.
    let mut h = connect(&pki, "app", kmip).await;
    h.write_all(&[
        0x42, 0x00, 0x78, 0x01, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0,
    ])
    .await
    .unwrap();
    let resp = read_message(&mut h).await.expect("an error response");
    let item = resp.child(Tag::BatchItem).unwrap();
    assert_eq!(
        item.child(Tag::ResultReason).unwrap().value,
        Value::Enumeration(0x04)
    );
    assert!(call(&mut h, "DiscoverVersions", "").await.is_ok());
    // The first client still works while the slow one hangs.
    assert!(call(&mut io, "DiscoverVersions", "").await.is_ok());
    drop(slow);

    // Removing the mapping takes effect on the open connection: the next
    // message is refused (Authentication Not Successful), then it closes.
    let r = reqwest::Client::new()
        .delete(format!("{}/v1/cert-principals/kmip-app", server.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(call(&mut io, "Create", create).await.unwrap_err(), 0x03);
    assert!(
        read_message(&mut io).await.is_none(),
        "the connection closes"
    );
    server.shutdown().await;
}
