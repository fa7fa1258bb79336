//! Security properties of keys in the token (checked with cryptoki directly
//! and with `pkcs11-tool`), and concurrency through a small session pool.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::sync::Arc;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::object::{Attribute, AttributeType};
use cryptoki::session::UserType;
use secrecy::SecretString;
use tresor_core::{Algorithm, HashAlg, KeyContext, KeyHandle, Provider, SignInput, SignScheme};
use tresor_pkcs11::Pkcs11Provider;
use tresor_pkcs11::handle::label;
use tresor_provider_tests::support::ctx;

/// The objects of a key version, read through a second cryptoki handle.
fn objects(prefix: &str, c: &KeyContext, h: &KeyHandle) -> Vec<Vec<Attribute>> {
    let token = common::token().unwrap();
    let pkcs11 = Pkcs11::new(&token.module).unwrap();
    let _ = pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
    let slot = pkcs11
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| pkcs11.get_token_info(*s).unwrap().label() == common::LABEL)
        .unwrap();
    let session = pkcs11.open_ro_session(slot).unwrap();
    let _ = session.login(
        UserType::User,
        Some(&SecretString::from(common::PIN.to_owned())),
    );
    let template = [
        Attribute::Id(h.0[2..18].to_vec()),
        Attribute::Label(label(prefix, c).into_bytes()),
    ];
    let found = session.find_objects(&template).unwrap();
    let wanted = [
        AttributeType::Class,
        AttributeType::Token,
        AttributeType::Private,
        AttributeType::Sensitive,
        AttributeType::Extractable,
        AttributeType::NeverExtractable,
        AttributeType::Value,
    ];
    found
        .into_iter()
        .map(|o| session.get_attributes(o, &wanted).unwrap())
        .collect()
}

fn has(attrs: &[Attribute], a: &Attribute) -> bool {
    attrs.contains(a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keys_are_sensitive_non_extractable_token_objects() {
    let Some(config) = common::config(4) else {
        common::skip();
        return;
    };
    let prefix = config.label_prefix.clone().unwrap();
    assert!(!format!("{config:?}").contains(common::PIN), "PIN in Debug");
    let p = Pkcs11Provider::connect(config).await.unwrap();
    assert!(!format!("{p:?}").contains(common::PIN));
    assert!(p.hardware_backed());
    for alg in [
        Algorithm::Aes256Gcm,
        Algorithm::HmacSha256,
        Algorithm::EcP256,
        Algorithm::Rsa2048,
    ] {
        let c = ctx(alg);
        let k = p.generate(&c).await.unwrap();
        assert_eq!(
            k.handle.0.len(),
            18,
            "a handle is a reference, never material"
        );
        let objs = objects(&prefix, &c, &k.handle);
        let expected = if alg.is_asymmetric() { 2 } else { 1 };
        assert_eq!(objs.len(), expected, "{alg}: objects in the token");
        for attrs in objs {
            assert!(has(&attrs, &Attribute::Token(true)), "{alg}: {attrs:?}");
            let secret = !has(
                &attrs,
                &Attribute::Class(cryptoki::object::ObjectClass::PUBLIC_KEY),
            );
            if secret {
                assert!(has(&attrs, &Attribute::Private(true)), "{alg}: {attrs:?}");
                assert!(has(&attrs, &Attribute::Sensitive(true)), "{alg}: {attrs:?}");
                assert!(
                    has(&attrs, &Attribute::Extractable(false)),
                    "{alg}: {attrs:?}"
                );
                assert!(
                    has(&attrs, &Attribute::NeverExtractable(true)),
                    "{alg}: {attrs:?}"
                );
                assert!(
                    !attrs.iter().any(|a| matches!(a, Attribute::Value(_))),
                    "{alg}: CKA_VALUE must not be readable"
                );
            }
        }
        let exported = p.export(&c, &k.handle).await;
        assert!(matches!(
            exported,
            Err(tresor_core::ProviderError::Unsupported(_))
        ));
        list_with_pkcs11_tool(&label(&prefix, &c), alg);
    }
}

/// `pkcs11-tool --list-objects` shows the key (when opensc is installed).
fn list_with_pkcs11_tool(object_label: &str, alg: Algorithm) {
    let token = common::token().unwrap();
    let out = Command::new("pkcs11-tool")
        .arg("--module")
        .arg(&token.module)
        .args([
            "--token-label",
            common::LABEL,
            "--login",
            "--pin",
            common::PIN,
            "--list-objects",
        ])
        .output();
    let Ok(out) = out else {
        println!("pkcs11-tool not installed; attribute checks above still ran");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Blocks start with an unindented "<Kind> Object; ..." header line.
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        match blocks.last_mut() {
            Some(b) if line.starts_with(char::is_whitespace) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => blocks.push(format!("{line}\n")),
        }
    }
    let block = blocks
        .iter()
        .find(|b| {
            b.contains(object_label)
                && (b.starts_with("Private Key") || b.starts_with("Secret Key"))
        })
        .unwrap_or_else(|| panic!("{alg}: {object_label} not listed:\n{text}"));
    assert!(block.contains("sensitive"), "{alg}: {block}");
    assert!(block.contains("never extractable"), "{alg}: {block}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_requests_through_a_pool_of_two() {
    let Some(config) = common::config(2) else {
        common::skip();
        return;
    };
    let p = Arc::new(Pkcs11Provider::connect(config).await.unwrap());
    let (ac, ah) = (ctx(Algorithm::Aes256Gcm), None::<KeyHandle>);
    let ah = ah.unwrap_or(p.generate(&ac).await.unwrap().handle);
    let rc = ctx(Algorithm::Rsa2048);
    let rh = p.generate(&rc).await.unwrap().handle;
    let mut tasks = Vec::new();
    for i in 0..32u8 {
        let p = Arc::clone(&p);
        let (ac, ah, rc, rh) = (ac.clone(), ah.clone(), rc.clone(), rh.clone());
        tasks.push(tokio::spawn(async move {
            let s = p.encrypt(&ac, &ah, &[i; 64], b"").await.unwrap();
            let pt = p
                .decrypt(&ac, &ah, &s.nonce, &s.ciphertext, b"")
                .await
                .unwrap();
            assert_eq!(pt.expose(), &[i; 64]);
            let scheme = SignScheme::RsaPss(HashAlg::Sha256);
            let m = [i; 10];
            let sig = p
                .sign(&rc, &rh, scheme, SignInput::Message(&m))
                .await
                .unwrap();
            assert!(
                p.verify(&rc, &rh, scheme, SignInput::Message(&m), &sig)
                    .await
                    .unwrap()
            );
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}
