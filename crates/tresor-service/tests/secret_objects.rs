//! The secrets service's rules around Barbican's objects, at the service
//! layer: who may read under an ACL, quotas, container member rules,
//! consumers blocking deletion, orders, and that refused calls change
//! nothing.

mod common;

use common::{caller, harness};
use tresor_core::{Caller, Role, SecretBytes, SecretId};
use tresor_service::ServiceError;
use tresor_service::secrets::{
    AclUpdate, Consumer, ContainerSecret, NewContainer, NewOrder, NewSecret, OrderMeta, Quotas,
    Target,
};

fn who(name: &str, role: Role) -> Caller {
    Caller {
        auth_time: None,
        principal: name.into(),
        ..caller(role, false)
    }
}

fn secret(payload: &str) -> NewSecret {
    NewSecret {
        name: Some("s".into()),
        payload: Some(SecretBytes::from_slice(payload.as_bytes())),
        content_type: Some("text/plain".into()),
        ..NewSecret::default()
    }
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, ServiceError>) {
    assert!(matches!(r, Err(ServiceError::Forbidden { .. })), "{r:?}");
}

#[tokio::test]
async fn acls_grant_and_withhold_reads_inside_the_tenant() {
    let h = harness().await;
    let owner = who("api-key:owner", Role::User);
    let peer = who("api-key:peer", Role::User);
    let reader = who("api-key:reader", Role::Readonly);
    let admin = who("api-key:admin", Role::Admin);
    let s = h.kms.put_secret(&owner, secret("p")).await.unwrap();
    let t = Target::Secret(s.id);

    // Default: users of the tenant read; readonly principals do not.
    h.kms.get_secret_payload(&peer, &s.id).await.unwrap();
    forbidden(h.kms.get_secret_payload(&reader, &s.id).await);

    // Only the creator or an admin changes the ACL.
    let private = AclUpdate {
        project_access: Some(false),
        users: Some(vec!["api-key:reader".into()]),
    };
    forbidden(h.kms.set_acl(&peer, t, private.clone(), false).await);
    let acl = h.kms.set_acl(&owner, t, private, false).await.unwrap();
    assert!(!acl.project_access);

    // Project access off: the peer is out, the listed reader is in, the
    // creator and admins stay in.
    forbidden(h.kms.get_secret_payload(&peer, &s.id).await);
    forbidden(h.kms.get_secret(&peer, &s.id).await);
    let c = Consumer {
        service: "lbaas".into(),
        resource_type: "listener".into(),
        resource_id: "l1".into(),
    };
    forbidden(h.kms.register_consumer(&peer, t, c.clone()).await);
    h.kms.register_consumer(&owner, t, c.clone()).await.unwrap();
    forbidden(h.kms.list_consumers(&peer, t, 0, 10).await);
    h.kms.get_secret_payload(&reader, &s.id).await.unwrap();
    h.kms.get_secret_payload(&owner, &s.id).await.unwrap();
    h.kms.get_secret_payload(&admin, &s.id).await.unwrap();

    // PATCH-style merge keeps the users; reset restores the default.
    let open = AclUpdate {
        project_access: Some(true),
        users: None,
    };
    let merged = h.kms.set_acl(&admin, t, open, true).await.unwrap();
    assert!(merged.project_access && merged.users.contains("api-key:reader"));
    h.kms.delete_acl(&owner, t).await.unwrap();
    forbidden(h.kms.get_secret_payload(&reader, &s.id).await);
    h.kms.get_secret_payload(&peer, &s.id).await.unwrap();

    // Bad ACLs are refused.
    let too_many = AclUpdate {
        project_access: None,
        users: Some((0..101).map(|i| format!("api-key:{i}")).collect()),
    };
    assert!(h.kms.set_acl(&owner, t, too_many, false).await.is_err());
    let missing = Target::Secret(SecretId::generate());
    let r = h
        .kms
        .set_acl(&owner, missing, AclUpdate::default(), false)
        .await;
    assert!(matches!(r, Err(ServiceError::NotFound { .. })), "{r:?}");
}

