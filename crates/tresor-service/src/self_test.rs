//! Self-tests: every provider's known-answer and pair-wise consistency
//! tests ([`tresor_core::Provider::self_test`]), plus a round trip through
//! each provider — its random generator, and an encrypt/decrypt (or
//! sign/verify) with an internal per-provider test key
//! (`tresor-internal/self-test/<provider>` in the `default` tenant, created
//! once). Run at start-up (the server refuses to start on a failure) and on
//! demand.

use std::sync::Arc;

use tresor_core::{
    Action, Algorithm, Alias, Caller, KeyRecord, Operation, Provider, ProviderError,
    SelfTestResult, SignInput, SignScheme, TenantId, VersionRecord,
};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::types::KeySpec;

/// All self-test results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfTestReport {
    /// True when every test passed.
    pub ok: bool,
    pub results: Vec<SelfTestResult>,
    /// Failed tests whose provider was unavailable (not a wrong answer):
    /// start-up tolerates these (readiness reports the provider down).
    pub unavailable: Vec<String>,
}

impl SelfTestReport {
    /// The names of the failed tests.
    pub fn failures(&self) -> Vec<&str> {
        self.results
            .iter()
            .filter(|r| !r.ok)
            .map(|r| r.name.as_str())
            .collect()
    }

    /// Failed tests other than those of an unavailable provider: a wrong
    /// answer, which must stop the server from serving.
    pub fn blocking(&self) -> Vec<&SelfTestResult> {
        self.results
            .iter()
            .filter(|r| !r.ok && !self.unavailable.contains(&r.name))
            .collect()
    }
}

const ROUND_TRIP_ALGORITHMS: [Algorithm; 5] = [
    Algorithm::Aes256Gcm,
    Algorithm::ChaCha20Poly1305,
    Algorithm::Aes128Gcm,
    Algorithm::Ed25519,
    Algorithm::EcP256,
];

const PLAINTEXT: &[u8] = b"tresor self-test round trip";

impl Kms {
    /// Runs every self-test now (readonly and up).
    pub async fn self_test(&self, caller: &Caller) -> Result<SelfTestReport> {
        let (mut op, allowed) = self.begin(caller, Action::SelfTest);
        let result = async {
            allowed?;
            let report = self.run_self_tests().await;
            op.detail("ok", report.ok);
            op.detail("failed", report.failures());
            Ok(report)
        }
        .await;
        self.finish(op, result).await
    }

    /// Runs every self-test without a caller (start-up).
    pub async fn run_self_tests(&self) -> SelfTestReport {
        let mut results = Vec::new();
        for p in self.providers().all() {
            let p = Arc::clone(p);
            let id = p.id().to_string();
            match tokio::task::spawn_blocking(move || p.self_test()).await {
                Ok(r) => results.extend(r.into_iter().map(|mut t| {
                    t.name = format!("provider/{id}/{}", t.name);
                    t
                })),
                Err(_) => results.push(SelfTestResult::fail(
                    format!("provider/{id}/kat"),
                    "the known-answer tests panicked",
                )),
            }
        }
        let mut unavailable = Vec::new();
        for p in self.providers().all() {
            for (r, down) in [
                random_test(p.as_ref()).await,
                self.round_trip(p.as_ref()).await,
            ] {
                if down {
                    unavailable.push(r.name.clone());
                }
                results.push(r);
            }
        }
        if let Some(name) = &self.config().self_test_force_fail {
            for r in results.iter_mut().filter(|r| &r.name == name) {
                *r = SelfTestResult::fail(name.clone(), "forced failure (test hook)");
            }
            unavailable.retain(|n| n != name);
        }
        SelfTestReport {
            ok: results.iter().all(|r| r.ok),
            results,
            unavailable,
        }
    }

    /// The round trip, and whether it failed because the provider is down.
    async fn round_trip(&self, p: &dyn Provider) -> (SelfTestResult, bool) {
        let name = format!("provider/{}/round-trip", p.id());
        match self.round_trip_inner(p).await {
            Ok(()) => (SelfTestResult::pass(name), false),
            Err(e) => {
                let down = matches!(e, ServiceError::ProviderUnavailable(_));
                (SelfTestResult::fail(name, e.to_string()), down)
            }
        }
    }

    async fn round_trip_inner(&self, p: &dyn Provider) -> Result<()> {
        let offered = p.algorithms();
        let Some(alg) = ROUND_TRIP_ALGORITHMS
            .into_iter()
            .find(|a| offered.contains(a))
        else {
            return Ok(());
        };
        let (key, version) = self.self_test_key(p, alg).await?;
        let uv = Self::usable(&key, version);
        let bad = ServiceError::Internal("round trip returned different data");
        if alg.is_asymmetric() {
            let scheme = if alg == Algorithm::Ed25519 {
                SignScheme::Ed25519
            } else {
                SignScheme::Ecdsa { raw: false }
            };
            let m = SignInput::Message(PLAINTEXT);
            let sig = p.sign(&uv.ctx, &uv.handle, scheme, m).await?;
            if !p.verify(&uv.ctx, &uv.handle, scheme, m, &sig).await? {
                return Err(bad);
            }
            let wrong = SignInput::Message(b"something else");
            if p.verify(&uv.ctx, &uv.handle, scheme, wrong, &sig).await? {
                return Err(bad);
            }
        } else {
            let sealed = p.encrypt(&uv.ctx, &uv.handle, PLAINTEXT, b"aad").await?;
            let back = p
                .decrypt(
                    &uv.ctx,
                    &uv.handle,
                    &sealed.nonce,
                    &sealed.ciphertext,
                    b"aad",
                )
                .await?;
            if back.expose() != PLAINTEXT {
                return Err(bad);
            }
        }
        Ok(())
    }

    /// The provider's internal test key, created (and audited) on first use.
    async fn self_test_key(
        &self,
        p: &dyn Provider,
        alg: Algorithm,
    ) -> Result<(KeyRecord, VersionRecord)> {
        let tenant = TenantId::default_tenant();
        let alias = Alias::parse(&format!("tresor-internal/self-test/{}", p.id()))
            .map_err(|_| ServiceError::Internal("bad internal alias"))?;
        let mut spec = KeySpec::new(alg);
        spec.alias = Some(alias);
        spec.description = "Provider self-test key (internal)".into();
        spec.provider = Some(p.id().clone());
        spec.operations = Some(if alg.is_asymmetric() {
            [Operation::Sign, Operation::Verify].into_iter().collect()
        } else {
            [Operation::Encrypt, Operation::Decrypt]
                .into_iter()
                .collect()
        });
        let mut system = Caller::system(tenant);
        system.principal = "system:self-test".into();
        let key = self.internal_key(&system, spec, "self-test").await?;
        let version = self
            .store()
            .get_version(&key.tenant, &key.id, key.primary_version)
            .await?
            .ok_or(ServiceError::Internal("self-test key without its version"))?;
        Ok((key, version))
    }
}

/// Two draws from the provider's RNG: full length, not constant, not equal.
/// Also says whether it failed because the provider is down.
async fn random_test(p: &dyn Provider) -> (SelfTestResult, bool) {
    let name = format!("provider/{}/random", p.id());
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    for out in [&mut a, &mut b] {
        if let Err(e) = p.random(out).await {
            let down = matches!(e, ProviderError::Unavailable(_));
            return (SelfTestResult::fail(name, e.to_string()), down);
        }
    }
    if a == b || a.iter().all(|x| *x == a[0]) {
        let r = SelfTestResult::fail(name, "the random generator repeats itself");
        return (r, false);
    }
    (SelfTestResult::pass(name), false)
}
