//! The phases of one run, in order: raw primitive rates, HTTP workloads
//! against a `tresor serve` child, in-process service workloads, the scale
//! test, then targets and the report.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::http_load::{self, Conn};
use crate::inproc::{self, InProc};
use crate::report::{self, Report, Row};
use crate::server::{Launch, ServerProc};
use crate::workloads::{self, Fixtures};
use crate::{Args, Error, machine, raw, scale, targets};

/// A random 64-hex-character bootstrap token.
pub fn token() -> Result<String, Error> {
    let mut b = [0u8; 32];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| Error::msg("no randomness"))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// (raw primitive, items per request) by workload name.
fn raw_map() -> BTreeMap<String, (Option<String>, u32)> {
    let fx = Fixtures {
        signers: workloads::SIGN_ALGS
            .iter()
            .map(|(s, _)| ((*s).to_owned(), String::new(), String::new()))
            .collect(),
        ..Fixtures::default()
    };
    workloads::all(&fx)
        .into_iter()
        .map(|w| (w.name, (w.raw, w.items)))
        .collect()
}

fn vs_raw(row: &mut Row, raw: &raw::RawRates, cores: f64) {
    if let Some((Some(k), _)) = raw_map().get(&row.workload)
        && let Some(r) = raw.get(k)
    {
        row.vs_raw = Some(100.0 * row.ops / (r * cores));
    }
}

fn summary(r: &Row) {
    eprintln!(
        "  {:<11} {:<26} c={:<4} {:>9.0} req/s  p50 {:>7.2}  p99 {:>7.2}  p99.9 {:>7.2} ms  err {}",
        r.mode, r.workload, r.conns, r.rps, r.p50_ms, r.p99_ms, r.p999_ms, r.errors
    );
}

/// Runs everything and writes the results.
pub async fn run(args: Args) -> Result<(), Error> {
    let started = time::OffsetDateTime::now_utc();
    let stamp = started
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Error::msg(e.to_string()))?;
    let dur = args.point();
    let concs = args.concurrencies();
    let cores = machine::cores() as f64;
    let token = token()?;
    let mut notes = Vec::new();

    eprintln!("raw aws-lc-rs primitives ...");
    let raw_dur = (dur / 2).max(Duration::from_millis(500));
    let raw = tokio::task::spawn_blocking(move || raw::measure(raw_dur))
        .await
        .map_err(|e| Error::msg(e.to_string()))??;

    eprintln!("HTTP workloads against `tresor serve` ...");
    let tmp = tempfile::tempdir()?;
    let launch = Launch {
        bin: args.tresor_bin.clone(),
        data_dir: tmp.path().join("data"),
        token: token.clone(),
        database_url: args.database_url.clone(),
        root_key: None,
        env: Vec::new(),
    };
    let srv = ServerProc::spawn(&launch).await?;
    let mut conn = Conn::open(&srv.addr, &token).await?;
    let fx = workloads::setup(&mut conn).await?;
    let mut rows = Vec::new();
    for w in workloads::all(&fx) {
        if !args.wants(&w.name) {
            continue;
        }
        for &c in &concs {
            let cpu0 = srv.cpu_secs();
            let p = http_load::run_point(&srv.addr, &token, &w.generator, c, dur).await?;
            let cpu1 = srv.cpu_secs();
            let mut row = Row::new("http", &w.name, w.items, &p);
            if let (Some(a), Some(b)) = (cpu0, cpu1)
                && p.ok > 0
            {
                row.cpu_us_per_req = Some((b - a) / p.ok as f64 * 1e6);
            }
            vs_raw(&mut row, &raw, cores);
            summary(&row);
            rows.push(row);
        }
    }
    let peak_rss = srv.peak_rss_mib();
    srv.stop().await;
    drop(tmp);

    if !args.skip_inproc {
        eprintln!("in-process workloads (Kms, no HTTP) ...");
        let tmp = tempfile::tempdir()?;
        let p = InProc::start(&tmp.path().join("data"), None, &token).await?;
        for (name, f) in inproc::workloads(&p).await? {
            if !args.wants(&name) {
                continue;
            }
            let items = raw_map().get(&name).map_or(1, |(_, i)| *i);
            for &c in &concs {
                let pt = inproc::run_point(p.kms(), &p.caller, &f, c, dur).await?;
                let mut row = Row::new("in-process", &name, items, &pt);
                vs_raw(&mut row, &raw, cores);
                summary(&row);
                rows.push(row);
            }
        }
        p.server.shutdown().await;
    }
    fill_baseline(&mut rows);

    let scale_rows = if args.skip_scale {
        Vec::new()
    } else {
        eprintln!("scale ...");
        scale::run(&args, &token, dur).await?
    };

    let targets = targets::evaluate(&rows, &raw, cores, &scale_rows);
    notes.push(format!(
        "The load generator runs on the same {cores} cores as the server; every number is a lower bound for a dedicated server."
    ));
    notes.push(
        "Every `/v1` call is audited (one hash-chained record, group-committed, durable before the answer), so `get key` is an authenticated read *with* an audit write; `healthz` is the whole HTTP stack without auth or audit and is the baseline of `vs healthz`."
            .into(),
    );
    notes.push(format!(
        "HTTP store: {}. In-process and scale runs: SQLite (synchronous=FULL).",
        args.database_url.as_deref().map_or(
            "SQLite (synchronous=FULL) in a fresh temp data dir",
            |_| "the given --database-url"
        )
    ));
    let report = Report {
        started: stamp.clone(),
        machine: machine::describe(),
        settings: vec![
            (
                "seconds per point".into(),
                format!("{:.1}", dur.as_secs_f64()),
            ),
            ("concurrencies".into(), format!("{concs:?}")),
            ("quick".into(), args.quick.to_string()),
        ],
        raw_single_thread: raw.into_iter().collect(),
        rows,
        server_peak_rss_mib: peak_rss,
        scale: scale_rows,
        targets,
        notes,
    };
    let md = report::markdown(&report);
    println!("{md}");
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "bench/results/{}.json",
            stamp.replace([':', '.'], "-")
        ))
    });
    report::write_json(&report, &out)?;
    eprintln!("wrote {}", out.display());
    if !args.no_doc {
        report::update_doc(&args.doc, &md)?;
        eprintln!("updated {}", args.doc.display());
    }
    Ok(())
}

/// `vs_baseline`: requests/s over the HTTP `healthz` rate at the same
/// concurrency.
fn fill_baseline(rows: &mut [Row]) {
    let base: BTreeMap<usize, f64> = rows
        .iter()
        .filter(|r| r.mode == "http" && r.workload.starts_with("healthz"))
        .map(|r| (r.conns, r.rps))
        .collect();
    for r in rows.iter_mut() {
        if let Some(b) = base.get(&r.conns)
            && *b > 0.0
        {
            r.vs_baseline = Some(r.rps / b);
        }
    }
}
