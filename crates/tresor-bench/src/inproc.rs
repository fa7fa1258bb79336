//! The same operations in-process, through the service layer (`Kms`)
//! without HTTP: a server started with `tresor_server::start` in this
//! process, calls made directly on `RunningServer::kms()`.

use std::future::Future;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tresor_core::{Algorithm, Caller, Operation, RequestId, SecretBytes};
use tresor_server::{Config, RunningServer};
use tresor_service::types::{
    Binding, DataKeyRequest, DecryptRequest, EncryptRequest, KeySpec, SignData, SignRequest,
    VerifyRequest,
};
use tresor_service::{KeyRef, Kms, RequestMeta, ServiceError};

use crate::Error;
use crate::http_load::{PointResult, new_hist};
use crate::workloads::{BATCH_ITEMS, MESSAGE, SIGN_ALGS};

/// An in-process server and an authenticated admin caller.
#[derive(Debug)]
pub struct InProc {
    pub server: RunningServer,
    pub caller: Caller,
}

impl InProc {
    /// Starts a server in this process on `data_dir` (SQLite) or `db_url`.
    pub async fn start(data_dir: &Path, db_url: Option<&str>, token: &str) -> Result<Self, Error> {
        let mut config = Config::for_data_dir(data_dir);
        config.scheduler_interval_seconds = 0;
        config.bootstrap_token = Some(tresor_server::config::SecretString::new(token));
        if let Some(url) = db_url {
            config.database_url = url.to_owned();
        }
        let server = tresor_server::start(config)
            .await
            .map_err(|e| Error::msg(format!("in-process server: {e}")))?;
        let meta = RequestMeta {
            request_id: RequestId::generate(),
            source: Some("bench".into()),
        };
        let caller = server
            .kms()
            .authenticate_token(token, None, meta)
            .await
            .map_err(svc)?;
        Ok(Self { server, caller })
    }

    pub fn kms(&self) -> &Kms {
        self.server.kms()
    }

    /// Creates a key and returns its reference.
    pub async fn create(&self, alg: &str) -> Result<KeyRef, Error> {
        let algorithm = Algorithm::from_str(alg).map_err(|e| Error::msg(e.to_string()))?;
        let mut spec = KeySpec::new(algorithm);
        if SIGN_ALGS.iter().any(|(_, a)| *a == alg) {
            spec.operations = Some([Operation::Sign, Operation::Verify].into());
        }
        let d = self
            .kms()
            .create_key(&fresh(&self.caller), spec)
            .await
            .map_err(svc)?;
        Ok(KeyRef::Id(d.key.id))
    }
}

pub fn svc(e: ServiceError) -> Error {
    Error::msg(format!("service: {e}"))
}

/// The caller with a fresh request id (as each HTTP request would have).
pub fn fresh(c: &Caller) -> Caller {
    let mut c = c.clone();
    c.request_id = RequestId::generate();
    c
}

fn enc(n: usize) -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBytes::new(vec![7u8; n]),
        binding: Binding::default(),
    }
}

fn sign_req() -> SignRequest {
    SignRequest {
        data: SignData::Message(MESSAGE.to_vec()),
        scheme: None,
        raw_signature: false,
    }
}

pub type OpFn = Arc<
    dyn Fn(Kms, Caller) -> std::pin::Pin<Box<dyn Future<Output = Result<(), ServiceError>> + Send>>
        + Send
        + Sync,
>;

fn op<F, Fut>(f: F) -> OpFn
where
    F: Fn(Kms, Caller) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ServiceError>> + Send + 'static,
{
    Arc::new(move |k, c| Box::pin(f(k, c)))
}

