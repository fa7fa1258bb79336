//! Scan targets: validation of a [`ScanSpec`] and its expansion into the
//! endpoints to probe (`host:port`, `host` × ports, CIDR ranges × ports),
//! bounded so one request cannot ask for an unbounded scan.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use tresor_core::discovery::ScanSpec;

use crate::error::{Result, ServiceError};

/// Most target entries in one scan.
pub const MAX_TARGETS: usize = 64;
/// Most ports in one scan.
pub const MAX_PORTS: usize = 32;
/// Most endpoints (addresses × ports) one scan may probe.
pub const MAX_ENDPOINTS: usize = 4096;

/// Shortest and longest interval of a repeating scan (5 minutes, 1 week).
pub const MIN_REPEAT_MINUTES: u32 = 5;
pub const MAX_REPEAT_MINUTES: u32 = 10_080;

/// One endpoint to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// From a CIDR range: unreachable addresses are not worth recording.
    pub from_range: bool,
}

/// Fills defaults and checks every bound; returns the spec to store.
pub fn normalize(mut spec: ScanSpec) -> Result<ScanSpec> {
    if spec.targets.is_empty() || spec.targets.len() > MAX_TARGETS {
        return Err(ServiceError::invalid(
            "targets",
            format!("give 1 to {MAX_TARGETS} targets"),
        ));
    }
    if spec.ports.is_empty() {
        spec.ports = vec![443];
    }
    if spec.ports.len() > MAX_PORTS || spec.ports.contains(&0) {
        return Err(ServiceError::invalid(
            "ports",
            format!("give 1 to {MAX_PORTS} ports, each 1-65535"),
        ));
    }
    spec.ports.sort_unstable();
    spec.ports.dedup();
    if spec.concurrency == 0 {
        spec.concurrency = 16;
    }
    if spec.concurrency > 64 {
        return Err(ServiceError::invalid("concurrency", "must be 1-64"));
    }
    if spec.rate_per_second == 0 {
        spec.rate_per_second = 50;
    }
    if spec.rate_per_second > 1000 {
        return Err(ServiceError::invalid("rate_per_second", "must be 1-1000"));
    }
    if spec.timeout_ms == 0 {
        spec.timeout_ms = 3000;
    }
    if !(100..=30_000).contains(&spec.timeout_ms) {
        return Err(ServiceError::invalid("timeout_ms", "must be 100-30000"));
    }
    if spec
        .repeat_minutes
        .is_some_and(|m| !(MIN_REPEAT_MINUTES..=MAX_REPEAT_MINUTES).contains(&m))
    {
        return Err(ServiceError::invalid(
            "repeat_minutes",
            format!("must be {MIN_REPEAT_MINUTES}-{MAX_REPEAT_MINUTES}"),
        ));
    }
    Ok(spec)
}

/// Every endpoint of a normalized spec, in order, without duplicates.
pub fn expand(spec: &ScanSpec) -> Result<Vec<Endpoint>> {
    let mut out: Vec<Endpoint> = Vec::new();
    let mut push = |host: String, port: u16, from_range: bool| -> Result<()> {
        if out.len() >= MAX_ENDPOINTS {
            return Err(ServiceError::invalid(
                "targets",
                format!("more than {MAX_ENDPOINTS} endpoints (addresses × ports)"),
            ));
        }
        if !out.iter().any(|e| e.host == host && e.port == port) {
            out.push(Endpoint {
                host,
                port,
                from_range,
            });
        }
        Ok(())
    };
    for t in &spec.targets {
        let t = t.trim();
        if let Some((net, prefix)) = t.split_once('/') {
            for ip in cidr(net, prefix)? {
                for p in &spec.ports {
                    push(ip.to_string(), *p, true)?;
                }
            }
            continue;
        }
        match host_port(t)? {
            (host, Some(port)) => push(host, port, false)?,
            (host, None) => {
                for p in &spec.ports {
                    push(host.clone(), *p, false)?;
                }
            }
        }
    }
    Ok(out)
}

fn bad(target: &str, why: &str) -> ServiceError {
    ServiceError::invalid("targets", format!("{target:?}: {why}"))
}

