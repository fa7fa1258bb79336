//! SIEM streaming end to end: real servers with audit sinks pointed at
//! receivers the test runs (an axum webhook that is down for a while, a
//! UDP and a TCP syslog collector, a JSONL file), checking that every
//! audit record arrives exactly once in order (duplicates only as retries),
//! signatures verify, frames parse as RFC 5424, and a restart resumes from
//! the stored cursor.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::{Api, BOOTSTRAP_TOKEN, config_for};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::sync::Mutex;
use tresor_server::siem::config::SinkConfig;
use tresor_server::siem::webhook;

const SECRET: &str = "webhook-secret-0123456789abcdef";

fn sink(v: Value) -> SinkConfig {
    serde_json::from_value(v).unwrap()
}

/// Starts a server on `dir` with `sinks`.
async fn start(dir: &Path, sinks: Vec<SinkConfig>) -> (tresor_server::RunningServer, Api) {
    let mut c = config_for(dir, None);
    c.audit_sinks = sinks;
    let server = tresor_server::start(c).await.expect("server start");
    let api = Api::unpooled(&server.url(), BOOTSTRAP_TOKEN);
    (server, api)
}

/// Some audited work: a key, encryptions, a denied call.
async fn work(api: &Api, n: usize) {
    let key = api.create_key("aes-256-gcm").await;
    for i in 0..n {
        api.encrypt(&key, format!("m{i}").as_bytes()).await;
    }
    let denied = api.as_token("tresor_not-a-valid-token-000000000000000000");
    assert_eq!(
        denied.get("/v1/keys").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// The sink's status from `GET /v1/audit/sinks`.
async fn status(api: &Api, name: &str) -> Value {
    let r = api.get("/v1/audit/sinks").await.ok();
    r["sinks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no sink {name} in {r}"))
}

/// Waits until `f` holds (20 s at most).
async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The current audit head, read through the sink status (an audited call
/// itself, so read it once work is done and compare cursors to it).
async fn head(api: &Api, name: &str) -> u64 {
    status(api, name).await["head"].as_u64().unwrap()
}

#[derive(Default)]
struct Receiver {
    up: AtomicBool,
    /// Answer 500 after storing this many more records (a lost answer).
    lose_answer_after: AtomicU32,
    /// Every accepted POST in arrival order: (seq, idempotency key).
    log: Mutex<Vec<(u64, String)>>,
    bad_signatures: AtomicU32,
    refused: AtomicU32,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !r.up.load(Ordering::SeqCst) {
        r.refused.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let sig = headers
        .get(webhook::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if sig != webhook::signature(SECRET.as_bytes(), &body) {
        r.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    let record: Value = serde_json::from_slice(&body).unwrap();
    let seq = record["seq"].as_u64().unwrap();
    let key = headers
        .get(webhook::IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(key, format!("{seq}-{}", record["hash"].as_str().unwrap()));
    assert_eq!(
        headers.get(webhook::SEQ_HEADER).unwrap().to_str().unwrap(),
        seq.to_string()
    );
    r.log.lock().await.push((seq, key));
    let lose = r.lose_answer_after.load(Ordering::SeqCst);
    if lose > 0 {
        r.lose_answer_after.store(lose - 1, Ordering::SeqCst);
        if lose == 1 {
            // Stored, but the sender will not know: it must retry.
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    }
    StatusCode::OK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhook_down_then_up_gets_every_record_once_in_order() {
    let recv = Arc::new(Receiver::default());
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(recv.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hook = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("hook.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let data = dir.path().join("data");
    let (server, api) = start(
        &data,
        vec![sink(json!({
            "name": "hook", "kind": "webhook", "url": format!("http://{addr}/hook?token=abc"),
            "secret_file": secret_file, "poll_ms": 50, "retry_initial_ms": 50, "retry_max_ms": 200,
            "batch_size": 7,
        }))],
    )
    .await;
    work(&api, 10).await;

    // Down: nothing is accepted, the lag and the error show.
    eventually("failed attempts while down", || async {
        recv.refused.load(Ordering::SeqCst) >= 5
    })
    .await;
    let s = status(&api, "hook").await;
    assert_eq!(s["kind"], "webhook");
    assert_eq!(s["target"], format!("http://{addr}/hook"), "no query shown");
    assert_eq!(s["cursor"], 0);
    assert!(s["lag"].as_u64().unwrap() > 10, "{s}");
    assert!(s["last_error"].as_str().unwrap().contains("503"), "{s}");
    assert!(!s.to_string().contains(SECRET) && !s.to_string().contains("abc"));
    let metrics = api.get("/metrics").await.text();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("tresor_audit_sink_lag{sink=\"hook\"}") && !l.ends_with(" 0")),
        "{metrics}"
    );
    assert!(recv.log.lock().await.is_empty());

    // Up again, with one lost answer on the way: a retry, then everything.
    recv.lose_answer_after.store(3, Ordering::SeqCst);
    recv.up.store(true, Ordering::SeqCst);
    work(&api, 5).await;
    let target = head(&api, "hook").await;
    eventually("every record delivered", || async {
        status(&api, "hook").await["cursor"].as_u64().unwrap() >= target
    })
    .await;

    let log = recv.log.lock().await.clone();
    assert_eq!(recv.bad_signatures.load(Ordering::SeqCst), 0);
    // Exactly once after dedupe by idempotency key, in order.
    let mut seen = BTreeMap::new();
    let mut order = Vec::new();
    for (seq, key) in &log {
        if seen.insert(key.clone(), *seq).is_none() {
            order.push(*seq);
        }
    }
    let expected: Vec<u64> = (1..=order.len() as u64).collect();
    assert_eq!(order, expected, "first deliveries are 1..n in order");
    assert!(order.len() as u64 >= target);
    let duplicates = log.len() - order.len();
    assert!(duplicates >= 1, "the lost answer was retried");
    // Every duplicate is a retry of the record just before it.
    for w in log.windows(2) {
        assert!(w[1].0 == w[0].0 + 1 || w[1].0 == w[0].0, "{:?}", w);
    }
    let s = status(&api, "hook").await;
    assert!(s["delivered"].as_u64().unwrap() >= target);
    assert!(s["failures"].as_u64().unwrap() >= 5);

    // Only platform admins see the sinks.
    let reader = api.api_key("readonly").await;
    let r = api.as_token(&reader).get("/v1/audit/sinks").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    server.shutdown().await;
    hook.abort();
}

/// Splits RFC 6587 octet-counted frames off `buf`.
fn octet_frames(buf: &mut Vec<u8>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(sp) = buf.iter().position(|b| *b == b' ') {
        let len: usize = std::str::from_utf8(&buf[..sp]).unwrap().parse().unwrap();
        if buf.len() < sp + 1 + len {
            break;
        }
        let frame = String::from_utf8(buf[sp + 1..sp + 1 + len].to_vec()).unwrap();
        buf.drain(..sp + 1 + len);
        out.push(frame);
    }
    out
}

/// Parses an RFC 5424 message: (pri, version, hostname, app, msgid, sd, json).
fn parse_5424(m: &str) -> (u16, u64, Value) {
    assert!(m.starts_with('<'), "{m}");
    let close = m.find('>').unwrap();
    let pri: u16 = m[1..close].parse().unwrap();
    let rest = &m[close + 1..];
    let mut parts = rest.splitn(7, ' ');
    assert_eq!(parts.next(), Some("1"), "VERSION");
    let ts = parts.next().unwrap();
    assert!(
        tresor_core::Timestamp::parse_rfc3339(ts).is_some(),
        "TIMESTAMP {ts}"
    );
    assert_eq!(parts.next(), Some("siem-test"), "HOSTNAME");
    assert_eq!(parts.next(), Some("tresor"), "APP-NAME");
    let pid = parts.next().unwrap();
    assert!(pid.parse::<u32>().is_ok(), "PROCID");
    let msgid = parts.next().unwrap().to_owned();
    let sd_and_msg = parts.next().unwrap();
    assert!(
        sd_and_msg.starts_with("[tresor@32473 seq=\""),
        "{sd_and_msg}"
    );
    let sd_end = sd_and_msg.find("] \u{feff}").expect("SD then BOM");
    let sd = &sd_and_msg[..sd_end];
    let json: Value = serde_json::from_str(&sd_and_msg[sd_end + 5..]).unwrap();
    let seq = json["seq"].as_u64().unwrap();
    assert!(sd.contains(&format!("seq=\"{seq}\"")));
    assert!(sd.contains(&format!("hash=\"{}\"", json["hash"].as_str().unwrap())));
    assert_eq!(msgid, json["action"].as_str().unwrap());
    let severity = pri % 8;
    assert_eq!(pri / 8, 13, "facility log audit");
    let expect_sev = match json["outcome"].as_str().unwrap() {
        "success" => 6,
        "denied" => 4,
        _ => 5,
    };
    assert_eq!(severity, expect_sev);
    (pri, seq, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn syslog_udp_and_tcp_frames_parse_as_rfc5424() {
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let udp_addr = udp.local_addr().unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tcp_addr = tcp.local_addr().unwrap();
    let udp_msgs = Arc::new(Mutex::new(Vec::<String>::new()));
    let tcp_msgs = Arc::new(Mutex::new(Vec::<String>::new()));
    let um = udp_msgs.clone();
    let udp_task = tokio::spawn(async move {
        let mut buf = vec![0u8; 70_000];
        loop {
            let (n, _) = udp.recv_from(&mut buf).await.unwrap();
            um.lock()
                .await
                .push(String::from_utf8(buf[..n].to_vec()).unwrap());
        }
    });
    let tm = tcp_msgs.clone();
    let tcp_task = tokio::spawn(async move {
        loop {
            let (mut s, _) = tcp.accept().await.unwrap();
            let tm = tm.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let frames = octet_frames(&mut buf);
                    tm.lock().await.extend(frames);
                }
            });
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let common = json!({"hostname": "siem-test", "poll_ms": 50, "retry_initial_ms": 50, "retry_max_ms": 200});
    let mut udp_sink = common.clone();
    udp_sink["name"] = json!("udp");
    udp_sink["kind"] = json!("syslog");
    udp_sink["transport"] = json!("udp");
    udp_sink["address"] = json!(udp_addr.to_string());
    let mut tcp_sink = common.clone();
    tcp_sink["name"] = json!("tcp");
    tcp_sink["kind"] = json!("syslog");
    tcp_sink["address"] = json!(tcp_addr.to_string());
    let (server, api) = start(dir.path(), vec![sink(udp_sink), sink(tcp_sink)]).await;
    work(&api, 5).await;
    let target = head(&api, "tcp").await;
    for name in ["udp", "tcp"] {
        eventually(name, || async {
            status(&api, name).await["cursor"].as_u64().unwrap() >= target
        })
        .await;
    }
    for (name, msgs) in [("udp", &udp_msgs), ("tcp", &tcp_msgs)] {
        let mut seqs = Vec::new();
        let mut outcomes = std::collections::BTreeSet::new();
        // UDP on loopback does not drop at this volume; wait for stragglers.
        eventually("frames", || async {
            msgs.lock().await.len() as u64 >= target
        })
        .await;
        for m in msgs.lock().await.iter() {
            let (_, seq, json) = parse_5424(m);
            outcomes.insert(json["outcome"].as_str().unwrap().to_owned());
            seqs.push(seq);
        }
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, expected, "{name}: every record once, in order");
        assert!(
            outcomes.contains("success") && outcomes.contains("denied"),
            "{outcomes:?}"
        );
    }
    server.shutdown().await;
    udp_task.abort();
    tcp_task.abort();
}

fn file_seqs(path: &Path) -> Vec<u64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jsonl_file_sink_resumes_from_its_cursor_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("audit.jsonl");
    let cfg = || {
        vec![sink(json!({
            "name": "jsonl", "kind": "file", "path": out, "poll_ms": 50,
        }))]
    };
    let (server, api) = start(&data, cfg()).await;
    work(&api, 3).await;
    let first = head(&api, "jsonl").await;
    eventually("first delivery", || async {
        status(&api, "jsonl").await["cursor"].as_u64().unwrap() >= first
    })
    .await;
    server.shutdown().await;
    let before = file_seqs(&out);
    assert!(before.len() as u64 >= first);
    // Records written while no sink runs (a server without sinks).
    let (server, api) = start(&data, vec![]).await;
    work(&api, 3).await;
    server.shutdown().await;
    assert_eq!(
        file_seqs(&out),
        before,
        "nothing delivered without the sink"
    );

    let (server, api) = start(&data, cfg()).await;
    let s = status(&api, "jsonl").await;
    assert_eq!(
        s["cursor"].as_u64().unwrap(),
        *before.last().unwrap(),
        "cursor survived"
    );
    work(&api, 2).await;
    let target = head(&api, "jsonl").await;
    eventually("resumed delivery", || async {
        status(&api, "jsonl").await["cursor"].as_u64().unwrap() >= target
    })
    .await;
    server.shutdown().await;
    let all = file_seqs(&out);
    let expected: Vec<u64> = (1..=all.len() as u64).collect();
    assert_eq!(
        all, expected,
        "every record exactly once, in order, across restarts"
    );
    assert!(all.len() as u64 >= target);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

/// A CA and a server certificate for `localhost` in `dir`: (ca, cert, key).
fn tls_files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("syslog.pem"),
        dir.join("syslog.key"),
    );
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn syslog_over_tls_verifies_the_server_and_delivers() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = tls_files(dir.path());
    let acceptor = tokio_rustls::TlsAcceptor::from(
        tresor_server::tls::server_config(
            &cert,
            &key,
            None,
            tresor_server::config::ClientAuth::Optional,
        )
        .unwrap(),
    );
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let msgs = Arc::new(Mutex::new(Vec::<String>::new()));
    let m = msgs.clone();
    let collector = tokio::spawn(async move {
        loop {
            let (s, _) = tcp.accept().await.unwrap();
            let Ok(mut s) = acceptor.accept(s).await else {
                continue;
            };
            let m = m.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let frames = octet_frames(&mut buf);
                    m.lock().await.extend(frames);
                }
            });
        }
    });
    // One sink trusts the CA; one names a host the certificate lacks.
    let ok = sink(json!({
        "name": "tls", "kind": "syslog", "transport": "tls", "address": addr.to_string(),
        "ca_file": ca, "server_name": "localhost", "hostname": "siem-test",
        "poll_ms": 50, "retry_initial_ms": 50, "retry_max_ms": 200,
    }));
    let wrong = sink(json!({
        "name": "wrong-name", "kind": "syslog", "transport": "tls", "address": addr.to_string(),
        "ca_file": ca, "server_name": "elsewhere.example",
        "poll_ms": 50, "retry_initial_ms": 50, "retry_max_ms": 200,
    }));
    let (server, api) = start(&dir.path().join("data"), vec![ok, wrong]).await;
    work(&api, 3).await;
    let target = head(&api, "tls").await;
    eventually("TLS delivery", || async {
        status(&api, "tls").await["cursor"].as_u64().unwrap() >= target
    })
    .await;
    eventually("TLS frames", || async {
        msgs.lock().await.len() as u64 >= target
    })
    .await;
    let seqs: Vec<u64> = msgs.lock().await.iter().map(|m| parse_5424(m).1).collect();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected);
    let s = status(&api, "wrong-name").await;
    assert_eq!(s["cursor"], 0, "a certificate for another name is refused");
    assert!(s["last_error"].as_str().unwrap().contains("TLS"), "{s}");
    server.shutdown().await;
    collector.abort();
}
