//! The scale-out benchmark (`tresor-bench --scale-out`, issue 3): encrypt
//! and create-key throughput on SQLite, PostgreSQL and MariaDB with one
//! `tresor serve` node and with two (same database, same root key, the
//! connections split evenly over both), then key lookup latency with
//! 10^4 and 10^6 keys in the store ([`crate::lookup`]). Prints a table and
//! fills the "Scale-out" section of docs/performance.md.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::json;

use crate::dbs::{BenchDb, Engine};
use crate::http_load::{self, Conn, ReqGen};
use crate::report::{self, Row};
use crate::scaleout_report::{self, LookupRow, ScaleOutReport, ThroughputRow};
use crate::server::{Launch, ServerProc};
use crate::workloads::{create_key, fixed};
use crate::{Args, Error, lookup, machine, phases};

/// One configuration: a store and how many nodes share it.
#[derive(Debug, Clone, Copy)]
struct Setup {
    engine: Engine,
    nodes: usize,
}

/// The admin URL for `engine`'s databases, if configured.
fn admin(args: &Args, engine: Engine) -> Option<&str> {
    match engine {
        Engine::Sqlite => None,
        Engine::Postgres => args.postgres_admin_url.as_deref(),
        Engine::Mysql => args.mysql_admin_url.as_deref(),
    }
}

/// A fresh database for `engine`, the data dir of node 0 holding SQLite.
async fn database(args: &Args, engine: Engine, data: &std::path::Path) -> Result<BenchDb, Error> {
    match (engine, admin(args, engine)) {
        (Engine::Sqlite, _) => Ok(BenchDb::sqlite(data)),
        (_, Some(url)) => BenchDb::server(engine, url).await,
        (_, None) => Err(Error::msg(format!("no admin URL for {}", engine.label()))),
    }
}

fn launch(args: &Args, db: &BenchDb, data_dir: PathBuf, token: &str, root: &str) -> Launch {
    Launch {
        bin: args.tresor_bin.clone(),
        data_dir,
        token: token.to_owned(),
        database_url: db.url.clone(),
        root_key: Some(root.to_owned()),
        env: Vec::new(),
    }
}

/// A warm-up second (discarded), then the measured point.
async fn point(
    addrs: &[&str],
    token: &str,
    generator: &ReqGen,
    conns: usize,
    dur: Duration,
) -> Result<http_load::PointResult, Error> {
    http_load::run_point_on(addrs, token, generator, conns, Duration::from_secs(1)).await?;
    http_load::run_point_on(addrs, token, generator, conns, dur).await
}

/// Encrypt and create-key throughput of one setup.
async fn throughput(
    args: &Args,
    setup: Setup,
    token: &str,
    dur: Duration,
) -> Result<ThroughputRow, Error> {
    let tmp = tempfile::tempdir()?;
    let root = phases::token()?;
    let db = database(args, setup.engine, &tmp.path().join("node0")).await?;
    let mut servers = Vec::new();
    for i in 0..setup.nodes {
        let dir = tmp.path().join(format!("node{i}"));
        servers.push(ServerProc::spawn(&launch(args, &db, dir, token, &root)).await?);
    }
    let addrs: Vec<&str> = servers.iter().map(|s| s.addr.as_str()).collect();
    let first = addrs.first().copied().unwrap_or_default();
    let aes = create_key(&mut Conn::open(first, token).await?, "aes-256-gcm").await?;
    let body = json!({ "plaintext": B64.encode([7u8; 64]) });
    let encrypt = fixed("POST", format!("/v1/keys/{aes}/encrypt"), Some(body));
    let create = fixed(
        "POST",
        "/v1/keys".into(),
        Some(json!({ "algorithm": "aes-256-gcm" })),
    );
    let conns = args.scale_out_conns;
    let e = point(&addrs, token, &encrypt, conns, dur).await?;
    let c = point(&addrs, token, &create, conns, dur).await?;
    for s in servers {
        s.stop().await;
    }
    db.drop_it().await?;
    let row = ThroughputRow {
        store: setup.engine.label().into(),
        nodes: setup.nodes,
        encrypt: Row::new("http", "encrypt 64 B", 1, &e),
        create_key: Row::new("http", "create key", 1, &c),
    };
    eprintln!(
        "  {} × {}: encrypt {:.0}/s, create key {:.0}/s",
        row.store, row.nodes, row.encrypt.rps, row.create_key.rps
    );
    Ok(row)
}

