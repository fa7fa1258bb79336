//! Certify: a PKCS#10 request signed by the tenant's CA through the PKI
//! service, the certificate fetched with Get; the CA chosen by `x-ca` or
//! as the only one; the refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tresor_core::Algorithm;
use tresor_kmip::Tag;
use tresor_service::KeyRef;
use tresor_service::pki::CreateCaRequest;
use tresor_service::pki::types::{CsrRequest, NameSpec};
use tresor_service::types::KeySpec;

async fn ca(h: &Harness, name: &str) {
    h.kms
        .create_ca(
            &h.caller,
            CreateCaRequest {
                name: name.into(),
                algorithm: Algorithm::EcP256,
                subject: format!("CN={name}"),
                validity_days: 365,
                parent: None,
                provider: None,
                path_len: None,
                allowed_domains: Vec::new(),
            },
        )
        .await
        .unwrap();
}

/// A DER CSR for a new EC key, subject `cn`.
async fn csr(h: &Harness, cn: &str) -> Vec<u8> {
    let k = h
        .kms
        .create_key(&h.caller, KeySpec::new(Algorithm::EcP256))
        .await
        .unwrap();
    let pem_text = h
        .kms
        .create_csr(
            &h.caller,
            &KeyRef::Id(k.key.id),
            CsrRequest {
                names: NameSpec {
                    subject: format!("CN={cn}"),
                    dns: vec![cn.to_owned()],
                    ..NameSpec::default()
                },
                ..CsrRequest::default()
            },
        )
        .await
        .unwrap();
    pem::parse(pem_text).unwrap().into_contents()
}

fn certify(der: &[u8], extra: &str) -> String {
    format!(
        r#"<CertificateRequestType type="Enumeration" value="PKCS_10"/>
        <CertificateRequest type="ByteString" value="{}"/><TemplateAttribute>{extra}</TemplateAttribute>"#,
        hex(der)
    )
}

fn custom(name: &str, value: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="{name}"/><AttributeValue type="TextString" value="{value}"/></Attribute>"#
    )
}

#[tokio::test]
async fn certify_signs_requests_with_the_tenant_ca() {
    let h = harness().await;
    let v = (1, 4);
    let der = csr(&h, "svc.example.com").await;
    // No CA yet: a clear refusal.
    assert_eq!(
        err(&h.one(v, "Certify", &certify(&der, "")).await),
        "InvalidField"
    );

    ca(&h, "issuing").await;
    let r = ok(&h.one(v, "Certify", &certify(&der, "")).await);
    let id = text(&r, Tag::UniqueIdentifier);
    assert!(id.starts_with("cert-"), "{id}");
    let got = ok(&h
        .one(
            v,
            "Get",
            &format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#),
        )
        .await);
    assert_eq!(enumeration(&got, Tag::ObjectType), "Certificate");
    let cert = got.child(Tag::Certificate).unwrap();
    let value = bytes(cert, Tag::CertificateValue);
    let stored = h
        .kms
        .get_certificate(&h.caller, &id["cert-".len()..].parse().unwrap())
        .await
        .unwrap();
    assert_eq!(value, stored.certificate.der);
    assert_eq!(stored.certificate.ca.as_deref(), Some("issuing"));

    // Two CAs: x-ca picks one; without it the request is refused.
    ca(&h, "other").await;
    assert_eq!(
        err(&h.one(v, "Certify", &certify(&der, "")).await),
        "InvalidField"
    );
    let pick = format!(
        "{}{}",
        custom("x-ca", "other"),
        custom("x-profile", "client-tls")
    );
    let r = ok(&h.one(v, "Certify", &certify(&der, &pick)).await);
    let id = text(&r, Tag::UniqueIdentifier);
    let stored = h
        .kms
        .get_certificate(&h.caller, &id["cert-".len()..].parse().unwrap())
        .await
        .unwrap();
    assert_eq!(stored.certificate.ca.as_deref(), Some("other"));

    // Locate finds the certificates by their subject (the KMIP Name),
    // newest first, and by Object Type.
    let subject = stored.certificate.subject.clone();
    let by_name = ok(&h
        .one(
            v,
            "Locate",
            &format!(
                r#"<Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="{subject}"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>"#
            ),
        )
        .await);
    let found: Vec<&tresor_kmip::Ttlv> = by_name
        .children()
        .iter()
        .filter(|c| c.tag == Tag::UniqueIdentifier)
        .collect();
    assert_eq!(found.len(), 2, "both certificates of {subject}");
    assert_eq!(text(&by_name, Tag::UniqueIdentifier), id, "newest first");
    let certs = ok(&h
        .one(
            v,
            "Locate",
            r#"<Attribute><AttributeName type="TextString" value="Object Type"/><AttributeValue type="Enumeration" value="Certificate"/></Attribute>"#,
        )
        .await);
    assert!(
        certs
            .children()
            .iter()
            .filter(|c| c.tag == Tag::UniqueIdentifier)
            .count()
            >= 2
    );

    // Refusals: a key id without a request, garbage, an unknown profile,
    // an unknown certificate id.
    let by_key =
        r#"<UniqueIdentifier type="TextString" value="0190b5a0-0000-7000-8000-000000000000"/>"#;
    assert_eq!(
        err(&h.one(v, "Certify", by_key).await),
        "FeatureNotSupported"
    );
    let garbage = certify(&[0x30, 0x03, 0x02, 0x01, 0x00], &custom("x-ca", "other"));
    assert_eq!(err(&h.one(v, "Certify", &garbage).await), "InvalidField");
    let bad_profile = certify(
        &der,
        &format!("{}{}", custom("x-ca", "other"), custom("x-profile", "nope")),
    );
    assert_eq!(
        err(&h.one(v, "Certify", &bad_profile).await),
        "InvalidField"
    );
    let unknown = r#"<UniqueIdentifier type="TextString" value="cert-nope"/>"#;
    assert_eq!(err(&h.one(v, "Get", unknown).await), "ItemNotFound");
    // Readonly callers cannot certify.
    let ro = h
        .send_as(
            Some(caller(tresor_core::Role::Readonly)),
            &message(v, &[("Certify", &certify(&der, &custom("x-ca", "other")))]),
        )
        .await;
    assert_eq!(err(&ro), "PermissionDenied");
}
