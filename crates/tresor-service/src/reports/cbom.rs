//! The inventory as a CycloneDX 1.6 CBOM (cryptography bill of materials):
//! one `algorithm` asset per algorithm, primitive and execution environment
//! in use, and one `related-crypto-material` asset per key referring to it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use tresor_core::{Algorithm, KeyClass, KeyState, Operation};

use super::inventory::{Inventory, InventoryItem};

/// The CycloneDX spec version emitted.
pub const SPEC_VERSION: &str = "1.6";

/// Dotted OID of an algorithm (curve OID for EC keys).
pub fn oid(alg: Algorithm) -> Option<&'static str> {
    Some(match alg {
        Algorithm::Aes128Gcm => "2.16.840.1.101.3.4.1.6",
        Algorithm::Aes256Gcm => "2.16.840.1.101.3.4.1.46",
        Algorithm::ChaCha20Poly1305 => "1.2.840.113549.1.9.16.3.18",
        Algorithm::HmacSha256 => "1.2.840.113549.2.9",
        Algorithm::HmacSha384 => "1.2.840.113549.2.10",
        Algorithm::HmacSha512 => "1.2.840.113549.2.11",
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => "1.2.840.113549.1.1.1",
        Algorithm::EcP256 => "1.2.840.10045.3.1.7",
        Algorithm::EcP384 => "1.3.132.0.34",
        Algorithm::EcP521 => "1.3.132.0.35",
        Algorithm::Ed25519 => "1.3.101.112",
        Algorithm::X25519 => "1.3.101.110",
        Algorithm::MlKem768 => "2.16.840.1.101.3.4.4.2",
        Algorithm::MlKem1024 => "2.16.840.1.101.3.4.4.3",
        Algorithm::MlDsa44 => "2.16.840.1.101.3.4.3.17",
        Algorithm::MlDsa65 => "2.16.840.1.101.3.4.3.18",
        Algorithm::MlDsa87 => "2.16.840.1.101.3.4.3.19",
        _ => return None,
    })
}

/// Classical security in bits (NIST SP 800-57 Part 1 Table 2).
pub fn classical_bits(alg: Algorithm) -> u32 {
    match alg {
        Algorithm::Rsa2048 => 112,
        Algorithm::Rsa3072 | Algorithm::EcP256 | Algorithm::Ed25519 | Algorithm::X25519 => 128,
        Algorithm::Rsa4096 => 152,
        Algorithm::EcP384 => 192,
        Algorithm::EcP521 => 256,
        other => other.bits(),
    }
}

/// NIST post-quantum security category (0: broken by a quantum computer).
pub fn nist_quantum_level(alg: Algorithm) -> u8 {
    match alg {
        Algorithm::Aes128Gcm => 1,
        Algorithm::MlDsa44 => 2,
        Algorithm::MlKem768 | Algorithm::MlDsa65 => 3,
        Algorithm::Aes256Gcm
        | Algorithm::ChaCha20Poly1305
        | Algorithm::HmacSha256
        | Algorithm::HmacSha384
        | Algorithm::HmacSha512
        | Algorithm::MlKem1024
        | Algorithm::MlDsa87 => 5,
        _ => 0,
    }
}

/// The CycloneDX primitive of a key: what it is used for.
fn primitive(alg: Algorithm, ops: &[Operation]) -> &'static str {
    let has = |o: Operation| ops.contains(&o);
    match alg.class() {
        KeyClass::Symmetric => "ae",
        KeyClass::Mac => "mac",
        KeyClass::Kem => "kem",
        KeyClass::Montgomery => "key-agree",
        KeyClass::Edwards | KeyClass::PqSignature => "signature",
        KeyClass::Ec if has(Operation::Agree) && !has(Operation::Sign) => "key-agree",
        KeyClass::Ec => "signature",
        KeyClass::Rsa if has(Operation::Sign) || has(Operation::Verify) => "signature",
        KeyClass::Rsa => "pke",
        _ => "unknown",
    }
}

fn crypto_function(op: Operation) -> &'static str {
    match op {
        Operation::Encrypt | Operation::Wrap => "encrypt",
        Operation::Decrypt | Operation::Unwrap => "decrypt",
        Operation::Sign => "sign",
        Operation::Verify => "verify",
        Operation::Mac | Operation::MacVerify => "tag",
        Operation::Agree => "keyderive",
        Operation::Encapsulate => "encapsulate",
        Operation::Decapsulate => "decapsulate",
        _ => "other",
    }
}

