//! The REST front door: an axum [`Router`] over the service. Handlers are
//! thin (wire body → service request → one `Kms` call → wire response);
//! authorization, tenant isolation, lifecycle rules and audit all live in
//! the service. See [`openapi::ROUTES`] for the route table.

mod admin;
pub mod alerts;
mod approvals;
pub mod barbican;
mod batch;
mod convert;
mod crypto;
mod crypto_policy;
mod discovery;
pub mod error;
mod evidence;
pub mod extract;
mod keys;
mod kmip;
mod lifecycle;
pub mod openapi;
mod ops;
pub mod people;
mod pki;
mod pki_p12;
mod pki_public;
mod providers;
mod public_limit;
mod reports;
mod secrets;
mod siem;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_approvals;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_providers;
#[cfg(test)]
mod tests_routes;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, post, put};
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_swagger_ui::SwaggerUi;

pub use error::AppError;
pub use ops::REQUEST_ID_HEADER;

use crate::state::AppState;

/// The whole HTTP app.
pub fn app(state: AppState) -> Router {
    let keys = Router::new()
        .route("/v1/keys", post(keys::create_key).get(keys::list_keys))
        .route("/v1/keys/import", post(keys::import_key))
        .route("/v1/keys/{key}", get(keys::get_key).patch(keys::update_key))
        .route("/v1/keys/{key}/public", get(keys::public_key))
        .route("/v1/wrapping-key", get(keys::wrapping_key))
        .route("/v1/jwks", get(keys::jwks))
        .route("/v1/keys/{key}/rotate", post(lifecycle::rotate))
        .route(
            "/v1/keys/{key}/policy",
            get(approvals::get_policy).put(approvals::put_policy),
        )
        .route(
            "/v1/key-policy",
            get(approvals::get_default_policy).put(approvals::put_default_policy),
        )
        .route("/v1/requests/{id}", get(approvals::get_request))
        .route("/v1/approvals/tasks", get(approvals::tasks))
        .route("/v1/approver-groups", get(approvals::list_groups))
        .route(
            "/v1/approver-groups/{name}",
            get(approvals::get_group)
                .put(approvals::put_group)
                .delete(approvals::delete_group),
        )
        .route("/v1/approvals/{id}/approve", post(approvals::approve))
        .route("/v1/approvals/{id}/deny", post(approvals::deny))
        .route("/v1/approvers/me/key", put(approvals::put_approver_key))
        .route("/v1/keys/{key}/enable", post(lifecycle::enable))
        .route("/v1/keys/{key}/disable", post(lifecycle::disable))
        .route("/v1/keys/{key}/revoke", post(lifecycle::revoke))
        .route(
            "/v1/keys/{key}/schedule-destroy",
            post(lifecycle::schedule_destroy),
        )
        .route(
            "/v1/keys/{key}/cancel-destroy",
            post(lifecycle::cancel_destroy),
        )
        .route("/v1/keys/{key}/destroy", post(lifecycle::destroy))
        .route(
            "/v1/keys/{key}/versions/{n}/enable",
            post(lifecycle::enable_version),
        )
        .route(
            "/v1/keys/{key}/versions/{n}/disable",
            post(lifecycle::disable_version),
        );
    let crypto = Router::new()
        .route("/v1/keys/{key}/encrypt", post(crypto::encrypt))
        .route("/v1/keys/{key}/decrypt", post(crypto::decrypt))
        .route("/v1/keys/{key}/reencrypt", post(crypto::reencrypt))
        .route("/v1/keys/{key}/datakey", post(crypto::datakey))
        .route("/v1/keys/{key}/sign", post(crypto::sign))
        .route("/v1/keys/{key}/verify", post(crypto::verify))
        .route("/v1/keys/{key}/mac", post(crypto::mac))
        .route("/v1/keys/{key}/mac-verify", post(crypto::mac_verify))
        .route("/v1/keys/{key}/wrap", post(crypto::wrap))
        .route("/v1/keys/{key}/unwrap", post(crypto::unwrap))
        .route("/v1/keys/{key}/agree", post(crypto::agree))
        .route("/v1/keys/{key}/encapsulate", post(crypto::encapsulate))
        .route("/v1/keys/{key}/decapsulate", post(crypto::decapsulate))
        .route("/v1/keys/{key}/encrypt/batch", post(batch::encrypt_batch))
        .route("/v1/keys/{key}/decrypt/batch", post(batch::decrypt_batch))
        .route("/v1/keys/{key}/sign/batch", post(batch::sign_batch))
        .route("/v1/decrypt", post(crypto::decrypt_envelope))
        .route("/v1/random", post(batch::random));
    let admin = Router::new()
        .route(
            "/v1/tenants",
            post(admin::create_tenant).get(admin::list_tenants),
        )
        .route("/v1/tenants/{id}", get(admin::get_tenant))
        .route(
            "/v1/tenants/{id}/crypto-policy",
            get(crypto_policy::get_policy).put(crypto_policy::put_policy),
        )
        .route(
            "/v1/api-keys",
            post(admin::create_api_key).get(admin::list_api_keys),
        )
        .route("/v1/api-keys/{id}", delete(admin::revoke_api_key))
        .route(
            "/v1/cert-principals",
            post(admin::put_cert_principal).get(admin::list_cert_principals),
        )
        .route(
            "/v1/cert-principals/{subject_cn}",
            delete(admin::delete_cert_principal),
        )
        .route("/v1/audit", get(admin::list_audit))
        .route("/v1/audit/verify", post(admin::verify_audit));
    let providers = Router::new()
        .route(
            "/v1/providers",
            get(providers::list_providers).post(providers::register_provider),
        )
        .route("/v1/providers/registered", get(providers::list_registered))
        .route(
            "/v1/providers/{id}",
            get(providers::get_provider).delete(providers::unregister_provider),
        )
        .route(
            "/v1/providers/{id}/capabilities",
            get(providers::capabilities),
        )
        .route("/v1/providers/{id}/keys", post(providers::create_key))
        .route(
            "/v1/providers/{id}/keys/import",
            post(providers::import_key),
        )
        .route("/v1/providers/query", post(providers::query))
        .route("/v1/providers/query/best", post(providers::query_best))
        .route("/v1/capabilities", get(providers::all_capabilities))
        .route("/v1/keys/register", post(providers::register_key));
    let kmip = Router::new()
        .route("/kmip", post(kmip::kmip))
        .route("/kmip/2_1", post(kmip::kmip_2_1));
    let evidence = Router::new()
        .route(
            "/v1/audit/checkpoints",
            post(evidence::create_checkpoint).get(evidence::list_checkpoints),
        )
        .route("/v1/audit/keys", get(evidence::audit_keys))
        .route("/v1/audit/export", get(evidence::export))
        .route("/v1/self-test", get(evidence::self_test))
        .route("/v1/audit/sinks", get(siem::list_sinks))
        .route("/v1/alerts", get(alerts::list_alerts))
        .route("/v1/alerts/{id}/ack", post(alerts::ack_alert));
    let reports = Router::new()
        .route("/v1/inventory", get(reports::inventory))
        .route("/v1/compliance/report", get(reports::compliance_report))
        .route("/v1/pqc/readiness", get(reports::pqc_readiness))
        .route(
            "/v1/discovery/scans",
            post(discovery::create_scan).get(discovery::list_scans),
        )
        .route("/v1/discovery/scans/{id}", get(discovery::get_scan))
        .route(
            "/v1/discovery/schedules/{schedule}",
            delete(discovery::stop_schedule),
        );
    let pki = Router::new()
        .route("/v1/keys/{key}/csr", post(pki::create_csr))
        .route("/v1/keys/{key}/self-signed", post(pki::self_signed))
        .route("/v1/cas", post(pki::create_ca).get(pki::list_cas))
        .route("/v1/cas/import", post(pki::import_ca))
        .route("/v1/cas/{ca}", get(pki::get_ca))
        .route("/v1/cas/{ca}/certificate", get(pki::ca_certificate))
        .route("/v1/cas/{ca}/crl", get(pki::ca_crl))
        .route("/v1/cas/{ca}/sign", post(pki::sign_csr))
        .route("/v1/cas/{ca}/issue", post(pki::issue))
        .route("/v1/cas/{ca}/ocsp", post(pki::ocsp))
        .route("/v1/certificates", get(pki::list_certificates))
        .route("/v1/certificates/import", post(pki::import_certificates))
        .route("/v1/certificates/{id}", get(pki::get_certificate))
        .route("/v1/certificates/{id}/export", get(pki::export_certificate))
        .route(
            "/v1/certificates/{id}/revoke",
            post(pki::revoke_certificate),
        )
        .route("/v1/certificates/{id}/pkcs12", post(pki_p12::export_pkcs12));
    let secrets = Router::new()
        .route(
            "/v1/secrets",
            post(secrets::create_secret).get(secrets::list_secrets),
        )
        .route(
            "/v1/secrets/{id}",
            get(secrets::get_secret).delete(secrets::delete_secret),
        )
        .route(
            "/v1/secrets/{id}/payload",
            get(secrets::get_payload).put(secrets::put_payload),
        )
        .route("/v1/secrets/{id}/metadata", put(secrets::put_metadata));
    let ops = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics));
    let docs = SwaggerUi::new("/v1/docs").url("/v1/openapi.json", openapi::document());

    Router::new()
        .merge(keys)
        .merge(crypto)
        .merge(admin)
        .merge(evidence)
        .merge(providers)
        .merge(reports)
        .merge(ops)
        .merge(kmip)
        .merge(pki)
        .merge(secrets)
        .merge(docs)
        .merge(pki_public::routes())
        .merge(people::routes())
        .merge(crate::console::routes())
        .merge(barbican::routes())
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .layer(CatchPanicLayer::custom(ops::panic_response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            ops::request_context,
        ))
        .with_state(state)
}
