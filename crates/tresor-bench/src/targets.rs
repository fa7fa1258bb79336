//! The targets of issue 11, checked against the measured rows.

use crate::raw::RawRates;
use crate::report::{Row, ScaleRow, Target};

fn http<'a>(rows: &'a [Row], workload: &str, conns: usize) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.mode == "http" && r.workload == workload && r.conns == conns)
}

/// Evaluates every target whose inputs were measured.
pub fn evaluate(rows: &[Row], raw: &RawRates, cores: f64, scale: &[ScaleRow]) -> Vec<Target> {
    let mut out = Vec::new();
    let base = http(rows, "healthz (no auth)", 64);
    let authed = http(rows, "get key (auth+audit)", 64);
    if let (Some(b), Some(e)) = (base, http(rows, "encrypt 64 B", 64)) {
        let share = e.rps / b.rps;
        let auth_share = authed.map_or(String::new(), |a| {
            format!("; {:.0} % of authenticated get-key", 100.0 * e.rps / a.rps)
        });
        out.push(Target {
            name: "encrypt 64 B ≥ 50 % of baseline at 64 conns, p99 < 5 ms".into(),
            measured: format!(
                "{:.0} req/s = {:.0} % of healthz ({:.0} req/s){auth_share}; p99 {:.2} ms",
                e.rps,
                100.0 * share,
                b.rps,
                e.p99_ms
            ),
            pass: share >= 0.5 && e.p99_ms < 5.0,
        });
    }
    for alg in ["ec-p256", "ed25519"] {
        let name = format!("sign {alg}");
        let (Some(b), Some(s), Some(r)) = (base, http(rows, &name, 64), raw.get(&name)) else {
            continue;
        };
        let bound = b.rps.min(r * cores);
        out.push(Target {
            name: format!("{name} ≥ 60 % of min(baseline, raw × cores) at 64 conns"),
            measured: format!(
                "{:.0} req/s = {:.0} % of {bound:.0} (healthz {:.0}, raw×{cores} {:.0})",
                s.rps,
                100.0 * s.rps / bound,
                b.rps,
                r * cores
            ),
            pass: s.rps >= 0.6 * bound,
        });
    }
    let create = rows
        .iter()
        .filter(|r| r.mode == "http" && r.workload.starts_with("create key"))
        .max_by(|a, b| a.rps.total_cmp(&b.rps));
    if let Some(c) = create {
        out.push(Target {
            name: "create key (AES-256) on SQLite ≥ 2,000/s".into(),
            measured: format!("{:.0}/s (best, at {} conns)", c.rps, c.conns),
            pass: c.rps >= 2000.0,
        });
    }
    if let Some(s) = scale.iter().max_by_key(|s| s.keys) {
        let note = if s.keys >= 1_000_000 {
            String::new()
        } else {
            " — measured below the 10^6 of the target; see the extrapolation".into()
        };
        out.push(Target {
            name: "peak RSS < 200 MB with 10^6 keys".into(),
            measured: format!(
                "{:.1} MiB peak with {} keys{note}",
                s.server_peak_rss_mib, s.keys
            ),
            pass: s.server_peak_rss_mib < 190.0,
        });
    }
    out
}