/// (workload name, operation) for every in-process workload.
pub async fn workloads(p: &InProc) -> Result<Vec<(String, OpFn)>, Error> {
    let aes = p.create("aes-256-gcm").await?;
    let hmac = p.create("hmac-sha256").await?;
    let kms = p.kms();
    let mut ct = Vec::new();
    for n in [64, 4096] {
        let r = kms
            .encrypt(&fresh(&p.caller), &aes, enc(n))
            .await
            .map_err(svc)?;
        ct.push(r.ciphertext);
    }
    let mut out: Vec<(String, OpFn)> = Vec::new();
    let a = aes.clone();
    out.push((
        "get key (auth+audit)".into(),
        op(move |k, c| {
            let a = a.clone();
            async move { k.get_key(&c, &a).await.map(|_| ()) }
        }),
    ));
    for (label, n) in [("64 B", 64usize), ("4 KiB", 4096)] {
        let a = aes.clone();
        out.push((
            format!("encrypt {label}"),
            op(move |k, c| {
                let a = a.clone();
                async move { k.encrypt(&c, &a, enc(n)).await.map(|_| ()) }
            }),
        ));
    }
    for (label, c) in ["64 B", "4 KiB"].into_iter().zip(ct) {
        let a = aes.clone();
        out.push((
            format!("decrypt {label}"),
            op(move |k, caller| {
                let (a, c) = (a.clone(), c.clone());
                async move {
                    let req = DecryptRequest {
                        ciphertext: c,
                        binding: Binding::default(),
                        key_version: None,
                    };
                    k.decrypt(&caller, &a, req).await.map(|_| ())
                }
            }),
        ));
    }
    let a = aes.clone();
    out.push((
        "datakey".into(),
        op(move |k, c| {
            let a = a.clone();
            async move {
                let req = DataKeyRequest {
                    bytes: 32,
                    binding: Binding::default(),
                    include_plaintext: true,
                };
                k.generate_data_key(&c, &a, req).await.map(|_| ())
            }
        }),
    ));
    for (suffix, alg) in SIGN_ALGS {
        let key = p.create(alg).await?;
        let sig = kms
            .sign(&fresh(&p.caller), &key, sign_req())
            .await
            .map_err(svc)?
            .signature;
        let k1 = key.clone();
        out.push((
            format!("sign {suffix}"),
            op(move |k, c| {
                let key = k1.clone();
                async move { k.sign(&c, &key, sign_req()).await.map(|_| ()) }
            }),
        ));
        out.push((
            format!("verify {suffix}"),
            op(move |k, c| {
                let (key, sig) = (key.clone(), sig.clone());
                async move {
                    let req = VerifyRequest {
                        data: SignData::Message(MESSAGE.to_vec()),
                        signature: sig,
                        scheme: None,
                        raw_signature: false,
                        key_version: None,
                    };
                    k.verify(&c, &key, req).await.map(|_| ())
                }
            }),
        ));
    }
    out.push((
        "mac hmac-sha256".into(),
        op(move |k, c| {
            let h = hmac.clone();
            async move { k.mac(&c, &h, MESSAGE).await.map(|_| ()) }
        }),
    ));
    out.push((
        "batch encrypt 100x64 B".into(),
        op(move |k, c| {
            let a = aes.clone();
            async move {
                let items = (0..BATCH_ITEMS).map(|_| enc(64)).collect();
                k.encrypt_batch(&c, &a, items).await.map(|_| ())
            }
        }),
    ));
    out.push((
        "create key aes-256-gcm".into(),
        op(move |k, c| async move {
            k.create_key(&c, KeySpec::new(Algorithm::Aes256Gcm))
                .await
                .map(|_| ())
        }),
    ));
    Ok(out)
}

/// Runs `f` from `tasks` concurrent tasks for `dur`.
pub async fn run_point(
    kms: &Kms,
    caller: &Caller,
    f: &OpFn,
    tasks: usize,
    dur: Duration,
) -> Result<PointResult, Error> {
    let start = Instant::now();
    let deadline = start + dur;
    let mut handles = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        let (kms, caller, f) = (kms.clone(), caller.clone(), f.clone());
        handles.push(tokio::spawn(async move {
            let mut hist = new_hist()?;
            let (mut ok, mut errors) = (0u64, 0u64);
            while Instant::now() < deadline {
                let t = Instant::now();
                match f(kms.clone(), fresh(&caller)).await {
                    Ok(()) => {
                        ok += 1;
                        let us = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
                        hist.saturating_record(us.max(1));
                    }
                    Err(_) => errors += 1,
                }
            }
            Ok::<_, Error>((hist, ok, errors))
        }));
    }
    let mut total = new_hist()?;
    let (mut ok, mut errors) = (0, 0);
    for h in handles {
        let (hist, o, e) = h.await.map_err(|e| Error::msg(e.to_string()))??;
        total.add(hist).map_err(|e| Error::msg(e.to_string()))?;
        ok += o;
        errors += e;
    }
    Ok(PointResult {
        conns: tasks,
        ok,
        errors,
        secs: start.elapsed().as_secs_f64(),
        hist: total,
    })
}
