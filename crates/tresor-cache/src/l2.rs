//! The shared (L2) Redis cache: key metadata, alias → key id, and tenants.
//! Never key versions (their handles are wrapped key material), never API
//! keys (their token hashes are credential verifiers).
//!
//! Values carry the key's revision and a Lua script only ever replaces an
//! older revision, so a slow reader cannot put back a record that a writer
//! has already replaced. Every call has a short timeout; after a failure
//! Redis is skipped for a moment (the database answers instead) and the
//! connection manager reconnects on the next try.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use tresor_core::{Alias, KeyId, KeyRecord, TenantId, TenantRecord};

use crate::stats::Counters;

/// Longest wait for one Redis call.
const OP_TIMEOUT: Duration = Duration::from_millis(250);
/// How long Redis is skipped after a failure.
const BACKOFF: Duration = Duration::from_secs(1);
/// Prefix of every Redis key Tresor writes, before the deployment's
/// namespace (see [`L2::new`]).
pub const PREFIX: &str = "tresor:v1:";

/// `SET KEYS[1] ARGV[1]` unless the stored value's revision (the digits
/// before `|`) is newer than `ARGV[2]`; expires after `ARGV[3]` seconds.
const SET_IF_NEWER: &str = r"
local cur = redis.call('GET', KEYS[1])
if cur then
  local r = tonumber(string.match(cur, '^(%d+)|'))
  if r and r > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
";

/// Redis failed or timed out (the caller falls back to the database).
#[derive(Debug)]
struct Unavailable;

/// The L2 cache.
pub(crate) struct L2 {
    conn: ConnectionManager,
    ttl_secs: u64,
    script: Script,
    skip_until: Mutex<Option<Instant>>,
    counters: Arc<Counters>,
    /// `tresor:v1:<namespace>:`: this deployment's keys only.
    prefix: String,
}