fn parameter_set(alg: Algorithm) -> Option<&'static str> {
    match alg {
        Algorithm::Aes128Gcm => Some("128"),
        Algorithm::Aes256Gcm | Algorithm::ChaCha20Poly1305 => Some("256"),
        Algorithm::Rsa2048 => Some("2048"),
        Algorithm::Rsa3072 => Some("3072"),
        Algorithm::Rsa4096 => Some("4096"),
        Algorithm::MlKem768 => Some("768"),
        Algorithm::MlKem1024 => Some("1024"),
        Algorithm::MlDsa44 => Some("44"),
        Algorithm::MlDsa65 => Some("65"),
        Algorithm::MlDsa87 => Some("87"),
        _ => None,
    }
}

fn curve(alg: Algorithm) -> Option<&'static str> {
    match alg {
        Algorithm::EcP256 => Some("secp256r1"),
        Algorithm::EcP384 => Some("secp384r1"),
        Algorithm::EcP521 => Some("secp521r1"),
        Algorithm::Ed25519 => Some("Ed25519"),
        Algorithm::X25519 => Some("Curve25519"),
        _ => None,
    }
}

fn with_oid(crypto: &mut Value, alg: Algorithm) {
    if let (Some(obj), Some(oid)) = (crypto.as_object_mut(), oid(alg)) {
        obj.insert("oid".into(), json!(oid));
    }
}

fn material_state(s: KeyState) -> &'static str {
    match s {
        KeyState::PreActive => "pre-activation",
        KeyState::Active => "active",
        KeyState::Suspended => "suspended",
        KeyState::Deactivated => "deactivated",
        KeyState::Compromised => "compromised",
        KeyState::Destroyed | KeyState::DestroyedCompromised => "destroyed",
        _ => "other",
    }
}

fn environment(i: &InventoryItem) -> &'static str {
    if i.hardware_backed {
        "hardware"
    } else {
        "software-plain-ram"
    }
}

/// (algorithm, primitive, environment): one algorithm asset each.
type AlgSlot = (Algorithm, &'static str, &'static str);

fn algorithm_ref(slot: &AlgSlot) -> String {
    format!("crypto/algorithm/{}/{}/{}", slot.0.as_str(), slot.1, slot.2)
}

fn algorithm_component(slot: &AlgSlot, functions: &BTreeSet<&'static str>) -> Value {
    let (alg, prim, env) = *slot;
    let mut props = serde_json::Map::new();
    props.insert("primitive".into(), json!(prim));
    if let Some(p) = parameter_set(alg) {
        props.insert("parameterSetIdentifier".into(), json!(p));
    }
    if let Some(c) = curve(alg) {
        props.insert("curve".into(), json!(c));
    }
    if matches!(alg, Algorithm::Aes128Gcm | Algorithm::Aes256Gcm) {
        props.insert("mode".into(), json!("gcm"));
    }
    if prim == "pke" {
        props.insert("padding".into(), json!("oaep"));
    }
    props.insert("executionEnvironment".into(), json!(env));
    props.insert("cryptoFunctions".into(), json!(functions));
    props.insert("classicalSecurityLevel".into(), json!(classical_bits(alg)));
    props.insert(
        "nistQuantumSecurityLevel".into(),
        json!(nist_quantum_level(alg)),
    );
    let mut crypto = json!({
        "assetType": "algorithm",
        "algorithmProperties": Value::Object(props),
    });
    with_oid(&mut crypto, alg);
    json!({
        "type": "cryptographic-asset",
        "bom-ref": algorithm_ref(slot),
        "name": alg.as_str().to_uppercase(),
        "cryptoProperties": crypto,
    })
}

fn key_component(i: &InventoryItem, alg_ref: String) -> Value {
    let material_type = if i.algorithm.is_asymmetric() {
        "private-key"
    } else {
        "secret-key"
    };
    let secured_by = if i.hardware_backed {
        format!(
            "held in hardware provider {} ({})",
            i.provider, i.provider_kind
        )
    } else {
        format!(
            "wrapped at rest by provider {} ({}) under the tenant key and root key",
            i.provider, i.provider_kind
        )
    };
    let mut props = json!({
        "type": material_type,
        "id": i.id,
        "state": material_state(i.state),
        "algorithmRef": alg_ref,
        "creationDate": i.created_at.to_rfc3339(),
        "updateDate": i.last_rotated_at.to_rfc3339(),
        "size": i.size_bits,
        "securedBy": { "mechanism": secured_by },
    });
    let properties: Vec<Value> = [
        ("tresor:provider", i.provider.clone()),
        ("tresor:primary_version", i.primary_version.to_string()),
        ("tresor:exportable", i.exportable.to_string()),
        (
            "tresor:quantum_vulnerable",
            i.quantum_vulnerable.to_string(),
        ),
    ]
    .into_iter()
    .map(|(n, v)| json!({"name": n, "value": v}))
    .collect();
    if let Some(obj) = props.as_object_mut()
        && i.origin != "generated"
    {
        obj.insert("format".into(), json!(i.origin));
    }
    let mut crypto = json!({
        "assetType": "related-crypto-material",
        "relatedCryptoMaterialProperties": props,
    });
    with_oid(&mut crypto, i.algorithm);
    json!({
        "type": "cryptographic-asset",
        "bom-ref": format!("crypto/key/{}", i.id),
        "name": i.name.clone().unwrap_or_else(|| i.id.clone()),
        "cryptoProperties": crypto,
        "properties": properties,
    })
}

