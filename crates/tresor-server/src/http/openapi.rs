//! The OpenAPI 3.1 document (utoipa), served at `/v1/openapi.json` and
//! browsable with the embedded Swagger UI at `/v1/docs`. [`ROUTES`] is the
//! one list of `/v1` routes; tests check it against both the router and the
//! document.

use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Required, schema::ObjectBuilder, schema::Type};
use utoipa::{Modify, OpenApi};

use super::{
    admin, alerts, approvals, batch, crypto, crypto_policy, discovery, evidence, keys, lifecycle,
    ops, people, pki, pki_p12, providers, reports, secrets, siem,
};

/// The `/v1` routes that need no credential: signing in and set-up.
pub const ANONYMOUS_ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/auth/setup"),
    ("post", "/v1/auth/setup"),
    ("post", "/v1/auth/login"),
];

/// Every authenticated `/v1` route: `(method, path template)`.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/auth/mfa"),
    ("post", "/v1/auth/logout"),
    ("post", "/v1/auth/reauth"),
    ("get", "/v1/auth/me"),
    ("put", "/v1/auth/tenant"),
    ("get", "/v1/users"),
    ("post", "/v1/users"),
    ("post", "/v1/users/me/password"),
    ("post", "/v1/users/me/totp"),
    ("post", "/v1/users/me/totp/confirm"),
    ("get", "/v1/users/{name}"),
    ("patch", "/v1/users/{name}"),
    ("delete", "/v1/users/{name}"),
    ("put", "/v1/users/{name}/roles"),
    ("post", "/v1/users/{name}/password"),
    ("delete", "/v1/users/{name}/totp"),
    ("get", "/v1/sessions"),
    ("delete", "/v1/sessions/{id}"),
    ("post", "/v1/keys"),
    ("get", "/v1/keys"),
    ("post", "/v1/keys/import"),
    ("get", "/v1/keys/{key}"),
    ("patch", "/v1/keys/{key}"),
    ("post", "/v1/keys/{key}/rotate"),
    ("post", "/v1/keys/{key}/enable"),
    ("post", "/v1/keys/{key}/disable"),
    ("post", "/v1/keys/{key}/revoke"),
    ("post", "/v1/keys/{key}/schedule-destroy"),
    ("post", "/v1/keys/{key}/cancel-destroy"),
    ("post", "/v1/keys/{key}/destroy"),
    ("post", "/v1/keys/{key}/versions/{n}/enable"),
    ("post", "/v1/keys/{key}/versions/{n}/disable"),
    ("get", "/v1/keys/{key}/public"),
    ("post", "/v1/keys/{key}/encrypt"),
    ("post", "/v1/keys/{key}/decrypt"),
    ("post", "/v1/keys/{key}/reencrypt"),
    ("post", "/v1/keys/{key}/datakey"),
    ("post", "/v1/keys/{key}/sign"),
    ("post", "/v1/keys/{key}/verify"),
    ("post", "/v1/keys/{key}/mac"),
    ("post", "/v1/keys/{key}/mac-verify"),
    ("post", "/v1/keys/{key}/wrap"),
    ("post", "/v1/keys/{key}/unwrap"),
    ("post", "/v1/keys/{key}/agree"),
    ("post", "/v1/keys/{key}/encapsulate"),
    ("post", "/v1/keys/{key}/decapsulate"),
    ("post", "/v1/keys/{key}/encrypt/batch"),
    ("post", "/v1/keys/{key}/decrypt/batch"),
    ("post", "/v1/keys/{key}/sign/batch"),
    ("post", "/v1/decrypt"),
    ("get", "/v1/wrapping-key"),
    ("get", "/v1/jwks"),
    ("post", "/v1/random"),
    ("post", "/v1/tenants"),
    ("get", "/v1/tenants"),
    ("get", "/v1/tenants/{id}"),
    ("get", "/v1/tenants/{id}/crypto-policy"),
    ("put", "/v1/tenants/{id}/crypto-policy"),
    ("post", "/v1/api-keys"),
    ("get", "/v1/api-keys"),
    ("delete", "/v1/api-keys/{id}"),
    ("post", "/v1/cert-principals"),
    ("get", "/v1/cert-principals"),
    ("delete", "/v1/cert-principals/{subject_cn}"),
    ("get", "/v1/audit"),
    ("post", "/v1/audit/verify"),
    ("post", "/v1/audit/checkpoints"),
    ("get", "/v1/audit/checkpoints"),
    ("get", "/v1/audit/keys"),
    ("get", "/v1/audit/export"),
    ("get", "/v1/self-test"),
    ("get", "/v1/providers"),
    ("post", "/v1/providers"),
    ("get", "/v1/providers/registered"),
    ("get", "/v1/providers/{id}"),
    ("delete", "/v1/providers/{id}"),
    ("get", "/v1/providers/{id}/capabilities"),
    ("get", "/v1/capabilities"),
    ("post", "/v1/providers/query"),
    ("post", "/v1/providers/query/best"),
    ("post", "/v1/providers/{id}/keys"),
    ("post", "/v1/providers/{id}/keys/import"),
    ("post", "/v1/keys/register"),
    ("get", "/v1/inventory"),
    ("get", "/v1/compliance/report"),
    ("get", "/v1/pqc/readiness"),
    ("post", "/v1/discovery/scans"),
    ("get", "/v1/discovery/scans"),
    ("get", "/v1/discovery/scans/{id}"),
    ("delete", "/v1/discovery/schedules/{schedule}"),
    ("get", "/v1/audit/sinks"),
    ("get", "/v1/alerts"),
    ("post", "/v1/alerts/{id}/ack"),
    ("post", "/v1/keys/{key}/csr"),
    ("post", "/v1/keys/{key}/self-signed"),
    ("post", "/v1/cas"),
    ("post", "/v1/cas/import"),
    ("get", "/v1/cas"),
    ("get", "/v1/cas/{ca}"),
    ("get", "/v1/cas/{ca}/certificate"),
    ("get", "/v1/cas/{ca}/crl"),
    ("post", "/v1/cas/{ca}/sign"),
    ("post", "/v1/cas/{ca}/issue"),
    ("get", "/v1/certificates"),
    ("post", "/v1/certificates/import"),
    ("get", "/v1/certificates/{id}"),
    ("get", "/v1/certificates/{id}/export"),
    ("post", "/v1/certificates/{id}/revoke"),
    ("post", "/v1/cas/{ca}/ocsp"),
    ("post", "/v1/secrets"),
    ("get", "/v1/secrets"),
    ("get", "/v1/secrets/{id}"),
    ("delete", "/v1/secrets/{id}"),
    ("get", "/v1/secrets/{id}/payload"),
    ("put", "/v1/secrets/{id}/payload"),
    ("put", "/v1/secrets/{id}/metadata"),
    ("post", "/v1/certificates/{id}/pkcs12"),
    ("get", "/v1/keys/{key}/policy"),
    ("put", "/v1/keys/{key}/policy"),
    ("get", "/v1/key-policy"),
    ("put", "/v1/key-policy"),
    ("get", "/v1/requests/{id}"),
    ("get", "/v1/approvals/tasks"),
    ("post", "/v1/approvals/{id}/approve"),
    ("post", "/v1/approvals/{id}/deny"),
    ("put", "/v1/approvers/me/key"),
    ("get", "/v1/approver-groups"),
    ("get", "/v1/approver-groups/{name}"),
    ("put", "/v1/approver-groups/{name}"),
    ("delete", "/v1/approver-groups/{name}"),
];

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tresor KMS",
        description = "Key management REST API. Authenticate with `Authorization: Bearer <api key>` \
            or a TLS client certificate; pick a tenant with `X-Tresor-Tenant` (default: the \
            credential's own). Binary fields are standard base64. Errors are \
            `{\"error\":{\"code\",\"message\",\"request_id\"}}`."
    ),
    paths(
        ops::healthz, ops::readyz, ops::metrics,
        people::setup_status, people::setup, people::login, people::mfa, people::logout,
        people::reauth,
        people::me, people::switch_tenant, people::list_users, people::create_user,
        people::get_user, people::update_user, people::delete_user, people::set_role,
        people::reset_password, people::change_password, people::enroll_totp,
        people::confirm_totp, people::disable_totp, people::list_sessions,
        people::revoke_session,
        keys::create_key, keys::list_keys, keys::import_key, keys::get_key, keys::update_key,
        keys::public_key, keys::wrapping_key, keys::jwks,
        lifecycle::rotate, lifecycle::enable, lifecycle::disable, lifecycle::revoke,
        lifecycle::schedule_destroy, lifecycle::cancel_destroy, lifecycle::destroy,
        lifecycle::enable_version, lifecycle::disable_version,
        crypto::encrypt, crypto::decrypt, crypto::decrypt_envelope, crypto::reencrypt,
        crypto::datakey, crypto::sign, crypto::verify, crypto::mac, crypto::mac_verify,
        crypto::wrap, crypto::unwrap, crypto::agree, crypto::encapsulate, crypto::decapsulate,
        batch::encrypt_batch, batch::decrypt_batch, batch::sign_batch, batch::random,
        admin::create_tenant, admin::list_tenants, admin::get_tenant,
        crypto_policy::get_policy, crypto_policy::put_policy,
        admin::create_api_key, admin::list_api_keys, admin::revoke_api_key,
        admin::put_cert_principal, admin::list_cert_principals, admin::delete_cert_principal,
        admin::list_audit, admin::verify_audit,
        evidence::create_checkpoint, evidence::list_checkpoints, evidence::audit_keys,
        evidence::export, evidence::self_test,
        providers::list_providers, providers::get_provider, providers::capabilities,
        providers::all_capabilities, providers::query, providers::query_best,
        providers::create_key, providers::import_key, providers::register_key,
        providers::register_provider, providers::list_registered, providers::unregister_provider,
        reports::inventory, reports::compliance_report, reports::pqc_readiness,
        discovery::create_scan, discovery::list_scans, discovery::get_scan,
        discovery::stop_schedule,
        siem::list_sinks, alerts::list_alerts, alerts::ack_alert,
        pki::create_csr, pki::self_signed, pki::create_ca, pki::list_cas, pki::get_ca,
        pki::import_ca, pki::ca_certificate, pki::ca_crl, pki::sign_csr, pki::issue, pki::list_certificates,
        pki::import_certificates, pki::get_certificate, pki::export_certificate,
        pki::revoke_certificate, pki::ocsp,
        secrets::create_secret, secrets::list_secrets, secrets::get_secret,
        secrets::get_payload, secrets::put_payload, secrets::put_metadata,
        secrets::delete_secret,
        pki_p12::export_pkcs12,
        approvals::get_policy, approvals::put_policy, approvals::get_request,
        approvals::get_default_policy, approvals::put_default_policy,
        approvals::tasks, approvals::approve, approvals::deny, approvals::put_approver_key,
        approvals::list_groups, approvals::get_group, approvals::put_group, approvals::delete_group,
    ),
    components(schemas(tresor_api::ErrorResponse, tresor_api::ErrorBody)),
    modifiers(&Security),
    tags(
        (name = "keys", description = "Key management"),
        (name = "lifecycle", description = "Key states and versions"),
        (name = "crypto", description = "Cryptographic operations"),
        (name = "admin", description = "Tenants and credentials"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "ops", description = "Health, readiness and metrics"),
        (name = "providers", description = "Key providers (software, HSM) and their capabilities"),
        (name = "reports", description = "Inventory (JSON, CSV, CycloneDX CBOM), compliance and post-quantum readiness"),
        (name = "discovery", description = "TLS endpoint discovery scans"),
        (name = "alerts", description = "Conditions that need attention, and their acknowledgement"),
        (name = "pki", description = "Certificates, CAs, issuance, revocation and CRLs"),
        (name = "approvals", description = "Dual control: key policies, M-of-N approval requests and approver tasks"),
        (name = "people", description = "Users, sign-in, sessions and two-factor authentication"),
        (name = "secrets", description = "Stored secrets: payloads encrypted at rest, handed back to authorized callers"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// Adds bearer authentication and the tenant header to every `/v1` route.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A Tresor API key"))
                    .build(),
            ),
        );
        let requirement =
            utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new());
        let tenant = ParameterBuilder::new()
            .name("X-Tresor-Tenant")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Tenant to act in (default: the credential's own; others need platform admin)",
            ))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build();
        for (path, item) in doc.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") {
                continue;
            }
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                op.security = Some(vec![requirement.clone()]);
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(tenant.clone());
            }
        }
    }
}

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation<'a>(
        doc: &'a utoipa::openapi::OpenApi,
        method: &str,
        path: &str,
    ) -> Option<&'a utoipa::openapi::path::Operation> {
        let item = doc.paths.paths.get(path)?;
        match method {
            "get" => item.get.as_ref(),
            "post" => item.post.as_ref(),
            "patch" => item.patch.as_ref(),
            "delete" => item.delete.as_ref(),
            "put" => item.put.as_ref(),
            _ => None,
        }
    }

    #[test]
    fn every_route_is_documented_with_schemas() {
        let doc = document();
        for (method, path) in ROUTES {
            let op = operation(&doc, method, path)
                .unwrap_or_else(|| panic!("{method} {path} missing from the OpenAPI document"));
            assert!(!op.responses.responses.is_empty(), "{method} {path}");
            assert!(op.security.is_some(), "{method} {path}");
        }
    }

    #[test]
    fn every_documented_v1_route_is_listed() {
        let doc = document();
        for (path, item) in &doc.paths.paths {
            if !path.starts_with("/v1/") {
                continue;
            }
            for (method, present) in [
                ("get", item.get.is_some()),
                ("post", item.post.is_some()),
                ("patch", item.patch.is_some()),
                ("delete", item.delete.is_some()),
                ("put", item.put.is_some()),
            ] {
                if present {
                    assert!(
                        ROUTES.contains(&(method, path.as_str()))
                            || ANONYMOUS_ROUTES.contains(&(method, path.as_str())),
                        "{method} {path} documented but not in ROUTES"
                    );
                }
            }
        }
    }

    #[test]
    fn document_is_openapi_3_1_json() {
        let json = document().to_json().unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(v["openapi"].as_str().is_some_and(|s| s.starts_with("3.1")));
        assert!(v["components"]["schemas"]["KeyResponse"].is_object());
        assert!(v["components"]["schemas"]["EncryptRequest"].is_object());
    }
}
