//! Start-up and shutdown: data dir and root key, store, provider and
//! service, first-start bootstrap, the listener and the scheduler loop.
//! [`start`] is what `tresor serve` and the integration tests call.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tresor_core::{ProviderError, StoreError, SystemClock};
use tresor_crypto::{RootKeyError, SoftwareProvider};
use tresor_service::{Kms, KmsConfig, OpObserver, ServiceError};

use crate::config::{Config, ConfigError};
use crate::leader::{self, Leadership};
use crate::listener::{self, Limits};
use crate::metrics::Metrics;
use crate::startup::{self, RootKeySource};
use crate::state::AppState;
use crate::storage::OpenStore;
use crate::tls::{self, TlsError};

/// Keys handled per scheduler pass.
const SCHEDULER_BATCH: u32 = 100;

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration is inconsistent.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The data directory could not be created or read.
    #[error("data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The root key could not be read or created.
    #[error("root key: {0}")]
    RootKey(#[source] RootKeyError),
    /// The root key file is missing for an existing deployment.
    #[error(
        "root key file {path} does not exist, but the data directory {data_dir} already holds data; \
         refusing to create a new root key (everything wrapped under the old one would become unreadable). \
         Restore the key file, set TRESOR_ROOT_KEY, point root_key_file at it, \
         or (only for throw-away development data) start with --dev"
    )]
    RootKeyMissing { path: PathBuf, data_dir: PathBuf },
    /// The store could not be opened or migrated.
    #[error("cannot open the store: {0}")]
    Store(#[source] StoreError),
    /// The key provider could not be initialized.
    #[error("cannot initialize the software key provider: {0}")]
    Provider(#[source] ProviderError),
    /// First-start bootstrap failed.
    #[error("bootstrap failed: {0}")]
    Bootstrap(#[source] ServiceError),
    /// A known-answer or consistency self-test failed (named): the
    /// cryptography cannot be trusted, so nothing is served.
    #[error("self-test failed, refusing to start: {0}")]
    SelfTest(String),
    /// The signed audit checkpoints could not be read.
    #[error("cannot read the audit checkpoints: {0}")]
    Evidence(#[source] ServiceError),
    /// The initial admin token could not be saved.
    #[error("cannot write the initial admin token to {path}: {source}")]
    TokenFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The HSM-held root key is not usable (no fallback to a file key).
    #[error("HSM root key: {0}")]
    HsmRoot(#[from] crate::hsm_root::HsmRootError),
    /// The TLS configuration is unusable.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A started server. Dropping it stops accepting connections; call
/// [`RunningServer::shutdown`] to also drain requests and close the store.
pub struct RunningServer {
    /// The bound address (the real port when the config said `:0`).
    pub addr: SocketAddr,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The initial admin token, on the first start only.
    pub initial_token: Option<String>,
    /// Where the initial token was saved (first start, generated token).
    pub initial_token_file: Option<PathBuf>,
    /// Where the root key came from.
    pub root_key_source: RootKeySource,
    /// The root key's check value (identifies the key; safe to show).
    pub root_key_kcv: String,
    /// The data directory.
    pub data_dir: PathBuf,
    kms: Kms,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
    /// The KMIP listener's address, when `kmip_listen` is set.
    pub kmip_addr: Option<SocketAddr>,
    kmip: Option<JoinHandle<()>>,
    scheduler: Option<JoinHandle<()>>,
    store: OpenStore,
    node_id: String,
    scheduler_leader: Arc<AtomicBool>,
    sink_tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .field("scheme", &self.scheme)
            .field(
                "initial_token",
                &self.initial_token.as_ref().map(|_| "<redacted>"),
            )
            .field("data_dir", &self.data_dir)
            .field("root_key_kcv", &self.root_key_kcv)
            .finish_non_exhaustive()
    }
}

/// Starts the server described by `config` and returns once it listens.
pub async fn start(config: Config) -> Result<RunningServer, StartError> {
    config.validate()?;
    let fresh = startup::prepare_data_dir(&config.data_dir)?;
    let hsm_root = crate::hsm_root::connect(&config, fresh).await?;
    let (root, root_key_source, root_key_kcv) = match &hsm_root {
        Some(h) => (
            None,
            RootKeySource::Pkcs11 {
                provider: tresor_core::Provider::id(h.provider.as_ref()).clone(),
                label: h.label.clone(),
                created: h.created,
            },
            h.root.check_value().to_owned(),
        ),
        None => {
            let (root, source) = startup::root_key(&config, fresh)?;
            let kcv = root.key_check_value();
            (Some(root), source, kcv)
        }
    };
    tracing::info!(kcv = %root_key_kcv, source = ?root_key_source, "root key loaded");
    // TLS first: a bad certificate should fail before the store is touched.
    let acceptor = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(TlsAcceptor::from(tls::server_config(
            cert,
            key,
            config.tls_client_ca.as_deref(),
            config.tls_client_auth,
        )?)),
        _ => None,
    };
    let kmip_prepared = crate::kmip_listener::prepare(&config).await?;
    let store = OpenStore::open(&config).await.map_err(StartError::Store)?;
    // Parsed (unwrapped) keys: same switch, bound and TTL as the metadata
    // cache; process memory only, wiped when dropped.
    let capacity = if config.cache_enabled {
        usize::try_from(config.cache_max_entries).unwrap_or(usize::MAX)
    } else {
        0
    };
    let ttl = Duration::from_secs(config.cache_ttl_seconds);
    let provider = match (&hsm_root, &root) {
        (Some(h), _) => Ok(SoftwareProvider::with_root_and_cache(
            SoftwareProvider::default_id(),
            Arc::clone(&h.root),
            store.state.clone(),
            capacity,
            ttl,
        )),
        (None, Some(root)) => SoftwareProvider::with_cache(
            SoftwareProvider::default_id(),
            root,
            store.state.clone(),
            capacity,
            ttl,
        ),
        (None, None) => Err(ProviderError::Unsupported("no root key")),
    };
    drop(root);
    let token = hsm_root.map(|h| h.provider);
    let started = match provider {
        Ok(provider) => build(&config, provider, token, &store).await,
        Err(e) => Err(StartError::Provider(e)),
    };
    let Started {
        kms,
        metrics,
        alerts,
        app,
        tcp,
        addr,
        initial_token,
        initial_token_file,
    } = match started {
        Ok(s) => s,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    let (stop, stop_rx) = watch::channel(false);
    let server = tokio::spawn(listener::serve(
        tcp,
        acceptor,
        app,
        stop_rx.clone(),
        Limits::default(),
    ));
    let kmip_addr = kmip_prepared
        .as_ref()
        .and_then(|(tcp, _)| tcp.local_addr().ok());
    let kmip = kmip_prepared.map(|(tcp, acceptor)| {
        tracing::info!(addr = ?kmip_addr, "KMIP listening (TTLV over TLS)");
        tokio::spawn(crate::kmip_listener::serve(
            tcp,
            acceptor,
            kms.clone(),
            stop_rx.clone(),
            crate::kmip_listener::KmipLimits::default(),
        ))
    });
    crate::evidence_runtime::spawn_checkpoints(&config, &kms, stop_rx.clone());
    tokio::spawn(provider_sync_loop(kms.clone(), stop_rx.clone()));
    let node_id = leader::new_node_id();
    let sinks_lease = Leadership::named(
        crate::siem::SINKS_LEASE,
        store.store.clone(),
        node_id.clone(),
        crate::siem::lease_ttl(&config.audit_sinks),
    );
    let sink_tasks = crate::siem::spawn(&kms, &config.audit_sinks, metrics, sinks_lease, &stop_rx);
    tracing::info!(node_id = %node_id, "node id (scheduler lease holder)");
    let every = Duration::from_secs(config.scheduler_interval_seconds);
    let lease = Leadership::new(
        store.store.clone(),
        node_id.clone(),
        leader::lease_ttl(every, config.scheduler_lease_ttl_seconds),
    );
    let scheduler_leader = lease.flag();
    let scheduler = (config.scheduler_interval_seconds > 0)
        .then(|| tokio::spawn(scheduler_loop(kms.clone(), every, stop_rx, lease, alerts)));
    let scheme = config.scheme();
    tracing::info!(url = %format!("{scheme}://{addr}"), "listening");
    Ok(RunningServer {
        addr,
        scheme,
        initial_token,
        initial_token_file,
        root_key_source,
        root_key_kcv,
        data_dir: config.data_dir,
        kms,
        stop,
        server,
        kmip,
        kmip_addr,
        scheduler,
        store,
        node_id,
        scheduler_leader,
        sink_tasks,
    })
}

/// What [`build`] prepared.
struct Started {
    kms: Kms,
    metrics: Arc<Metrics>,
    alerts: Option<crate::alerts_runtime::AlertRunner>,
    app: axum::Router,
    tcp: TcpListener,
    addr: SocketAddr,
    initial_token: Option<String>,
    initial_token_file: Option<PathBuf>,
}

/// Service, bootstrap, app and listening socket.
async fn build(
    config: &Config,
    provider: SoftwareProvider,
    connected: Option<Arc<tresor_pkcs11::Pkcs11Provider>>,
    store: &OpenStore,
) -> Result<Started, StartError> {
    let mut metrics = Metrics::new();
    if let Some(stats) = &store.cache_stats {
        metrics.register_cache(stats.clone());
    }
    let metrics = Arc::new(metrics);
    let observer: Arc<dyn OpObserver> = metrics.clone();
    let kms = Kms::new(
        store.store.clone(),
        crate::providers_config::registry(provider, &config.providers, connected).await?,
        Arc::new(SystemClock),
        KmsConfig {
            max_item_bytes: config.max_item_bytes,
            audit_batch_max: config.audit_batch_max,
            audit_checkpoint_algorithm: config.audit_checkpoint_algorithm,
            self_test_force_fail: crate::evidence_runtime::forced_failure(),
            pki_public_url: config.public_url.clone(),
            people: config.people.to_service(),
            ..KmsConfig::default()
        },
        Some(observer),
    );
    kms.set_provider_factory(Arc::new(crate::provider_factory::ServerProviderFactory));
    match kms.sync_providers().await {
        Ok(n) if n > 0 => tracing::info!(count = n, "providers registered at run time loaded"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "registered providers could not be loaded"),
    }
    crate::siem::register(&kms, &config.audit_sinks, |k| std::env::var(k).ok())?;
    kms.register_alert_source(Arc::new(tresor_service::discovery::alerts::DiscoveryAlerts));
    kms.register_alert_source(Arc::new(
        tresor_service::pki::alerts::CertificateAlerts::default(),
    ));
    let alerts = crate::alerts_runtime::AlertRunner::new(&config.alerts, metrics.clone(), |k| {
        std::env::var(k).ok()
    })?;
    let supplied = config
        .bootstrap_token
        .as_ref()
        .map(|t| t.expose().to_owned());
    let supplied_token = supplied.is_some();
    let initial_token = kms
        .bootstrap(supplied)
        .await
        .map_err(StartError::Bootstrap)?;
    crate::evidence_runtime::startup_checks(&kms, &metrics).await?;
    let mut initial_token_file = None;
    if let Some(token) = &initial_token {
        tracing::info!(
            "first start: created the default tenant and an initial platform-admin API key"
        );
        // A token the operator supplied is not written anywhere.
        if !supplied_token {
            initial_token_file = startup::write_initial_token(&config.data_dir, token)?;
        }
    }
    let tcp = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = tcp.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    let app = crate::http::app(AppState {
        kms: kms.clone(),
        metrics: metrics.clone(),
        max_body_bytes: config.max_body_bytes,
        oidc: Arc::new(crate::oidc::Oidc::new(
            &config.people.oidc,
            config.public_url.clone(),
        )?),
    });
    Ok(Started {
        kms,
        metrics,
        alerts,
        app,
        tcp,
        addr,
        initial_token,
        initial_token_file,
    })
}

/// Starts the repeating discovery scans that are due; each runs in the
/// background with the rustls prober.
async fn start_due_discovery(kms: &Kms) {
    match kms.start_due_discovery().await {
        Ok(plans) => {
            for plan in plans {
                let kms = kms.clone();
                tokio::spawn(async move {
                    let prober = std::sync::Arc::new(crate::discovery_probe::TlsProber);
                    if let Err(e) = kms.run_discovery(plan, prober).await {
                        tracing::warn!(error = %e, "scheduled discovery scan failed");
                    }
                });
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot start scheduled discovery scans"),
    }
}

/// How often a node picks up providers registered (or unregistered) on
/// another node.
const PROVIDER_SYNC_INTERVAL: Duration = Duration::from_secs(10);

/// Keeps this node's provider registry in line with the stored run-time
/// registrations, until stopped.
async fn provider_sync_loop(kms: Kms, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(PROVIDER_SYNC_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = listener::stopped(&mut stop) => break,
            _ = tick.tick() => {}
        }
        if let Err(e) = kms.sync_providers().await {
            tracing::warn!(error = %e, "provider registry sync failed");
        }
    }
}

/// Runs due rotations and scheduled destroys every `every` until stopped,
/// on the one node of the cluster that holds the scheduler `lease`.
async fn scheduler_loop(
    kms: Kms,
    every: Duration,
    mut stop: watch::Receiver<bool>,
    lease: Leadership,
    alerts: Option<crate::alerts_runtime::AlertRunner>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = listener::stopped(&mut stop) => break,
            _ = tick.tick() => {}
        }
        if !lease.hold().await {
            continue;
        }
        loop {
            match kms.run_due(SCHEDULER_BATCH).await {
                Ok(r) => {
                    let done = r.rotated + r.destroyed + r.failed;
                    if done > 0 {
                        tracing::info!(
                            rotated = r.rotated,
                            destroyed = r.destroyed,
                            failed = r.failed,
                            "scheduler pass"
                        );
                    } else {
                        tracing::debug!("scheduler pass: nothing due");
                    }
                    // A full batch without failures: more may be due now.
                    if r.failed > 0 || done < SCHEDULER_BATCH as usize || *stop.borrow() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "scheduler pass failed");
                    break;
                }
            }
        }
        start_due_discovery(&kms).await;
        if let Some(a) = &alerts {
            a.run(&kms).await;
        }
    }
    lease.release().await;
}

impl RunningServer {
    /// `scheme://addr`, e.g. `http://127.0.0.1:8095`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The service the server runs (for tests and embedding).
    pub fn kms(&self) -> &Kms {
        &self.kms
    }

    /// This process's random node id (the scheduler lease holder name).
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// Whether this node held the scheduler lease at its last tick (and so
    /// runs the cluster's scheduled jobs).
    pub fn is_scheduler_leader(&self) -> bool {
        self.scheduler_leader.load(Ordering::SeqCst)
    }

    /// Stops accepting, lets in-flight requests finish (bounded), stops the
    /// scheduler and closes the store, releasing its files.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.server.await {
            tracing::warn!(error = %e, "listener task failed");
        }
        if let Some(kmip) = self.kmip
            && let Err(e) = kmip.await
        {
            tracing::warn!(error = %e, "KMIP listener task failed");
        }
        if let Some(mut scheduler) = self.scheduler
            && tokio::time::timeout(Duration::from_secs(10), &mut scheduler)
                .await
                .is_err()
        {
            scheduler.abort();
        }
        for mut task in self.sink_tasks {
            if tokio::time::timeout(Duration::from_secs(10), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
        self.store.close().await;
        tracing::info!("server stopped");
    }

    /// Runs until SIGINT or SIGTERM, then shuts down gracefully.
    pub async fn wait(self) {
        shutdown_signal().await;
        tracing::info!("shutdown signal received");
        self.shutdown().await;
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                return;
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for SIGTERM"),
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::warn!(error = %e, "cannot listen for Ctrl-C; stopping");
    }
}