fn certificate_component(
    leaf: &tresor_core::discovery::CertInfo,
    bom_ref: String,
    extra: Vec<(&'static str, String)>,
) -> Value {
    let props: Vec<Value> = [
        ("tresor:key", format!("{} {}", leaf.key_type, leaf.key_bits)),
        (
            "tresor:signature_algorithm",
            leaf.signature_algorithm.clone(),
        ),
    ]
    .into_iter()
    .chain(extra)
    .map(|(n, v)| json!({"name": n, "value": v}))
    .collect();
    json!({
        "type": "cryptographic-asset",
        "bom-ref": bom_ref,
        "name": leaf.subject,
        "cryptoProperties": {
            "assetType": "certificate",
            "certificateProperties": {
                "subjectName": leaf.subject,
                "issuerName": leaf.issuer,
                "notValidBefore": leaf.not_before.to_rfc3339(),
                "notValidAfter": leaf.not_after.to_rfc3339(),
                "certificateFormat": "X.509",
                "certificateExtension": "crt",
            }
        },
        "properties": props,
    })
}

fn endpoint_component(e: &super::inventory::EndpointAsset) -> Option<Value> {
    let r = &e.result;
    let leaf = r.chain.first()?;
    Some(certificate_component(
        leaf,
        format!("crypto/certificate/{}/{}:{}", leaf.sha256, r.host, r.port),
        vec![
            ("tresor:endpoint", format!("{}:{}", r.host, r.port)),
            ("tresor:tls_versions", r.tls_versions.join(" ")),
            ("tresor:findings", e.findings.join(" ")),
            (
                "tresor:quantum_vulnerable",
                e.quantum_vulnerable.to_string(),
            ),
        ],
    ))
}

fn stored_component(c: &super::inventory::CertificateAsset) -> Value {
    let s = &c.stored;
    certificate_component(
        &s.info,
        format!("crypto/certificate/{}", s.id),
        vec![
            ("tresor:certificate", s.id.clone()),
            ("tresor:origin", s.origin.clone()),
            ("tresor:findings", c.findings.join(" ")),
            (
                "tresor:quantum_vulnerable",
                c.quantum_vulnerable.to_string(),
            ),
        ],
    )
}

/// Renders the inventory as a CycloneDX 1.6 JSON document. `serial` is a
/// UUID for `serialNumber`.
pub fn render(inv: &Inventory, serial: &str, tool_version: &str) -> Value {
    let mut algorithms: BTreeMap<AlgSlot, BTreeSet<&'static str>> = BTreeMap::new();
    let mut keys = Vec::with_capacity(inv.items.len());
    for i in &inv.items {
        let slot = (
            i.algorithm,
            primitive(i.algorithm, &i.operations),
            environment(i),
        );
        let functions = algorithms.entry(slot).or_default();
        functions.insert("keygen");
        functions.extend(i.operations.iter().map(|o| crypto_function(*o)));
        keys.push(key_component(i, algorithm_ref(&slot)));
    }
    let mut components: Vec<Value> = algorithms
        .iter()
        .map(|(slot, f)| algorithm_component(slot, f))
        .collect();
    components.extend(keys);
    components.extend(inv.endpoints.iter().filter_map(endpoint_component));
    components.extend(inv.certificates.iter().map(stored_component));
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": format!("urn:uuid:{serial}"),
        "version": 1,
        "metadata": {
            "timestamp": inv.generated_at.to_rfc3339(),
            "tools": { "components": [
                { "type": "application", "name": "tresor", "version": tool_version }
            ]},
            "component": {
                "type": "application",
                "bom-ref": format!("tresor/tenant/{}", inv.tenant),
                "name": format!("tresor tenant {}", inv.tenant),
            },
            "properties": [
                { "name": "tresor:truncated", "value": inv.truncated.to_string() }
            ],
        },
        "components": components,
    })
}