#[tokio::test]
async fn quotas_limit_creation_and_only_platform_admins_set_them() {
    let h = harness().await;
    let user = who("api-key:u", Role::User);
    let tenant = user.tenant.clone();
    let two = Quotas {
        secrets: Some(2),
        containers: Some(0),
        ..Quotas::default()
    };
    forbidden(h.kms.set_project_quotas(&user, &tenant, two).await);
    let bad = Quotas {
        orders: Some(-5),
        ..Quotas::default()
    };
    assert!(
        h.kms
            .set_project_quotas(&h.admin, &tenant, bad)
            .await
            .is_err()
    );
    h.kms
        .set_project_quotas(&h.admin, &tenant, two)
        .await
        .unwrap();
    let mine = h.kms.get_quotas(&user).await.unwrap();
    assert_eq!(
        (mine.secrets, mine.orders, mine.cas),
        (Some(2), Some(-1), Some(-1))
    );

    h.kms.put_secret(&user, secret("a")).await.unwrap();
    h.kms.put_secret(&user, secret("b")).await.unwrap();
    let third = h.kms.put_secret(&user, secret("c")).await;
    assert!(
        matches!(third, Err(ServiceError::QuotaExceeded { limit: 2, .. })),
        "{third:?}"
    );
    let c = h.kms.create_container(&user, NewContainer::default()).await;
    assert!(
        matches!(c, Err(ServiceError::QuotaExceeded { .. })),
        "{c:?}"
    );

    h.kms
        .delete_project_quotas(&h.admin, &tenant)
        .await
        .unwrap();
    h.kms.put_secret(&user, secret("c")).await.unwrap();
    assert_eq!(h.kms.list_project_quotas(&h.admin).await.unwrap().len(), 0);
}

#[tokio::test]
async fn containers_check_their_members() {
    let h = harness().await;
    let user = who("api-key:u", Role::User);
    let a = h.kms.put_secret(&user, secret("a")).await.unwrap().id;
    let b = h.kms.put_secret(&user, secret("b")).await.unwrap().id;
    let m = |name: &str, secret: SecretId| ContainerSecret {
        name: name.into(),
        secret,
    };
    let rsa = |members| NewContainer {
        name: None,
        container_type: Some("rsa".into()),
        secrets: members,
    };
    for bad in [
        rsa(vec![m("public_key", a)]),
        rsa(vec![m("public_key", a), m("private_key", b), m("extra", a)]),
        rsa(vec![
            m("public_key", a),
            m("private_key", SecretId::generate()),
        ]),
        NewContainer {
            container_type: Some("box".into()),
            ..NewContainer::default()
        },
        NewContainer {
            secrets: vec![m("x", a), m("x", b)],
            ..NewContainer::default()
        },
    ] {
        let r = h.kms.create_container(&user, bad.clone()).await;
        assert!(
            matches!(r, Err(ServiceError::InvalidArgument { .. })),
            "{bad:?}: {r:?}"
        );
    }
    let (listed, total) = h
        .kms
        .list_containers(&user, Default::default())
        .await
        .unwrap();
    assert!(listed.is_empty() && total == 0);

    let typed = h
        .kms
        .create_container(&user, rsa(vec![m("public_key", a), m("private_key", b)]))
        .await
        .unwrap();
    // Typed containers are fixed.
    let r = h
        .kms
        .change_container_secret(&user, &typed.id, m("other", a), true)
        .await;
    assert!(
        matches!(r, Err(ServiceError::InvalidArgument { .. })),
        "{r:?}"
    );
    let generic = h
        .kms
        .create_container(&user, NewContainer::default())
        .await
        .unwrap();
    let added = h
        .kms
        .change_container_secret(&user, &generic.id, m("a", a), true)
        .await
        .unwrap();
    assert_eq!(added.secrets, vec![m("a", a)]);
    let dup = h
        .kms
        .change_container_secret(&user, &generic.id, m("a", b), true)
        .await;
    assert!(
        matches!(dup, Err(ServiceError::AlreadyExists { .. })),
        "{dup:?}"
    );
    let gone = h
        .kms
        .change_container_secret(&user, &generic.id, m("b", b), false)
        .await;
    assert!(
        matches!(gone, Err(ServiceError::NotFound { .. })),
        "{gone:?}"
    );
}

