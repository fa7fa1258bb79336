//! The KMIP listener: TTLV over TLS (port 5696 by convention) with client
//! certificates. Each connection: TLS handshake (bounded), the client
//! certificate's subject CN mapped to a principal through the service
//! (unmapped: the connection is closed), then a loop of messages framed by
//! `tresor_kmip::frame_len` — read the 8-byte header, the declared length
//! (bounded by the message limit), process, write the response. A message
//! must arrive completely within `read_timeout` once it has started, and a
//! connection idle longer than `idle_timeout` is closed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use tresor_core::{Caller, RequestId};
use tresor_kmip::{DecodeLimits, Tag, Ttlv, binary};
use tresor_kmip_server::{Peer, process};
use tresor_service::{Kms, RequestMeta};

use crate::listener::stopped;
use crate::tls;

/// Limits of the KMIP listener.
#[derive(Debug, Clone, Copy)]
pub struct KmipLimits {
    /// Most connections served at once.
    pub max_connections: usize,
    /// Time to finish the TLS handshake.
    pub handshake_timeout: Duration,
    /// Time a started message (header and body) has to arrive.
    pub read_timeout: Duration,
    /// Time a connection may wait between messages.
    pub idle_timeout: Duration,
    /// Largest message accepted.
    pub max_message_bytes: usize,
}

impl Default for KmipLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            handshake_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(300),
            max_message_bytes: 1 << 20,
        }
    }
}

/// Accepts KMIP connections until `stop` turns true.
pub(crate) async fn serve(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    kms: Kms,
    mut stop: watch::Receiver<bool>,
    limits: KmipLimits,
) {
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
                    tracing::warn!(error = %e, "KMIP accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (kms, acceptor, stop) = (kms.clone(), acceptor.clone(), stop.clone());
        tasks.spawn(async move {
            let _permit = permit;
            connection(stream, addr, acceptor, kms, stop, limits).await;
        });
        while tasks.try_join_next().is_some() {}
    }
    drop(tcp);
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
}

async fn connection(
    stream: TcpStream,
    addr: SocketAddr,
    acceptor: TlsAcceptor,
    kms: Kms,
    mut stop: watch::Receiver<bool>,
    limits: KmipLimits,
) {
    let _ = stream.set_nodelay(true);
    let handshake = timeout(limits.handshake_timeout, acceptor.accept(stream));
    let stream = tokio::select! {
        _ = stopped(&mut stop) => return,
        r = handshake => match r {
            Ok(Ok(s)) => s,
            _ => {
                tracing::debug!(peer = %addr, "KMIP TLS handshake failed or timed out");
                return;
            }
        },
    };
    let cn = tls::peer_common_name(stream.get_ref().1);
    let source = Some(addr.ip().to_string());
    let meta = RequestMeta {
        request_id: RequestId::generate(),
        source: source.clone(),
    };
    let identity = match cn {
        Some(cn) => kms
            .authenticate_certificate(&cn, None, meta)
            .await
            .ok()
            .map(|_| Identity::Certificate(cn)),
        None => None,
    };
    let Some(identity) = identity else {
        tracing::info!(peer = %addr, "KMIP client certificate not mapped to a principal; closing");
        return;
    };
    tokio::select! {
        _ = stopped(&mut stop) => {}
        () = messages(stream, &kms, identity, source, limits) => {}
    }
}

/// Who is on a connection.
#[derive(Debug, Clone)]
enum Identity {
    /// A client certificate, by subject CN: mapped to a principal again for
    /// every message, so a removed or changed `/v1/cert-principals`
    /// mapping takes effect on connections already open.
    Certificate(String),
    /// A fixed caller (tests).
    #[cfg(test)]
    Fixed(Caller),
}

impl Identity {
    /// The caller for one message; `None` when the certificate is no
    /// longer mapped (audited by the service as an authentication failure).
    async fn caller(&self, kms: &Kms, source: &Option<String>) -> Option<Caller> {
        let meta = RequestMeta {
            request_id: RequestId::generate(),
            source: source.clone(),
        };
        match self {
            Identity::Certificate(cn) => kms.authenticate_certificate(cn, None, meta).await.ok(),
            #[cfg(test)]
            Identity::Fixed(c) => Some(Caller {
                auth_time: None,
                request_id: meta.request_id,
                ..c.clone()
            }),
        }
    }
}

/// Reads, processes and answers messages until the peer closes, a read
/// times out, framing is lost, or the identity is no longer mapped (that
/// message is answered Authentication Not Successful, then the connection
/// closes).
async fn messages<S>(
    mut io: S,
    kms: &Kms,
    identity: Identity,
    source: Option<String>,
    limits: KmipLimits,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let decode_limits = DecodeLimits::default().with_max_message_bytes(limits.max_message_bytes);
    loop {
        let mut header = [0u8; 8];
        // Idle: wait for the first byte; then the whole message is due.
        match timeout(limits.idle_timeout, io.read(&mut header[..1])).await {
            Ok(Ok(1)) => {}
            _ => return,
        }
        let frame = timeout(
            limits.read_timeout,
            read_frame(&mut io, &mut header, &decode_limits),
        )
        .await;
        let request = match frame {
            Ok(Ok(Some(msg))) => msg,
            Ok(Ok(None)) => {
                // Unframeable: answer Invalid Message, then close.
                let _ = respond(&mut io, kms, None, &source, &invalid(), limits).await;
                return;
            }
            Ok(Err(())) | Err(_) => return,
        };
        let reply = match binary::decode_with_limits(&request, &decode_limits) {
            Ok(msg) => msg,
            Err(e) => {
                tracing::debug!(error = %e, "undecodable KMIP message");
                invalid()
            }
        };
        let caller = identity.caller(kms, &source).await;
        let mapped = caller.is_some();
        if respond(&mut io, kms, caller, &source, &reply, limits)
            .await
            .is_err()
            || !mapped
        {
            return;
        }
    }
}

