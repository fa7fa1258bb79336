//! A token bucket in front of the unauthenticated PKI routes. Each public
//! read is audited like any other call, so without a bound anyone could
//! make the audit log grow as fast as the node answers. Per node, shared by
//! every client: `RATE` requests per second on average, bursts up to
//! `BURST`; beyond that 429 `rate_limited` with `Retry-After: 1`. Relying
//! parties cache CRLs and CA certificates (`Cache-Control: max-age=300`)
//! and OCSP clients retry, so honest use stays far below it.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::AppError;

/// Average public requests per second per node.
pub(crate) const RATE: f64 = 100.0;
/// Largest burst per node.
pub(crate) const BURST: f64 = 200.0;

/// Tokens left and when they were last topped up.
#[derive(Debug)]
pub(crate) struct Bucket {
    state: Mutex<(f64, Instant)>,
    rate: f64,
    burst: f64,
}

impl Bucket {
    pub(crate) fn new(rate: f64, burst: f64) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new((burst, Instant::now())),
            rate,
            burst,
        })
    }

    /// Takes one token if there is one.
    pub(crate) fn try_take(&self) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() * self.rate;
        s.0 = (s.0 + refill).min(self.burst);
        s.1 = now;
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The middleware: 429 once the bucket is empty.
pub(crate) async fn limit(State(bucket): State<Arc<Bucket>>, req: Request, next: Next) -> Response {
    if bucket.try_take() {
        return next.run(req).await;
    }
    let mut res = AppError::http(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many public PKI requests to this node; retry shortly",
    )
    .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills() {
        let b = Bucket::new(1000.0, 3.0);
        assert!(b.try_take() && b.try_take() && b.try_take());
        assert!(!b.try_take());
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(b.try_take());
    }
}