impl std::fmt::Debug for L2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("L2")
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl L2 {
    /// A lazily connecting client for `url` (nothing is contacted yet);
    /// hits, misses and failures are counted in `counters`. `namespace`
    /// separates deployments that share one Redis (every node of one
    /// deployment uses the same, kept in its database).
    pub fn new(
        client: redis::Client,
        ttl: Duration,
        counters: Arc<Counters>,
        namespace: &str,
    ) -> redis::RedisResult<Self> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(OP_TIMEOUT))
            .set_response_timeout(Some(OP_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        Ok(Self {
            conn: ConnectionManager::new_lazy_with_config(client, config)?,
            ttl_secs: ttl.as_secs().max(1),
            script: Script::new(SET_IF_NEWER),
            skip_until: Mutex::new(None),
            counters,
            prefix: format!("{PREFIX}{namespace}:"),
        })
    }

    fn key_slot(&self, tenant: &TenantId, id: &KeyId) -> String {
        format!("{}key:{}:{id}", self.prefix, tenant.as_str())
    }

    fn alias_slot(&self, tenant: &TenantId, alias: &Alias) -> String {
        format!(
            "{}alias:{}:{}",
            self.prefix,
            tenant.as_str(),
            alias.as_str()
        )
    }

    fn tenant_slot(&self, tenant: &TenantId) -> String {
        format!("{}tenant:{}", self.prefix, tenant.as_str())
    }

    /// The pub/sub channel of this deployment's invalidations.
    pub fn channel(&self) -> String {
        format!("{}invalidate", self.prefix)
    }

    fn skipping(&self) -> bool {
        let mut g = self.skip_until.lock().unwrap_or_else(|e| e.into_inner());
        match *g {
            Some(t) if Instant::now() < t => true,
            Some(_) => {
                *g = None;
                false
            }
            None => false,
        }
    }

    fn failed(&self, what: &str, error: &dyn std::fmt::Display) {
        self.counters.redis_error();
        let mut g = self.skip_until.lock().unwrap_or_else(|e| e.into_inner());
        if g.is_none() {
            tracing::warn!(%error, what, "Redis cache unavailable; using the database");
        }
        *g = Some(Instant::now() + BACKOFF);
    }

    /// Runs one call with the timeout and back-off rules.
    async fn call<T, F>(&self, what: &str, f: F) -> Result<T, Unavailable>
    where
        F: std::future::Future<Output = redis::RedisResult<T>>,
    {
        if self.skipping() {
            return Err(Unavailable);
        }
        match tokio::time::timeout(OP_TIMEOUT, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                self.failed(what, &e);
                Err(Unavailable)
            }
            Err(_) => {
                self.failed(what, &"timed out");
                Err(Unavailable)
            }
        }
    }

    /// A cached value (counted as a hit, a miss or a fallback).
    async fn get_text(&self, slot: String) -> Option<String> {
        let mut c = self.conn.clone();
        let got = self
            .call("get", async move { c.get::<_, Option<String>>(slot).await })
            .await;
        match got {
            Ok(v) => {
                self.counters.l2(v.is_some());
                v
            }
            Err(Unavailable) => {
                self.counters.redis_fallback();
                None
            }
        }
    }

    /// A cached key record.
    pub async fn get_key(&self, tenant: &TenantId, id: &KeyId) -> Option<KeyRecord> {
        let text = self.get_text(self.key_slot(tenant, id)).await?;
        let (_, json) = text.split_once('|')?;
        let k: KeyRecord = serde_json::from_str(json).ok()?;
        (k.tenant == *tenant && k.id == *id).then_some(k)
    }

    /// Stores a key record unless Redis holds a newer revision; also
    /// remembers its alias.
    pub async fn put_key(&self, k: &KeyRecord) {
        let Ok(json) = serde_json::to_string(k) else {
            return;
        };
        let value = format!("{}|{json}", k.revision);
        let mut c = self.conn.clone();
        let mut inv = self.script.key(self.key_slot(&k.tenant, &k.id));
        inv.arg(value).arg(k.revision).arg(self.ttl_secs);
        let stored = self
            .call(
                "put key",
                async move { inv.invoke_async::<i64>(&mut c).await },
            )
            .await;
        if let (Ok(_), Some(alias)) = (stored, &k.alias) {
            let mut c = self.conn.clone();
            let (slot, id, ttl) = (
                self.alias_slot(&k.tenant, alias),
                k.id.to_string(),
                self.ttl_secs,
            );
            let _ = self
                .call("put alias", async move {
                    c.set_ex::<_, _, ()>(slot, id, ttl).await
                })
                .await;
        }
    }

    /// The key id an alias was last seen on (the caller checks the key's
    /// current alias).
    pub async fn get_alias(&self, tenant: &TenantId, alias: &Alias) -> Option<KeyId> {
        let text = self.get_text(self.alias_slot(tenant, alias)).await?;
        KeyId::parse(&text).ok()
    }

    /// A cached tenant.
    pub async fn get_tenant(&self, id: &TenantId) -> Option<TenantRecord> {
        let text = self.get_text(self.tenant_slot(id)).await?;
        let t: TenantRecord = serde_json::from_str(&text).ok()?;
        (t.id == *id).then_some(t)
    }

    /// Stores a tenant (tenants do not change once created).
    pub async fn put_tenant(&self, t: &TenantRecord) {
        let Ok(json) = serde_json::to_string(t) else {
            return;
        };
        let mut c = self.conn.clone();
        let (slot, ttl) = (self.tenant_slot(&t.id), self.ttl_secs);
        let _ = self
            .call("put tenant", async move {
                c.set_ex::<_, _, ()>(slot, json, ttl).await
            })
            .await;
    }

    /// Publishes an invalidation message.
    pub async fn publish(&self, channel: &str, message: String) -> bool {
        let mut c = self.conn.clone();
        let channel = channel.to_owned();
        self.call("publish", async move {
            c.publish::<_, _, i64>(channel, message).await
        })
        .await
        .is_ok()
    }
}
