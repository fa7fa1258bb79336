//! Key management conversions: create/import/update requests to service
//! specs, key records to `KeyResponse`, rotation periods, revocation reasons.

use std::collections::BTreeSet;

use tresor_api as api;
use tresor_core::{Algorithm, Alias, KeyRecord, KeyState, Operation, ProviderId, RevocationReason};
use tresor_service::ServiceError;
use tresor_service::types::{ImportMaterial, KeyDetails, KeySpec, KeyUpdate, VersionInfo};

use super::{excerpt, opt_ts, secret, ts};

/// Parses an algorithm name (`unsupported_algorithm` when unknown).
pub fn parse_algorithm(s: &str) -> Result<Algorithm, ServiceError> {
    s.parse()
        .map_err(|_| ServiceError::UnsupportedAlgorithm(excerpt(s)))
}

/// Parses a key state name.
pub fn parse_state(s: &str) -> Result<KeyState, ServiceError> {
    KeyState::parse(s).ok_or_else(|| {
        ServiceError::invalid(
            "state",
            "expected pre-active, active, suspended, deactivated, compromised, destroyed or destroyed-compromised",
        )
    })
}

fn parse_alias(s: &str) -> Result<Alias, ServiceError> {
    Alias::parse(s).map_err(|e| ServiceError::invalid("alias", e.to_string()))
}

pub fn parse_operations(ops: &[String]) -> Result<BTreeSet<Operation>, ServiceError> {
    ops.iter()
        .map(|o| {
            o.parse::<Operation>().map_err(|_| {
                ServiceError::invalid("operations", format!("unknown operation '{}'", excerpt(o)))
            })
        })
        .collect()
}

pub fn parse_provider(s: &str) -> Result<ProviderId, ServiceError> {
    ProviderId::parse(s).map_err(|e| ServiceError::invalid("provider", e.to_string()))
}

/// Parses a rotation period: `90d`, `12h`, `30m`, `3600s` or plain seconds.
pub fn parse_rotation_period(s: &str) -> Result<i64, ServiceError> {
    let bad = || {
        ServiceError::invalid(
            "rotation_period",
            "expected a positive duration such as 90d, 12h, 30m, 3600s or 3600",
        )
    };
    let s = s.trim();
    let (digits, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        Some(_) => (s, 's'),
        None => return Err(bad()),
    };
    let factor: i64 = match unit {
        'd' => 86_400,
        'h' => 3_600,
        'm' => 60,
        's' => 1,
        _ => return Err(bad()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    match n.checked_mul(factor) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(bad()),
    }
}

/// Parses a revocation reason (kebab-case).
pub fn parse_revocation_reason(s: &str) -> Result<RevocationReason, ServiceError> {
    Ok(match s {
        "unspecified" => RevocationReason::Unspecified,
        "key-compromise" => RevocationReason::KeyCompromise,
        "ca-compromise" => RevocationReason::CaCompromise,
        "affiliation-changed" => RevocationReason::AffiliationChanged,
        "superseded" => RevocationReason::Superseded,
        "cessation-of-operation" => RevocationReason::CessationOfOperation,
        "privilege-withdrawn" => RevocationReason::PrivilegeWithdrawn,
        _ => {
            return Err(ServiceError::invalid(
                "reason",
                "expected unspecified, key-compromise, ca-compromise, affiliation-changed, \
                 superseded, cessation-of-operation or privilege-withdrawn",
            ));
        }
    })
}

/// The wire name of a revocation reason.
pub fn revocation_reason_str(r: RevocationReason) -> &'static str {
    match r {
        RevocationReason::Unspecified => "unspecified",
        RevocationReason::KeyCompromise => "key-compromise",
        RevocationReason::CaCompromise => "ca-compromise",
        RevocationReason::AffiliationChanged => "affiliation-changed",
        RevocationReason::Superseded => "superseded",
        RevocationReason::CessationOfOperation => "cessation-of-operation",
        RevocationReason::PrivilegeWithdrawn => "privilege-withdrawn",
        _ => "unspecified",
    }
}

/// The fields create and import share.
struct CommonSpec {
    algorithm: String,
    alias: Option<String>,
    description: Option<String>,
    operations: Option<Vec<String>>,
    tags: Option<std::collections::BTreeMap<String, String>>,
    exportable: Option<bool>,
    publish_jwk: Option<bool>,
    rotation_period: Option<String>,
    provider: Option<String>,
    activate: Option<bool>,
}

fn spec(c: CommonSpec) -> Result<KeySpec, ServiceError> {
    let mut spec = KeySpec::new(parse_algorithm(&c.algorithm)?);
    spec.alias = c.alias.as_deref().map(parse_alias).transpose()?;
    spec.description = c.description.unwrap_or_default();
    spec.operations = c.operations.as_deref().map(parse_operations).transpose()?;
    spec.tags = c.tags.unwrap_or_default();
    spec.exportable = c.exportable.unwrap_or(false);
    spec.publish_jwk = c.publish_jwk.unwrap_or(false);
    spec.rotation_period_secs = c
        .rotation_period
        .as_deref()
        .map(parse_rotation_period)
        .transpose()?;
    spec.provider = c.provider.as_deref().map(parse_provider).transpose()?;
    spec.activate = c.activate.unwrap_or(true);
    Ok(spec)
}

