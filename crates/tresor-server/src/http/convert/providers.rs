//! Provider registry conversions: service provider infos and capability
//! reports to wire bodies, query and register bodies to service requests.

use tresor_api as api;
use tresor_core::{ProviderCapabilities, ProviderId};
use tresor_service::types::KeySpec;
use tresor_service::{ProviderInfo, ProviderQuery, ServiceError};

use super::{create_spec, parse_algorithm, parse_operations, parse_provider};

/// A provider listing entry.
pub fn provider_response(p: ProviderInfo) -> api::ProviderResponse {
    api::ProviderResponse {
        id: p.id.to_string(),
        kind: p.kind.to_owned(),
        default: p.default,
        hardware_backed: p.hardware_backed,
        health: if p.healthy { "up" } else { "down" }.to_owned(),
    }
}

/// A capability report.
pub fn capabilities_response(
    id: &ProviderId,
    c: ProviderCapabilities,
) -> api::CapabilitiesResponse {
    api::CapabilitiesResponse {
        provider: id.to_string(),
        algorithms: c
            .algorithms
            .iter()
            .map(|(a, ops)| {
                (
                    a.as_str().to_owned(),
                    ops.iter().map(|o| o.as_str().to_owned()).collect(),
                )
            })
            .collect(),
        hardware_backed: c.hardware_backed,
        extractable: c.extractable,
        fips: c.fips,
    }
}

/// `POST /v1/providers/query` body.
pub fn provider_query(r: api::ProviderQueryRequest) -> Result<ProviderQuery, ServiceError> {
    Ok(ProviderQuery {
        algorithm: parse_algorithm(&r.algorithm)?,
        operations: r.operations.as_deref().map(parse_operations).transpose()?,
    })
}

/// Forces the provider of a `/v1/providers/{id}/keys...` body: a body that
/// names another provider is refused rather than overridden.
pub fn force_provider(body: &mut Option<String>, id: &ProviderId) -> Result<(), ServiceError> {
    match body.as_deref() {
        Some(p) if p != id.as_str() => Err(ServiceError::invalid(
            "provider",
            "the body names another provider than the path",
        )),
        _ => {
            *body = Some(id.to_string());
            Ok(())
        }
    }
}

/// `POST /v1/keys/register` body → key spec (provider set) and label.
pub fn register_spec(r: api::RegisterKeyRequest) -> Result<(KeySpec, String), ServiceError> {
    let provider = parse_provider(&r.provider)?;
    let spec = create_spec(api::CreateKeyRequest {
        algorithm: r.algorithm,
        alias: r.alias,
        description: r.description,
        operations: r.operations,
        tags: r.tags,
        provider: Some(provider.to_string()),
        ..Default::default()
    })?;
    Ok((spec, r.label))
}
