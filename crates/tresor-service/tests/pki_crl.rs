//! A CA's CRL lists every revoked certificate, however many (it used to
//! stop at one page of 1000), and drops those that have expired.

mod common;

use common::harness;
use tresor_core::pki::CertificateRecord;
use tresor_core::{Algorithm, CertId, Change};
use tresor_service::pki::CreateCaRequest;
use x509_parser::prelude::*;

#[tokio::test]
async fn crls_list_every_revoked_certificate_and_drop_expired_ones() {
    let h = harness().await;
    let ca = h
        .kms
        .create_ca(
            &h.admin,
            CreateCaRequest {
                name: "big".into(),
                algorithm: Algorithm::EcP256,
                subject: "CN=Big".into(),
                validity_days: 3650,
                parent: None,
                provider: None,
                path_len: None,
                allowed_domains: Vec::new(),
            },
        )
        .await
        .unwrap();
    // 2 500 revoked certificates of this CA (3 pages), 7 of them expired.
    let now = h.kms.now();
    let changes: Vec<Change> = (0..2500u32)
        .map(|i| {
            let expired = i % 400 == 0;
            Change::CreateCertificate(CertificateRecord {
                tenant: ca.ca.tenant.clone(),
                id: CertId::generate(),
                serial: format!("{:016x}", 0x1000_0000u64 + u64::from(i)),
                subject: format!("CN=leaf {i}"),
                issuer: "CN=Big".into(),
                sans: Vec::new(),
                not_before: now.plus_seconds(-86_400),
                not_after: now.plus_seconds(if expired { -60 } else { 86_400 * 30 }),
                key_id: None,
                ca: Some("big".into()),
                is_ca: false,
                trust_anchor: false,
                origin: "issued".into(),
                der: vec![0x30, 0x00],
                revoked_at: Some(now),
                revocation_reason: Some("superseded".into()),
                created_at: now,
            })
        })
        .collect();
    h.store.commit(changes, Vec::new()).await.unwrap();
    // The scheduler re-signs the CRL once half its validity has passed.
    h.clock.advance_seconds(4 * 86_400);
    assert_eq!(h.kms.run_due(100).await.unwrap().crls_refreshed, 1);
    let der = h.kms.ca_crl(&h.admin, "big").await.unwrap();
    let (_, crl) = CertificateRevocationList::from_der(&der).unwrap();
    let listed = crl.iter_revoked_certificates().count();
    // 2 500 minus the 7 expired (i = 0, 400, ..., 2 400).
    assert_eq!(listed, 2500 - 7);
}