#[tokio::test]
async fn consumers_block_deletion_until_forced_and_go_with_the_secret() {
    let h = harness().await;
    let user = who("api-key:u", Role::User);
    let s = h.kms.put_secret(&user, secret("a")).await.unwrap().id;
    let t = Target::Secret(s);
    let c = Consumer {
        service: "lbaas".into(),
        resource_type: "listener".into(),
        resource_id: "l1".into(),
    };
    h.kms.register_consumer(&user, t, c.clone()).await.unwrap();
    h.kms.register_consumer(&user, t, c.clone()).await.unwrap();
    assert_eq!(h.kms.list_consumers(&user, t, 0, 10).await.unwrap().1, 1);
    assert_eq!(
        h.kms.get_secret(&user, &s).await.unwrap().consumers.len(),
        1
    );
    let r = h.kms.delete_secret(&user, &s, false).await;
    assert!(matches!(r, Err(ServiceError::InUse(_))), "{r:?}");
    h.kms.get_secret(&user, &s).await.unwrap();
    h.kms.delete_secret(&user, &s, true).await.unwrap();
    // Its consumers went with it.
    let left = h
        .store
        .count_objects(
            &user.tenant,
            &tresor_core::ObjectFilter::of(tresor_core::ObjectKind::Consumer),
        )
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn orders_generate_secrets_or_record_why_not() {
    let h = harness().await;
    let user = who("api-key:u", Role::User);
    let key = NewOrder {
        order_type: "key".into(),
        meta: OrderMeta {
            algorithm: Some("aes".into()),
            bit_length: Some(192),
            ..OrderMeta::default()
        },
    };
    let o = h.kms.create_order(&user, key).await.unwrap();
    assert_eq!(o.status, "ACTIVE");
    let got = h
        .kms
        .get_secret_payload(&user, &o.secret.unwrap())
        .await
        .unwrap();
    assert_eq!(got.payload.len(), 24);
    assert_eq!(got.info.secret_type, "symmetric");

    let ec = NewOrder {
        order_type: "asymmetric".into(),
        meta: OrderMeta {
            algorithm: Some("ec".into()),
            bit_length: Some(384),
            ..OrderMeta::default()
        },
    };
    let o = h.kms.create_order(&user, ec).await.unwrap();
    let c = h
        .kms
        .get_container(&user, &o.container.unwrap())
        .await
        .unwrap();
    assert_eq!(c.container_type, "rsa");
    let private = c.secrets.iter().find(|m| m.name == "private_key").unwrap();
    let pem = h
        .kms
        .get_secret_payload(&user, &private.secret)
        .await
        .unwrap();
    assert!(
        pem.payload
            .expose()
            .starts_with(b"-----BEGIN PRIVATE KEY-----")
    );

    // A CA that does not exist: well formed, so kept as ERROR.
    let cert = NewOrder {
        order_type: "certificate".into(),
        meta: OrderMeta {
            ca_id: Some("nope".into()),
            request_data: Some(
                "-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----"
                    .into(),
            ),
            ..OrderMeta::default()
        },
    };
    let o = h.kms.create_order(&user, cert).await.unwrap();
    assert_eq!(o.status, "ERROR");
    assert!(
        o.error_status_code.is_some() && o.error_reason.is_some(),
        "{o:?}"
    );

    // Malformed orders are refused and leave nothing.
    for (t, meta) in [
        ("key", OrderMeta::default()),
        (
            "key",
            OrderMeta {
                algorithm: Some("aes".into()),
                bit_length: Some(64),
                ..OrderMeta::default()
            },
        ),
        (
            "asymmetric",
            OrderMeta {
                algorithm: Some("rsa".into()),
                bit_length: Some(1024),
                ..OrderMeta::default()
            },
        ),
        (
            "certificate",
            OrderMeta {
                request_data: Some("x".into()),
                ..OrderMeta::default()
            },
        ),
        ("other", OrderMeta::default()),
    ] {
        let r = h
            .kms
            .create_order(
                &user,
                NewOrder {
                    order_type: t.into(),
                    meta,
                },
            )
            .await;
        assert!(
            matches!(r, Err(ServiceError::InvalidArgument { .. })),
            "{t}: {r:?}"
        );
    }
    assert_eq!(h.kms.list_orders(&user, 0, 100).await.unwrap().1, 3);
    let readonly = who("api-key:r", Role::Readonly);
    h.kms.list_orders(&readonly, 0, 10).await.unwrap();
    forbidden(h.kms.delete_order(&readonly, &o.id).await);
    h.kms.delete_order(&user, &o.id).await.unwrap();
}
