//! The targets of issue 11, checked against the measured rows.

use crate::raw::RawRates;
use crate::report::{Row, ScaleRow, Target};

fn http<'a>(rows: &'a [Row], workload: &str, conns: usize) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.mode == "http" && r.workload == workload && r.conns == conns)
}

/// The most signatures per second the machine could answer if
/// authentication, audit and the service cost nothing: at `healthz` rate
/// `h` the HTTP stack and the load generator use all `cores`, so each
/// request costs `cores / h` core-seconds before any crypto, and the
/// signature itself `1 / raw` of one core. With the load generator on the
/// same cores the rate is at most `cores / (cores / h + 1 / raw)`.
pub fn shared_core_ceiling(h: f64, raw: f64, cores: f64) -> f64 {
    if h <= 0.0 || raw <= 0.0 || cores <= 0.0 {
        return 0.0;
    }
    cores / (cores / h + 1.0 / raw)
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
        let ceiling = shared_core_ceiling(b.rps, *r, cores);
        out.push(Target {
            name: format!("{name} ≥ 60 % of min(baseline, raw × cores) at 64 conns"),
            measured: format!(
                "{:.0} req/s = {:.0} % of {bound:.0} (healthz {:.0}, raw×{cores} {:.0}); \
                 ceiling on these shared cores {ceiling:.0} = {:.0} %",
                s.rps,
                100.0 * s.rps / bound,
                b.rps,
                r * cores,
                100.0 * ceiling / bound,
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

#[cfg(test)]
mod tests {
    use super::shared_core_ceiling;

    #[test]
    fn ceiling_combines_stack_and_primitive_costs() {
        // Stack and generator: 2 cores / 100k = 20 µs; sign: 1/50k = 20 µs
        // of one core; 2 cores / 40 µs = 50k per second.
        let c = shared_core_ceiling(100_000.0, 50_000.0, 2.0);
        assert!((c - 50_000.0).abs() < 1e-6, "{c}");
        // A free primitive leaves the healthz rate; a free stack leaves raw × cores.
        assert!((shared_core_ceiling(100_000.0, f64::INFINITY, 2.0) - 100_000.0).abs() < 1e-6);
        assert!((shared_core_ceiling(f64::INFINITY, 50_000.0, 2.0) - 100_000.0).abs() < 1e-6);
        assert_eq!(shared_core_ceiling(0.0, 1.0, 2.0), 0.0);
    }
}
