//! The accept loop: plain TCP or TLS, one task per connection served by
//! hyper-util's auto (HTTP/1.1 + HTTP/2) builder, with the limits that keep
//! slow or idle clients from piling up, and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::state::PeerIdentity;
use crate::tls;

/// Connection limits and timeouts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most connections served at once; further clients wait in the
    /// kernel's accept queue.
    pub max_connections: usize,
    /// Time a client has to send a request's headers (and, on plain HTTP,
    /// its first byte).
    pub header_read_timeout: Duration,
    /// Time a client has to finish the TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(30),
            tls_handshake_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(15),
        }
    }
}

/// Accepts connections until `stop` turns true (or its sender is dropped),
/// then lets in-flight requests finish for at most `limits.shutdown_grace`.
pub(crate) async fn serve(
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    mut stop: watch::Receiver<bool>,
    limits: Limits,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut tasks = JoinSet::new();
    loop {
        let permit = tokio::select! {
            _ = stopped(&mut stop) => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, addr) = tokio::select! {
            _ = stopped(&mut stop) => break,
            r = tcp.accept() => match r {
                Ok(pair) => pair,
                Err(e) => {
                    // e.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let conn = Conn {
            addr,
            router: router.clone(),
            watcher: graceful.watcher(),
            stop: stop.clone(),
            limits,
            _permit: permit,
        };
        tasks.spawn(conn.run(stream, tls.clone()));
        while tasks.try_join_next().is_some() {}
    }
    drop(tcp);
    tracing::debug!(connections = graceful.count(), "listener stopped; draining");
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests did not finish in time; closing them");
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
}

/// Resolves once `stop` turns true or its sender is gone.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await.map(|_| ());
}

/// One accepted connection.
struct Conn {
    addr: SocketAddr,
    router: Router,
    watcher: Watcher,
    /// Shutdown signal: a connection that has not started HTTP yet (waiting
    /// for its first byte or its TLS handshake) gives up at once, so idle
    /// connections never hold up shutdown.
    stop: watch::Receiver<bool>,
    limits: Limits,
    _permit: OwnedSemaphorePermit,
}

impl Conn {
    async fn run(self, stream: TcpStream, tls: Option<TlsAcceptor>) {
        let _ = stream.set_nodelay(true);
        let mut stop = self.stop.clone();
        if *stop.borrow() {
            return;
        }
        match tls {
            None => {
                // The protocol sniffing of the auto builder has no timeout of
                // its own: require the first byte in time.
                let mut first = [0u8; 1];
                let first_byte = timeout(self.limits.header_read_timeout, stream.peek(&mut first));
                tokio::select! {
                    _ = stopped(&mut stop) => return,
                    r = first_byte => match r {
                        Ok(Ok(n)) if n > 0 => {}
                        _ => return,
                    },
                }
                let peer = PeerIdentity {
                    addr: self.addr,
                    client_cert_cn: None,
                    tls: false,
                };
                self.serve(stream, peer, None).await;
            }
            Some(acceptor) => {
                let handshake = timeout(self.limits.tls_handshake_timeout, acceptor.accept(stream));
                let accepted = tokio::select! {
                    _ = stopped(&mut stop) => return,
                    r = handshake => r,
                };
                let stream = match accepted {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::debug!(peer = %self.addr, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(peer = %self.addr, "TLS handshake timed out");
                        return;
                    }
                };
                let (_, session) = stream.get_ref();
                let peer = PeerIdentity {
                    addr: self.addr,
                    client_cert_cn: tls::peer_common_name(session),
                    tls: true,
                };
                let h2 = session.alpn_protocol() == Some(tls::ALPN_H2);
                self.serve(stream, peer, Some(h2)).await;
            }
        }
    }

    /// Serves HTTP on `io`; `alpn_h2` fixes the protocol when TLS chose it.
    async fn serve<I>(self, io: I, peer: PeerIdentity, alpn_h2: Option<bool>)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let router = self.router;
        let svc = tower::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(peer.clone());
            router.clone().oneshot(req)
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder = match alpn_h2 {
            Some(true) => builder.http2_only(),
            Some(false) => builder.http1_only(),
            None => builder,
        };
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(256)
            .keep_alive_interval(Duration::from_secs(60));
        let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(svc));
        if let Err(e) = self.watcher.watch(conn).await {
            tracing::debug!(peer = %self.addr, error = %e, "connection ended with an error");
        }
    }
}
