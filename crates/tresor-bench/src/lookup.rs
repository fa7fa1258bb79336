//! Key lookup latency with many keys in the store: one real key made over
//! REST, `n - 1` clones bulk-inserted in SQL ([`crate::seed`]), then random
//! lookups straight on the store (by id, by alias, the versions — what every
//! crypto call reads) and `GET /v1/keys/{id}` over HTTP with the cache off,
//! so every request reaches the database. Flat latency from 10^4 to 10^6
//! keys means the lookups use indexes; the query plan is reported too.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tresor_core::{Alias, KeyId, Store, TenantId};
use tresor_store::StoreOptions;

use crate::dbs::{BenchDb, Engine};
use crate::http_load::{self, Conn, Req, ReqGen, new_hist};
use crate::scaleout_report::LookupRow;
use crate::seed;
use crate::server::{Launch, ServerProc};
use crate::workloads::{create_key, splitmix};
use crate::{Error, report};

const TENANT: &str = "default";

fn store_err(e: impl std::fmt::Display) -> Error {
    Error::msg(format!("store: {e}"))
}

fn us(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64
}

/// Runs `op(i)` back to back on one task for `dur`; latencies in µs.
async fn sequential<F, Fut>(dur: Duration, mut op: F) -> Result<Histogram<u64>, Error>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let mut hist = new_hist()?;
    let end = Instant::now() + dur;
    let mut i = 0u64;
    while Instant::now() < end {
        let t = Instant::now();
        op(i).await?;
        hist.saturating_record(u64::try_from(t.elapsed().as_micros().max(1)).unwrap_or(u64::MAX));
        i += 1;
    }
    Ok(hist)
}

/// Random lookups on the store itself: by id, by alias, the versions.
async fn store_lookups(
    db: &BenchDb,
    ids: &Arc<Vec<KeyId>>,
    n: u64,
    dur: Duration,
) -> Result<[Histogram<u64>; 3], Error> {
    let store: Arc<dyn Store> = tresor_store::open(db.store_url(), &StoreOptions::default())
        .await
        .map_err(store_err)?;
    let tenant = TenantId::parse(TENANT).map_err(store_err)?;
    let pick = |i: u64| {
        ids.get((splitmix(i) % ids.len().max(1) as u64) as usize)
            .copied()
    };
    let by_id = sequential(dur, |i| {
        let (store, tenant, id) = (store.clone(), tenant.clone(), pick(i));
        async move {
            let id = id.ok_or_else(|| Error::msg("no keys"))?;
            let k = store.get_key(&tenant, &id).await.map_err(store_err)?;
            k.map(|_| ())
                .ok_or_else(|| Error::msg("seeded key not found"))
        }
    })
    .await?;
    let by_alias = sequential(dur, |i| {
        let (store, tenant) = (store.clone(), tenant.clone());
        let alias = format!("bench-{}", 1 + splitmix(i) % n.saturating_sub(1).max(1));
        async move {
            let alias = Alias::parse(&alias).map_err(store_err)?;
            let k = store.get_key_by_alias(&tenant, &alias).await;
            k.map_err(store_err)?
                .map(|_| ())
                .ok_or_else(|| Error::msg("seeded alias not found"))
        }
    })
    .await?;
    let versions = sequential(dur, |i| {
        let (store, tenant, id) = (store.clone(), tenant.clone(), pick(i));
        async move {
            let id = id.ok_or_else(|| Error::msg("no keys"))?;
            let v = store.list_versions(&tenant, &id).await.map_err(store_err)?;
            if v.is_empty() {
                return Err(Error::msg("seeded key without versions"));
            }
            Ok(())
        }
    })
    .await?;
    Ok([by_id, by_alias, versions])
}

/// `GET /v1/keys/{id}` on random ids.
fn get_random(ids: Arc<Vec<KeyId>>) -> ReqGen {
    Arc::new(move |n| {
        let i = (splitmix(n) % ids.len().max(1) as u64) as usize;
        Req {
            method: "GET",
            path: format!(
                "/v1/keys/{}",
                ids.get(i).map_or(String::new(), ToString::to_string)
            ),
            body: None,
        }
    })
}

/// One lookup row: `n` keys on a fresh `db` (its data dir `data`).
pub async fn run(
    db: &BenchDb,
    launch: &Launch,
    n: u64,
    dur: Duration,
    conns: usize,
) -> Result<LookupRow, Error> {
    let srv = ServerProc::spawn(launch).await?;
    let template = create_key(
        &mut Conn::open(&srv.addr, &launch.token).await?,
        "aes-256-gcm",
    )
    .await?;
    srv.stop().await;
    eprintln!("  seeding {n} keys on {} ...", db.engine.label());
    let t = Instant::now();
    seed::clone_keys(db, TENANT, &template, n.saturating_sub(1)).await?;
    let seed_secs = t.elapsed().as_secs_f64();
    let ids: Vec<KeyId> = db
        .column(
            &format!("SELECT id FROM keys WHERE tenant = '{TENANT}' AND alias LIKE 'bench-%'"),
            0,
        )
        .await?
        .iter()
        .filter_map(|s| KeyId::parse(s).ok())
        .collect();
    eprintln!("  {} keys seeded in {seed_secs:.1} s", ids.len() + 1);
    let ids = Arc::new(ids);
    let plan = match ids.first() {
        Some(id) => seed::lookup_plan(db, TENANT, &id.to_string()).await?,
        None => String::new(),
    };
    let [by_id, by_alias, versions] = store_lookups(db, &ids, n, dur).await?;
    let mut cold = launch.clone();
    cold.env.push(("TRESOR_CACHE_ENABLED", "false".into()));
    let srv = ServerProc::spawn(&cold).await?;
    let h = http_load::run_point(
        &srv.addr,
        &launch.token,
        &get_random(ids.clone()),
        conns,
        dur,
    )
    .await?;
    srv.stop().await;
    let seeding = match db.engine {
        Engine::Sqlite => "1 key over REST + SQL INSERT … SELECT (recursive CTE)",
        _ => "1 key over REST + SQL INSERT … SELECT generate_series",
    };
    Ok(LookupRow {
        store: db.engine.label().into(),
        keys: ids.len() as u64 + 1,
        seeding: seeding.into(),
        seed_secs,
        get_p50_us: us(&by_id, 0.5),
        get_p99_us: us(&by_id, 0.99),
        alias_p50_us: us(&by_alias, 0.5),
        alias_p99_us: us(&by_alias, 0.99),
        versions_p50_us: us(&versions, 0.5),
        versions_p99_us: us(&versions, 0.99),
        http: report::Row::new("http", "get key (cache off)", 1, &h),
        plan,
    })
}