/// `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
fn host_port(t: &str) -> Result<(String, Option<u16>)> {
    if t.is_empty() || t.len() > 253 {
        return Err(bad(t, "empty or too long"));
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Ok((ip.to_string(), None));
    }
    let (host, port) = if let Some(rest) = t.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(|| bad(t, "unclosed ["))?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(bad(t, "expected [address]:port")),
        };
        h.parse::<Ipv6Addr>()
            .map_err(|_| bad(t, "not an IPv6 address"))?;
        (h.to_owned(), port)
    } else {
        match t.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (t.to_owned(), None),
        }
    };
    let valid_name = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    if host.is_empty() || !valid_name {
        return Err(bad(t, "not a host name or address"));
    }
    let port = port
        .map(|p| match p.parse::<u16>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(bad(t, "port must be 1-65535")),
        })
        .transpose()?;
    Ok((host, port))
}

/// The addresses of a CIDR range (at most [`MAX_ENDPOINTS`]).
fn cidr(net: &str, prefix: &str) -> Result<Vec<IpAddr>> {
    let target = format!("{net}/{prefix}");
    let ip: IpAddr = net.parse().map_err(|_| bad(&target, "not an address"))?;
    let bits: u32 = match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    let prefix: u32 = prefix
        .parse()
        .ok()
        .filter(|p| *p <= bits)
        .ok_or_else(|| bad(&target, "bad prefix length"))?;
    let host_bits = bits - prefix;
    if host_bits > 12 {
        return Err(bad(&target, "range too large (at most 4096 addresses)"));
    }
    let count = 1u128 << host_bits;
    let mask = if host_bits == 0 {
        u128::MAX
    } else {
        !(count - 1)
    };
    Ok(match ip {
        IpAddr::V4(v4) => {
            let base = u128::from(u32::from(v4)) & mask;
            (0..count)
                .filter_map(|i| u32::try_from(base + i).ok())
                .map(|n| IpAddr::V4(Ipv4Addr::from(n)))
                .collect()
        }
        IpAddr::V6(v6) => {
            let base = u128::from(v6) & mask;
            (0..count)
                .map(|i| IpAddr::V6(Ipv6Addr::from(base + i)))
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(targets: &[&str], ports: &[u16]) -> ScanSpec {
        normalize(ScanSpec {
            targets: targets.iter().map(|t| (*t).to_owned()).collect(),
            ports: ports.to_vec(),
            concurrency: 0,
            rate_per_second: 0,
            timeout_ms: 0,
            repeat_minutes: None,
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn expands_hosts_ports_and_ranges() {
        let s = spec(
            &["a.test:8443", "b.test", "10.0.0.0/30", "[::1]:9443"],
            &[443, 8443],
        );
        let e = expand(&s).unwrap_or_default();
        let got: Vec<String> = e.iter().map(|e| format!("{}:{}", e.host, e.port)).collect();
        assert_eq!(got.len(), 1 + 2 + 4 * 2 + 1, "{got:?}");
        assert!(got.contains(&"10.0.0.3:8443".to_owned()));
        assert!(got.contains(&"::1:9443".to_owned()));
        assert!(e.iter().filter(|e| e.from_range).count() == 8);
        assert_eq!(s.concurrency, 16);
        assert_eq!(s.timeout_ms, 3000);
    }

    #[test]
    fn refuses_unbounded_or_malformed_targets() {
        let bad_specs: [(&[&str], &[u16]); 6] = [
            (&["10.0.0.0/8"], &[443]),
            (&["10.0.0.0/20"], &[443, 8443]),
            (&["host:0"], &[443]),
            (&["host:99999"], &[443]),
            (&["bad host"], &[443]),
            (&["10.0.0.1/33"], &[443]),
        ];
        for (targets, ports) in bad_specs {
            let s = normalize(ScanSpec {
                targets: targets.iter().map(|t| (*t).to_owned()).collect(),
                ports: ports.to_vec(),
                concurrency: 1,
                rate_per_second: 1,
                timeout_ms: 1000,
                repeat_minutes: None,
            });
            let r = s.and_then(|s| expand(&s));
            assert!(r.is_err(), "{targets:?} {ports:?}");
        }
        let too_fast = normalize(ScanSpec {
            targets: vec!["a".into()],
            ports: vec![],
            concurrency: 65,
            rate_per_second: 1,
            timeout_ms: 1000,
            repeat_minutes: None,
        });
        assert!(too_fast.is_err());
    }
}