/// `POST /v1/keys` body → key spec.
pub fn create_spec(r: api::CreateKeyRequest) -> Result<KeySpec, ServiceError> {
    spec(CommonSpec {
        algorithm: r.algorithm,
        alias: r.alias,
        description: r.description,
        operations: r.operations,
        tags: r.tags,
        exportable: r.exportable,
        publish_jwk: r.publish_jwk,
        rotation_period: r.rotation_period,
        provider: r.provider,
        activate: r.activate,
    })
}

/// `POST /v1/keys/import` body → key spec and material (exactly one of
/// `material` and `wrapped_material`).
pub fn import_spec(r: api::ImportKeyRequest) -> Result<(KeySpec, ImportMaterial), ServiceError> {
    let material = match (r.material, r.wrapped_material) {
        (Some(m), None) => ImportMaterial::Raw(secret(m)),
        (None, Some(w)) => ImportMaterial::Wrapped(w.into_inner()),
        _ => {
            return Err(ServiceError::invalid(
                "material",
                "give exactly one of material and wrapped_material",
            ));
        }
    };
    let spec = spec(CommonSpec {
        algorithm: r.algorithm,
        alias: r.alias,
        description: r.description,
        operations: r.operations,
        tags: r.tags,
        exportable: r.exportable,
        publish_jwk: r.publish_jwk,
        rotation_period: r.rotation_period,
        provider: r.provider,
        activate: None,
    })?;
    Ok((spec, material))
}

/// `PATCH /v1/keys/{key}` body → key update.
pub fn key_update(r: api::UpdateKeyRequest) -> Result<KeyUpdate, ServiceError> {
    Ok(KeyUpdate {
        alias: r
            .alias
            .map(|a| a.as_deref().map(parse_alias).transpose())
            .transpose()?,
        description: r.description,
        tags: r.tags,
        operations: r.operations.as_deref().map(parse_operations).transpose()?,
        rotation_period_secs: r
            .rotation_period
            .map(|p| p.as_deref().map(parse_rotation_period).transpose())
            .transpose()?,
        publish_jwk: r.publish_jwk,
        exportable: r.exportable,
    })
}

fn version_response(v: &VersionInfo) -> api::VersionResponse {
    api::VersionResponse {
        version: v.version,
        state: v.state.as_str().to_owned(),
        created_at: ts(v.created_at),
        destroyed_at: opt_ts(v.destroyed_at),
    }
}

/// A key record (and, for single-key responses, its versions) on the wire.
pub fn key_response(k: KeyRecord, versions: Option<&[VersionInfo]>) -> api::KeyResponse {
    api::KeyResponse {
        id: k.id.to_string(),
        tenant: k.tenant.to_string(),
        alias: k.alias.map(|a| a.to_string()),
        description: k.description,
        algorithm: k.algorithm.as_str().to_owned(),
        operations: k.operations.iter().map(|o| o.as_str().to_owned()).collect(),
        provider: k.provider.to_string(),
        state: k.state.as_str().to_owned(),
        primary_version: k.primary_version,
        versions: versions.map(|vs| vs.iter().map(version_response).collect()),
        tags: k.tags,
        exportable: k.exportable,
        publish_jwk: k.publish_jwk,
        origin: k.origin.as_str().to_owned(),
        rotation_period_seconds: k.rotation_period_secs,
        next_rotation_at: opt_ts(k.next_rotation_at),
        destroy_at: opt_ts(k.destroy_at),
        revocation_reason: k
            .revocation_reason
            .map(|r| revocation_reason_str(r).to_owned()),
        revocation_message: k.revocation_message,
        created_at: ts(k.created_at),
        updated_at: ts(k.updated_at),
        activated_at: opt_ts(k.activated_at),
        deactivated_at: opt_ts(k.deactivated_at),
        destroyed_at: opt_ts(k.destroyed_at),
    }
}

/// A key with its versions on the wire.
pub fn key_details(d: KeyDetails) -> api::KeyResponse {
    key_response(d.key, Some(&d.versions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_periods() {
        let ok = [
            ("90d", 90 * 86_400),
            ("12h", 43_200),
            ("30m", 1_800),
            ("3600s", 3_600),
            ("3600", 3_600),
            (" 7d ", 7 * 86_400),
        ];
        for (s, want) in ok {
            assert_eq!(parse_rotation_period(s).ok(), Some(want), "{s}");
        }
        for s in [
            "",
            "d",
            "0",
            "0d",
            "-5",
            "1.5h",
            "10w",
            "99999999999999999999d",
            "1 d",
            "+3",
        ] {
            assert!(parse_rotation_period(s).is_err(), "{s}");
        }
    }

    #[test]
    fn revocation_reasons_round_trip() {
        for s in [
            "unspecified",
            "key-compromise",
            "ca-compromise",
            "affiliation-changed",
            "superseded",
            "cessation-of-operation",
            "privilege-withdrawn",
        ] {
            let r = parse_revocation_reason(s).map(revocation_reason_str);
            assert_eq!(r.ok(), Some(s));
        }
        assert!(parse_revocation_reason("compromised").is_err());
    }

    #[test]
    fn unknown_algorithm_has_its_own_code() {
        let e = parse_algorithm("aes-512-gcm").err();
        assert_eq!(e.map(|e| e.code()), Some("unsupported_algorithm"));
    }

    #[test]
    fn import_needs_exactly_one_material() {
        let r = api::ImportKeyRequest {
            algorithm: "aes-256-gcm".into(),
            ..Default::default()
        };
        assert!(import_spec(r).is_err());
    }
}
