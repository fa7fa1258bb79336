//! The scale test: N keys created in-process through `Kms::create_key`
//! (64 concurrent tasks; the full service path, audit included), then key
//! lookup and encrypt latency on random keys in-process, then start-up
//! time, HTTP encrypt on random keys and RSS of a `tresor serve` child
//! opened on that data dir.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tresor_core::{Algorithm, SecretBytes};
use tresor_service::KeyRef;
use tresor_service::types::{Binding, EncryptRequest, KeySpec};

use crate::http_load::{self, PointResult};
use crate::inproc::{self, InProc, fresh, svc};
use crate::report::ScaleRow;
use crate::server::{Launch, ServerProc, dir_size_mib};
use crate::workloads::{encrypt_random, splitmix};
use crate::{Args, Error};

const POPULATE_TASKS: u64 = 64;

/// Creates `n` AES-256-GCM keys; returns their ids.
async fn populate(p: &InProc, n: u64) -> Result<Vec<String>, Error> {
    let mut tasks = Vec::new();
    for t in 0..POPULATE_TASKS {
        let count = n / POPULATE_TASKS + u64::from(t < n % POPULATE_TASKS);
        let (kms, caller) = (p.kms().clone(), p.caller.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::with_capacity(count as usize);
            for _ in 0..count {
                let d = kms
                    .create_key(&fresh(&caller), KeySpec::new(Algorithm::Aes256Gcm))
                    .await
                    .map_err(svc)?;
                ids.push(d.key.id.to_string());
            }
            Ok::<_, Error>(ids)
        }));
    }
    let mut all = Vec::with_capacity(n as usize);
    for t in tasks {
        all.extend(t.await.map_err(|e| Error::msg(e.to_string()))??);
    }
    Ok(all)
}

fn ms(p: &PointResult, q: f64) -> f64 {
    p.hist.value_at_quantile(q) as f64 / 1000.0
}

/// Random-key lookups and encrypts in-process (16 tasks, `dur` each).
async fn inproc_latency(
    p: &InProc,
    ids: &Arc<Vec<String>>,
    dur: Duration,
) -> Result<(PointResult, PointResult), Error> {
    let refs: Arc<Vec<KeyRef>> = Arc::new(
        ids.iter()
            .map(|s| KeyRef::from_str(s).map_err(svc))
            .collect::<Result<_, _>>()?,
    );
    let counter = Arc::new(AtomicU64::new(0));
    let pick = move |refs: &Arc<Vec<KeyRef>>, c: &AtomicU64| {
        let i = splitmix(c.fetch_add(1, Ordering::Relaxed)) % refs.len().max(1) as u64;
        refs.get(i as usize).cloned()
    };
    let (r1, c1) = (refs.clone(), counter.clone());
    let get: inproc::OpFn = Arc::new(move |k, c| {
        let key = pick(&r1, &c1);
        Box::pin(async move {
            match key {
                Some(key) => k.get_key(&c, &key).await.map(|_| ()),
                None => Ok(()),
            }
        })
    });
    let (r2, c2) = (refs.clone(), counter.clone());
    let enc: inproc::OpFn = Arc::new(move |k, c| {
        let key = pick(&r2, &c2);
        Box::pin(async move {
            let req = EncryptRequest {
                plaintext: SecretBytes::new(vec![7u8; 64]),
                binding: Binding::default(),
            };
            match key {
                Some(key) => k.encrypt(&c, &key, req).await.map(|_| ()),
                None => Ok(()),
            }
        })
    });
    let g = inproc::run_point(p.kms(), &p.caller, &get, 16, dur).await?;
    let e = inproc::run_point(p.kms(), &p.caller, &enc, 16, dur).await?;
    Ok((g, e))
}

/// Runs the scale test for every configured key count.
pub async fn run(args: &Args, token: &str, dur: Duration) -> Result<Vec<ScaleRow>, Error> {
    let mut counts = args
        .scale_keys
        .clone()
        .unwrap_or_else(|| vec![1_000, 100_000]);
    if args.scale_full && !counts.contains(&1_000_000) {
        counts.push(1_000_000);
    }
    let mut out = Vec::new();
    for n in counts {
        let tmp = tempfile::tempdir()?;
        let data = tmp.path().join("data");
        let p = InProc::start(&data, None, token).await?;
        eprintln!("  creating {n} keys in-process ...");
        let t = Instant::now();
        let ids = Arc::new(populate(&p, n).await?);
        let populate_secs = t.elapsed().as_secs_f64();
        eprintln!(
            "  {n} keys in {populate_secs:.1} s ({:.0}/s)",
            n as f64 / populate_secs
        );
        let (g, e) = inproc_latency(&p, &ids, dur).await?;
        p.server.shutdown().await;
        let db_mib = dir_size_mib(&data);
        let launch = Launch {
            bin: args.tresor_bin.clone(),
            data_dir: data,
            token: token.to_owned(),
            database_url: None,
            root_key: None,
            env: Vec::new(),
        };
        let srv = ServerProc::spawn(&launch).await?;
        let gen_ = encrypt_random(ids.clone());
        let h = http_load::run_point(&srv.addr, token, &gen_, 16, dur).await?;
        let row = ScaleRow {
            keys: n,
            populate: "Kms::create_key in-process, 64 tasks".into(),
            populate_secs,
            db_mib,
            startup_secs: srv.startup_secs,
            inproc_get_p50_ms: ms(&g, 0.5),
            inproc_get_p99_ms: ms(&g, 0.99),
            inproc_encrypt_p50_ms: ms(&e, 0.5),
            inproc_encrypt_p99_ms: ms(&e, 0.99),
            http_encrypt_rps: h.rate(),
            http_encrypt_p99_ms: ms(&h, 0.99),
            server_rss_mib: srv.rss_mib().unwrap_or(0.0),
            server_peak_rss_mib: srv.peak_rss_mib().unwrap_or(0.0),
        };
        eprintln!("  {row:?}");
        srv.stop().await;
        out.push(row);
    }
    Ok(out)
}
