//! Opening the configured store and closing it again on shutdown (so the
//! SQLite files are released and a restart on the same data dir works).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tresor_cache::{CacheSettings, CacheStatsHandle, CachedStore, Topology};
use tresor_core::{ProviderId, ProviderStateStore, Store, StoreError};
use tresor_store::{PoolOptions, SqliteOptions, SqliteStore, StoreOptions, Synchronous};

use crate::config::{Config, SqliteSync};

/// The opened store, as the service sees it and as shutdown closes it.
#[derive(Debug, Clone)]
pub(crate) struct OpenStore {
    pub store: Arc<dyn Store>,
    pub state: Arc<dyn ProviderStateStore>,
    /// The cache's counters (`None` with `cache_enabled = false`).
    pub cache_stats: Option<CacheStatsHandle>,
    sqlite: Option<Arc<SqliteStore>>,
}

impl OpenStore {
    /// Opens `config.database_url` (migrations run on open).
    pub async fn open(config: &Config) -> Result<Self, StoreError> {
        let sync = match config.sqlite_synchronous {
            SqliteSync::Normal => Synchronous::Normal,
            _ => Synchronous::Full,
        };
        let sqlite_opts = SqliteOptions::default().with_synchronous(sync);
        let url = config.database_url.as_str();
        if url.starts_with("sqlite:") {
            let s = Arc::new(SqliteStore::open_url(url, &sqlite_opts).await?);
            let (store, cache_stats) = cached(config, s.clone()).await?;
            return Ok(Self {
                store,
                state: s.clone(),
                cache_stats,
                sqlite: Some(s),
            });
        }
        let store = tresor_store::open(
            url,
            &StoreOptions::default()
                .with_sqlite(sqlite_opts)
                .with_pool(pool_options(config)),
        )
        .await?;
        let state = Arc::new(StateOf(store.clone()));
        let (store, cache_stats) = cached(config, store).await?;
        Ok(Self {
            state,
            store,
            cache_stats,
            sqlite: None,
        })
    }

    /// Closes the connections (later calls on the store fail).
    pub async fn close(&self) {
        if let Some(s) = &self.sqlite {
            s.close().await;
        }
    }
}

/// `store` behind the metadata cache, unless `cache_enabled = false`.
/// PostgreSQL nodes hear each other over `LISTEN/NOTIFY`; MySQL/MariaDB
/// nodes over Redis pub/sub, or else by a one-second in-process TTL.
/// Also returns the cache's counters.
async fn cached(
    config: &Config,
    store: Arc<dyn Store>,
) -> Result<(Arc<dyn Store>, Option<CacheStatsHandle>), StoreError> {
    if !config.cache_enabled {
        return Ok((store, None));
    }
    let url = config.database_url.as_str();
    let topology = if url.starts_with("sqlite:") {
        Topology::Single
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let opts = pool_options(config).with_max_connections(2);
        Topology::Postgres(tresor_store::postgres_pool(url, &opts).await?)
    } else {
        Topology::Shared
    };
    let settings = CacheSettings {
        enabled: true,
        ttl: Duration::from_secs(config.cache_ttl_seconds),
        max_entries: config.cache_max_entries,
        redis_url: config.cache_redis_url.clone(),
    };
    let cache = CachedStore::new(store, &settings, topology)
        .await
        .map_err(|e| StoreError::Backend(Box::new(e)))?;
    let stats = cache.stats();
    Ok((Arc::new(cache), Some(stats)))
}

/// The connection-pool settings of `config` (for database servers).
pub(crate) fn pool_options(config: &Config) -> PoolOptions {
    let mut pool = PoolOptions::default()
        .with_max_connections(config.db_max_connections)
        .with_idle_timeout(Duration::from_secs(config.db_idle_timeout_seconds));
    if let Some(mode) = config.db_tls {
        pool = pool.with_tls(mode);
    }
    if let Some(ca) = &config.db_tls_ca_file {
        pool = pool.with_tls_ca_file(ca);
    }
    pool
}

/// A [`Store`] seen as its [`ProviderStateStore`] half.
#[derive(Debug)]
struct StateOf(Arc<dyn Store>);

#[async_trait]
impl ProviderStateStore for StateOf {
    async fn get_blob(
        &self,
        provider: &ProviderId,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get_blob(provider, name).await
    }

    async fn put_blob_if_absent(
        &self,
        provider: &ProviderId,
        name: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        self.0.put_blob_if_absent(provider, name, value).await
    }
}
