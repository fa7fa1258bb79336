//! Retries against a scripted HTTP endpoint (moto never throttles): a
//! throttled or failing KMS is retried with backoff, a refusal of the
//! request itself is not, and the number of tries is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tresor_aws_kms::AwsKmsConfig;
use tresor_aws_kms::client::{ATTEMPTS, Client};
use tresor_core::{ProviderError, ProviderId};

/// Serves one scripted answer per request (the last one repeats), one
/// request per connection; counts the requests.
async fn endpoint(script: Vec<(u16, &'static str)>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let n = count.fetch_add(1, Ordering::SeqCst);
            let (status, body) = script[n.min(script.len() - 1)];
            // Read the head and the body (Content-Length) before answering.
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let read = sock.read(&mut chunk).await.unwrap_or(0);
                if read == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..read]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(answer.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    (format!("http://{addr}"), seen)
}

fn client(endpoint: String) -> Client {
    let dir = std::env::temp_dir().join(format!("tresor-aws-retries-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let creds = dir.join("credentials.json");
    std::fs::write(
        &creds,
        json!({"access_key_id": "AKIDTEST", "secret_access_key": "secret"}).to_string(),
    )
    .unwrap();
    Client::new(&AwsKmsConfig {
        id: ProviderId::parse("aws").unwrap(),
        region: "eu-central-1".into(),
        endpoint: Some(endpoint),
        access_key_id_env: None,
        secret_access_key_env: None,
        session_token_env: None,
        credentials_file: Some(creds),
        timeout_seconds: Some(5),
    })
    .unwrap()
}

const THROTTLED: (u16, &str) = (
    400,
    r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
);

#[tokio::test]
async fn throttling_is_retried_until_the_kms_answers() {
    let (url, seen) = endpoint(vec![THROTTLED, THROTTLED, (200, r#"{"KeyId":"k"}"#)]).await;
    let answer = client(url)
        .call("DescribeKey", &json!({"KeyId": "k"}))
        .await;
    assert_eq!(answer.unwrap()["KeyId"], "k");
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_failure_is_returned() {
    let (url, seen) = endpoint(vec![(503, r#"{"__type":"ServiceUnavailable"}"#)]).await;
    let answer = client(url).call("Encrypt", &json!({"KeyId": "k"})).await;
    assert!(
        matches!(answer, Err(ProviderError::Unavailable(_))),
        "{answer:?}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), ATTEMPTS as usize);
}

#[tokio::test]
async fn a_refused_request_is_not_retried() {
    let (url, seen) = endpoint(vec![(
        400,
        r#"{"__type":"ValidationException","message":"bad"}"#,
    )])
    .await;
    let answer = client(url).call("Encrypt", &json!({"KeyId": "k"})).await;
    assert!(
        matches!(answer, Err(ProviderError::InvalidInput(_))),
        "{answer:?}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}
