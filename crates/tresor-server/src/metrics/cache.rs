//! The metadata cache's counters on `/metrics`, read from the cache at
//! each scrape (a [`Collector`]): L1 and L2 hits, misses, L1 evictions and
//! entries, Redis errors and fallbacks, invalidations heard on the bus.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use tresor_cache::{CacheStats, CacheStatsHandle};

/// Exports one node's cache counters.
#[derive(Debug)]
pub(super) struct CacheCollector(pub CacheStatsHandle);

/// Writes one counter family labelled by cache layer.
fn by_layer(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    values: &[(&str, u64)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (layer, v) in values {
        let labels = [("layer", *layer)];
        ConstCounter::new(*v).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

fn counter(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    v: u64,
) -> Result<(), std::fmt::Error> {
    let c = ConstCounter::new(v);
    c.encode(encoder.encode_descriptor(name, help, None, c.metric_type())?)
}

fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    v: u64,
) -> Result<(), std::fmt::Error> {
    let g = ConstGauge::new(i64::try_from(v).unwrap_or(i64::MAX));
    g.encode(encoder.encode_descriptor(name, help, None, g.metric_type())?)
}

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let s: CacheStats = self.0.snapshot();
        let e = &mut encoder;
        let mut hits = vec![("l1", s.l1_hits)];
        let mut misses = vec![("l1", s.l1_misses)];
        if s.l2_enabled {
            hits.push(("l2", s.l2_hits));
            misses.push(("l2", s.l2_misses));
        }
        by_layer(
            e,
            "tresor_cache_hits",
            "Reads answered by a cache layer (l1: in-process, l2: Redis)",
            &hits,
        )?;
        by_layer(
            e,
            "tresor_cache_misses",
            "Reads a cache layer could not answer",
            &misses,
        )?;
        by_layer(
            e,
            "tresor_cache_evictions",
            "In-process entries dropped for size or age (not by invalidation)",
            &[("l1", s.l1_evictions)],
        )?;
        gauge(
            e,
            "tresor_cache_entries",
            "Entries in the in-process caches",
            s.l1_entries,
        )?;
        if s.l2_enabled {
            counter(
                e,
                "tresor_cache_redis_errors",
                "Redis calls that failed or timed out",
                s.redis_errors,
            )?;
            counter(
                e,
                "tresor_cache_redis_fallbacks",
                "Reads that went to the database because Redis was unavailable",
                s.redis_fallbacks,
            )?;
        }
        counter(
            e,
            "tresor_cache_invalidations_received",
            "Invalidations heard on the bus (LISTEN/NOTIFY or Redis pub/sub; own messages included)",
            s.invalidations_received,
        )?;
        counter(
            e,
            "tresor_cache_bypassed",
            "Reads that skipped the caches because the invalidation bus was down",
            s.bypassed,
        )?;
        gauge(
            e,
            "tresor_cache_up",
            "Whether the caches answer reads (0 while the invalidation bus is down)",
            u64::from(s.caching),
        )
    }
}