/// A request that processes into an Invalid Message response.
fn invalid() -> Ttlv {
    Ttlv::structure(Tag::RequestMessage, vec![])
}

/// The rest of a message whose first byte is in `header[0]`: `Ok(None)`
/// when the header is not a valid frame, `Err` on I/O errors.
async fn read_frame<S: AsyncRead + Unpin>(
    io: &mut S,
    header: &mut [u8; 8],
    limits: &DecodeLimits,
) -> Result<Option<Vec<u8>>, ()> {
    io.read_exact(&mut header[1..]).await.map_err(|_| ())?;
    let Ok(total) = binary::frame_len_with_limits(header, limits) else {
        return Ok(None);
    };
    let mut msg = vec![0u8; total];
    msg[..8].copy_from_slice(header);
    io.read_exact(&mut msg[8..]).await.map_err(|_| ())?;
    Ok(Some(msg))
}

async fn respond<S: AsyncWrite + Unpin>(
    io: &mut S,
    kms: &Kms,
    caller: Option<Caller>,
    source: &Option<String>,
    request: &Ttlv,
    limits: KmipLimits,
) -> Result<(), ()> {
    let meta = RequestMeta {
        request_id: caller
            .as_ref()
            .map_or_else(RequestId::generate, |c| c.request_id.clone()),
        source: source.clone(),
    };
    let response = process(kms, Peer { caller, meta }, request).await;
    let bytes = binary::encode(&response).map_err(|_| ())?;
    match timeout(limits.read_timeout, io.write_all(&bytes)).await {
        Ok(Ok(())) => io.flush().await.map_err(|_| ()),
        _ => Err(()),
    }
}

/// Builds the KMIP TLS configuration (client certificates required, no
/// ALPN) and binds `kmip_listen`, when it is set.
pub(crate) async fn prepare(
    config: &crate::Config,
) -> Result<Option<(TcpListener, TlsAcceptor)>, crate::StartError> {
    let (Some(addr), Some(cert), Some(key), Some(ca)) = (
        config.kmip_listen,
        &config.kmip_tls_cert,
        &config.kmip_tls_key,
        &config.kmip_client_ca,
    ) else {
        return Ok(None);
    };
    let base = tls::server_config(cert, key, Some(ca), crate::config::ClientAuth::Require)?;
    let mut server = (*base).clone();
    server.alpn_protocols.clear();
    let tcp = TcpListener::bind(addr)
        .await
        .map_err(|source| crate::StartError::Bind { addr, source })?;
    Ok(Some((tcp, TlsAcceptor::from(Arc::new(server)))))
}

#[cfg(test)]
mod tests {
    use tresor_core::{ProviderStateStore, Role, SystemClock, TenantId};
    use tresor_crypto::{RootKey, SoftwareProvider};
    use tresor_service::{KmsConfig, ProviderRegistry};

    use super::*;

    async fn kms(dir: &std::path::Path) -> Kms {
        let url = format!("sqlite://{}/tresor.db", dir.display());
        let store = tresor_store::open(&url, &tresor_store::StoreOptions::default())
            .await
            .unwrap();
        let state: Arc<dyn ProviderStateStore> = store.clone();
        let root = RootKey::generate().unwrap();
        let provider = SoftwareProvider::new(SoftwareProvider::default_id(), &root, state).unwrap();
        Kms::new(
            store,
            ProviderRegistry::new(Arc::new(provider)),
            Arc::new(SystemClock),
            KmsConfig::default(),
            None,
        )
    }

    #[tokio::test]
    async fn slow_and_idle_clients_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let kms = kms(dir.path()).await;
        let caller = Caller {
            auth_time: None,
            principal: "cert:test".into(),
            tenant: TenantId::default_tenant(),
            role: Role::User,
            platform_admin: false,
            request_id: RequestId::generate(),
            source: None,
        };
        let limits = KmipLimits {
            read_timeout: Duration::from_millis(200),
            idle_timeout: Duration::from_millis(300),
            ..KmipLimits::default()
        };
        // A started message that never completes: closed after read_timeout.
        let (mut client, server) = tokio::io::duplex(1024);
        client.write_all(&[0x42, 0x00]).await.unwrap();
        let done = timeout(
            Duration::from_secs(5),
            messages(server, &kms, Identity::Fixed(caller.clone()), None, limits),
        )
        .await;
        assert!(done.is_ok(), "a slow-loris message must be dropped");
        // An idle connection: closed after idle_timeout.
        let (_client, server) = tokio::io::duplex(1024);
        let done = timeout(
            Duration::from_secs(5),
            messages(server, &kms, Identity::Fixed(caller), None, limits),
        )
        .await;
        assert!(done.is_ok(), "an idle connection must be dropped");
    }
}
