//! Conformance cases for certificates and CAs.

use std::sync::Arc;

use tresor_core::{
    CaRecord, CertId, CertificateFilter, CertificateRecord, Change, KeyId, Store, StoreError,
};

use super::fixtures::{apply, at, event, tenants, tid};

fn cert(tenant: &str, serial: &str, subject: &str, not_after: i64) -> CertificateRecord {
    CertificateRecord {
        tenant: tid(tenant),
        id: CertId::generate(),
        serial: serial.into(),
        subject: subject.into(),
        issuer: "CN=Root 100%_Test".into(),
        sans: vec!["dns:api.example.com".into(), "ip:10.0.0.1".into()],
        not_before: at(0),
        not_after: at(not_after),
        key_id: Some(KeyId::generate()),
        ca: Some("root".into()),
        is_ca: false,
        trust_anchor: false,
        origin: "issued".into(),
        der: vec![0x30, 0x03, 1, 2, 3],
        revoked_at: None,
        revocation_reason: None,
        created_at: at(1),
    }
}

fn ca(tenant: &str, name: &str, cert_id: CertId) -> CaRecord {
    CaRecord {
        tenant: tid(tenant),
        name: name.into(),
        key_id: KeyId::generate(),
        cert_id,
        parent: None,
        allowed_domains: vec!["example.com".into()],
        crl_number: 0,
        crl: None,
        crl_updated_at: None,
        created_at: at(2),
    }
}

/// Certificates: create, get, search by each field, expiry window, tenant
/// isolation, revocation once; CAs: create, unique names, CRL updates with
/// an expected number.
pub async fn certificates_and_cas(store: Arc<dyn Store>) {
    tenants(&store, &["a", "b"]).await;
    let c1 = cert("a", "0a1b", "CN=api.example.com,O=Ex", 100);
    let mut c2 = cert("a", "ff", "CN=Other", 10_000);
    c2.sans = vec!["email:ops@example.org".into()];
    c2.trust_anchor = true;
    c2.ca = None;
    c2.key_id = None;
    let cb = cert("b", "0a1b", "CN=api.example.com", 100);
    for c in [&c1, &c2, &cb] {
        apply(&store, Change::CreateCertificate(c.clone())).await;
    }
    let dup = store
        .commit(
            vec![Change::CreateCertificate(c1.clone())],
            vec![event("a", "t", None)],
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate)), "{dup:?}");

    let got = store.get_certificate(&tid("a"), &c1.id).await.unwrap();
    assert_eq!(got, Some(c1.clone()));
    assert_eq!(
        store.get_certificate(&tid("b"), &c1.id).await.unwrap(),
        None
    );

    let ids = |v: Vec<CertificateRecord>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let list = |f: CertificateFilter| {
        let store = store.clone();
        async move { ids(store.list_certificates(&tid("a"), &f).await.unwrap()) }
    };
    let mut both = vec![c1.id, c2.id];
    both.sort();
    assert_eq!(list(CertificateFilter::default()).await, both);
    let f = |g: fn(&mut CertificateFilter)| {
        let mut f = CertificateFilter::default();
        g(&mut f);
        f
    };
    assert_eq!(
        list(f(|f| f.subject = Some("API.EXAMPLE".into()))).await,
        vec![c1.id]
    );
    assert_eq!(list(f(|f| f.san = Some("ops@".into()))).await, vec![c2.id]);
    assert_eq!(
        list(f(|f| f.serial = Some("0A1B".into()))).await,
        vec![c1.id]
    );
    assert_eq!(
        list(f(|f| f.issuer = Some("100%_t".into()))).await,
        both.clone()
    );
    assert!(
        list(f(|f| f.issuer = Some("100%x".into())))
            .await
            .is_empty()
    );
    assert_eq!(list(f(|f| f.ca = Some("root".into()))).await, vec![c1.id]);
    assert_eq!(
        list(f(|f| f.expires_before = Some(at(100)))).await,
        vec![c1.id]
    );
    assert_eq!(list(f(|f| f.trust_anchor = Some(true))).await, vec![c2.id]);
    assert_eq!(list(f(|f| f.limit = 1)).await, vec![both[0]]);
    let after = CertificateFilter {
        after: Some(both[0]),
        ..Default::default()
    };
    assert_eq!(list(after).await, vec![both[1]]);

    let revoke = |at_s| Change::RevokeCertificate {
        tenant: tid("a"),
        id: c1.id,
        at: at(at_s),
        reason: "key-compromise".into(),
    };
    apply(&store, revoke(50)).await;
    let again = store
        .commit(vec![revoke(60)], vec![event("a", "t", None)])
        .await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    let got = store
        .get_certificate(&tid("a"), &c1.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.revoked_at, Some(at(50)));
    assert_eq!(got.revocation_reason.as_deref(), Some("key-compromise"));
    assert_eq!(list(f(|f| f.revoked = Some(true))).await, vec![c1.id]);
    assert_eq!(list(f(|f| f.revoked = Some(false))).await, vec![c2.id]);
    let other_tenant = store
        .commit(
            vec![Change::RevokeCertificate {
                tenant: tid("b"),
                id: c1.id,
                at: at(1),
                reason: "x".into(),
            }],
            vec![event("b", "t", None)],
        )
        .await;
    assert!(matches!(other_tenant, Err(StoreError::Conflict)));

    let root = ca("a", "root", c2.id);
    let mut inter = ca("a", "inter", c1.id);
    inter.parent = Some("root".into());
    inter.allowed_domains = Vec::new();
    apply(&store, Change::CreateCa(root.clone())).await;
    apply(&store, Change::CreateCa(inter.clone())).await;
    apply(&store, Change::CreateCa(ca("b", "root", cb.id))).await;
    let dup = store
        .commit(
            vec![Change::CreateCa(root.clone())],
            vec![event("a", "t", None)],
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate)), "{dup:?}");
    assert_eq!(
        store.get_ca(&tid("a"), "root").await.unwrap(),
        Some(root.clone())
    );
    assert_eq!(store.get_ca(&tid("a"), "nope").await.unwrap(), None);
    let names: Vec<String> = store
        .list_cas(&tid("a"))
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, vec!["inter".to_string(), "root".to_string()]);

    let crl = |expected, number| Change::UpdateCaCrl {
        tenant: tid("a"),
        name: "root".into(),
        crl: vec![number as u8; 4],
        expected_number: expected,
        number,
        at: at(70),
    };
    apply(&store, crl(0, 1)).await;
    let stale = store
        .commit(vec![crl(0, 2)], vec![event("a", "t", None)])
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    let got = store.get_ca(&tid("a"), "root").await.unwrap().unwrap();
    assert_eq!(got.crl_number, 1);
    assert_eq!(got.crl, Some(vec![1; 4]));
    assert_eq!(got.crl_updated_at, Some(at(70)));
    let b = store.get_ca(&tid("b"), "root").await.unwrap().unwrap();
    assert_eq!(b.crl_number, 0);
}