/// Lookup latency on `engine` with `n` keys.
async fn lookups(
    args: &Args,
    engine: Engine,
    n: u64,
    token: &str,
    dur: Duration,
) -> Result<LookupRow, Error> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let db = database(args, engine, &data).await?;
    let l = launch(args, &db, data, token, &phases::token()?);
    let row = lookup::run(&db, &l, n, dur, args.scale_out_conns).await;
    db.drop_it().await?;
    row
}

/// Runs the scale-out benchmark and writes its report.
pub async fn run(args: &Args) -> Result<(), Error> {
    let started = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Error::msg(e.to_string()))?;
    let machine = machine::describe();
    let dur = args.point();
    let token = phases::token()?;
    let mut notes = Vec::new();
    let mut setups = vec![Setup {
        engine: Engine::Sqlite,
        nodes: 1,
    }];
    for engine in [Engine::Postgres, Engine::Mysql] {
        if admin(args, engine).is_some() {
            setups.push(Setup { engine, nodes: 1 });
            setups.push(Setup { engine, nodes: 2 });
        } else {
            notes.push(format!("{}: skipped (no admin URL).", engine.label()));
        }
    }
    // `--only TEXT`: just the stores whose name contains it.
    setups.retain(|s| args.wants(s.engine.label()));
    let mut throughput_rows = Vec::new();
    eprintln!("scale-out throughput ...");
    for s in setups {
        throughput_rows.push(throughput(args, s, &token, dur).await?);
    }
    let mut lookup_rows = Vec::new();
    eprintln!("lookup latency by store size ...");
    for engine in [Engine::Sqlite, Engine::Postgres] {
        if !args.wants(engine.label())
            || (engine != Engine::Sqlite && admin(args, engine).is_none())
        {
            continue;
        }
        for &n in &args.lookup_keys {
            lookup_rows.push(lookups(args, engine, n, &token, dur).await?);
        }
    }
    notes.extend(standing_notes(args));
    let report = ScaleOutReport {
        started: started.clone(),
        machine,
        settings: vec![
            (
                "seconds per point".into(),
                format!("{:.1} (after 1 s warm-up)", dur.as_secs_f64()),
            ),
            (
                "connections per point".into(),
                format!("{} (split evenly over the nodes)", args.scale_out_conns),
            ),
        ],
        throughput: throughput_rows,
        lookups: lookup_rows,
        notes,
    };
    let md = scaleout_report::markdown(&report);
    println!("{md}");
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "bench/results/scale-out-{}.json",
            started.replace([':', '.'], "-")
        ))
    });
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&report)?)?;
    eprintln!("wrote {}", out.display());
    if !args.no_doc {
        report::update_doc_between(&args.doc, scaleout_report::BEGIN, scaleout_report::END, &md)?;
        eprintln!("updated {}", args.doc.display());
    }
    Ok(())
}

fn standing_notes(args: &Args) -> Vec<String> {
    vec![
        format!(
            "Load generator, every `tresor serve` node and the database servers share the same {} cores: a second node adds no CPU here, it only shows that two nodes on one database stay correct and how much coordination costs. On separate machines the nodes' CPU adds up until the database is the limit.",
            machine::cores()
        ),
        "Every request is audited: encrypt and create key each append a hash-chained audit record, durable before the answer (group-committed per node).".into(),
        "Lookups: one key is created over REST, the other keys are its metadata and version rows cloned by one `INSERT … SELECT` with fresh random UUIDs and aliases `bench-<i>` (their wrapped material stays bound to the original key id, so they serve lookups, not crypto). Store lookups run on one task straight on the `Store` (no cache); HTTP `GET /v1/keys/{id}` runs with `TRESOR_CACHE_ENABLED=false`, so each request reads the API key, the key and its versions from the database and writes an audit record.".into(),
        format!(
            "Key counts: {:?}; run `bench/run --scale-out` (needs TRESOR_TEST_POSTGRES_URL and optionally TRESOR_TEST_MYSQL_URL).",
            args.lookup_keys
        ),
    ]
}
