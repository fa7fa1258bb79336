//! Failure and recovery: sessions lost behind the provider's back, the
//! module finalised, the token directory removed — the provider recovers
//! (or reports `Unavailable`) and works again without being recreated.
//!
//! Each scenario disturbs the process-wide module, so they run in one test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use tresor_core::{
    Algorithm, KeyContext, KeyHandle, Provider, ProviderError, SignInput, SignScheme,
};
use tresor_pkcs11::Pkcs11Provider;
use tresor_provider_tests::support::ctx;

async fn round_trip(
    p: &Pkcs11Provider,
    c: &KeyContext,
    h: &KeyHandle,
) -> Result<(), ProviderError> {
    let s = p.encrypt(c, h, b"payload", b"aad").await?;
    let pt = p.decrypt(c, h, &s.nonce, &s.ciphertext, b"aad").await?;
    assert_eq!(pt.expose(), b"payload");
    Ok(())
}

fn error_chain(e: &ProviderError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn recovers_from_lost_sessions_finalize_and_missing_token() {
    let Some(p) = common::provider().await else {
        return;
    };
    let c = ctx(Algorithm::Aes256Gcm);
    let h = p.generate(&c).await.unwrap().handle;
    let ec = ctx(Algorithm::EcP256);
    let eh = p.generate(&ec).await.unwrap().handle;
    let sign = |p: Arc<Pkcs11Provider>| {
        let (ec, eh) = (ec.clone(), eh.clone());
        async move {
            let m = SignInput::Message(b"m");
            let scheme = SignScheme::Ecdsa { raw: false };
            let s = p.sign(&ec, &eh, scheme, m).await?;
            assert!(p.verify(&ec, &eh, scheme, m, &s).await?);
            Ok::<_, ProviderError>(())
        }
    };
    round_trip(&p, &c, &h).await.unwrap();

    // 1. Logged out behind the provider's back: transparent re-login.
    p.logout_for_test().await.unwrap();
    round_trip(&p, &c, &h)
        .await
        .expect("recovers from C_Logout");
    p.logout_for_test().await.unwrap();
    sign(Arc::clone(&p))
        .await
        .expect("recovers from C_Logout (sign)");

    // 2. Every session closed and the module finalised: transparent
    //    re-initialisation, slot lookup by label and login.
    p.close_all_sessions_for_test().await;
    round_trip(&p, &c, &h)
        .await
        .expect("recovers from C_Finalize");
    p.close_all_sessions_for_test().await;
    sign(Arc::clone(&p))
        .await
        .expect("recovers from C_Finalize (sign)");
    assert_eq!(p.health().await.unwrap().label, common::LABEL);

    // 3. The same in the middle of 32 concurrent requests: each one either
    //    succeeds or says Unavailable — never a wrong answer or a panic.
    let mut tasks = Vec::new();
    for i in 0..32 {
        let (p, c, h) = (Arc::clone(&p), c.clone(), h.clone());
        tasks.push(tokio::spawn(async move {
            if i == 10 {
                p.close_all_sessions_for_test().await;
            }
            round_trip(&p, &c, &h).await
        }));
    }
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) | Err(ProviderError::Unavailable(_)) => {}
            Err(e) => panic!("unexpected error during recovery: {e:?}"),
        }
    }
    round_trip(&p, &c, &h).await.expect("works after the storm");

    // 4. The token's directory disappears: a clear Unavailable, no
    //    fallback; once it is back, the same provider works again.
    let token = common::token().unwrap();
    let moved = token.dir.path().join("tokens.away");
    std::fs::rename(&token.tokens, &moved).unwrap();
    p.close_all_sessions_for_test().await; // SoftHSM re-reads tokens on init
    let err = round_trip(&p, &c, &h).await.expect_err("token is gone");
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
    let text = error_chain(&err);
    assert!(text.contains("unavailable"), "{text}");
    println!("token gone: {text}");
    assert!(matches!(
        p.health().await,
        Err(ProviderError::Unavailable(_))
    ));
    std::fs::rename(&moved, &token.tokens).unwrap();
    round_trip(&p, &c, &h)
        .await
        .expect("works again once the token is back");
    sign(Arc::clone(&p)).await.expect("old keys still work");
    assert_eq!(p.health().await.unwrap().label, common::LABEL);
}
