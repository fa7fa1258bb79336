//! The little DER the provider needs: SubjectPublicKeyInfo from token
//! attributes (RSA modulus/exponent, EC and Ed25519 points), ECDSA signature
//! conversion between the token's fixed r||s and DER, PKCS#1 DigestInfo
//! prefixes, and reading an RSA private key's components for import.

use tresor_core::{Algorithm, HashAlg};
use tresor_crypto::spki::{ALG_ID_P256, ALG_ID_P384, ALG_ID_P521, tlv};
pub use tresor_crypto::spki::{ecdsa_der_to_raw, ecdsa_raw_to_der, integer, read_tlv};

/// AlgorithmIdentifier of rsaEncryption with NULL parameters.
const ALG_ID_RSA: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
/// AlgorithmIdentifier of Ed25519 (RFC 8410).
const ALG_ID_ED25519: &[u8] = &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];

/// DER OID (`CKA_EC_PARAMS`) of each curve.
pub const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1.
pub const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
/// secp521r1.
pub const OID_P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
/// id-Ed25519.
pub const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];

/// `CKA_EC_PARAMS`, field size in bytes and SPKI AlgorithmIdentifier of an
/// EC or Edwards algorithm.
pub fn curve_params(alg: Algorithm) -> Option<(&'static [u8], usize, &'static [u8])> {
    Some(match alg {
        Algorithm::EcP256 => (OID_P256, 32, ALG_ID_P256),
        Algorithm::EcP384 => (OID_P384, 48, ALG_ID_P384),
        Algorithm::EcP521 => (OID_P521, 66, ALG_ID_P521),
        Algorithm::Ed25519 => (OID_ED25519, 32, ALG_ID_ED25519),
        _ => return None,
    })
}

fn spki_from(alg_id: &[u8], key: &[u8]) -> Vec<u8> {
    let mut bits = Vec::with_capacity(key.len() + 1);
    bits.push(0);
    bits.extend_from_slice(key);
    let mut body = alg_id.to_vec();
    body.extend_from_slice(&tlv(0x03, &bits));
    tlv(0x30, &body)
}

/// RSA SubjectPublicKeyInfo from `CKA_MODULUS` and `CKA_PUBLIC_EXPONENT`.
pub fn rsa_spki(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    let mut key = integer(modulus);
    key.extend_from_slice(&integer(exponent));
    spki_from(ALG_ID_RSA, &tlv(0x30, &key))
}

/// The public point inside `CKA_EC_POINT`, which tokens give either as a
/// DER OCTET STRING (the standard) or raw; `expected` is the point length.
pub fn ec_point(attr: &[u8], expected: usize) -> Option<&[u8]> {
    if attr.len() == expected {
        return Some(attr);
    }
    match read_tlv(attr)? {
        (0x04, point, []) if point.len() == expected => Some(point),
        _ => None,
    }
}

/// SubjectPublicKeyInfo of an EC (uncompressed point) or Ed25519 key.
pub fn curve_spki(alg: Algorithm, ec_point_attr: &[u8]) -> Option<Vec<u8>> {
    let (_, field, alg_id) = curve_params(alg)?;
    let expected = if alg == Algorithm::Ed25519 {
        field
    } else {
        1 + 2 * field
    };
    let point = ec_point(ec_point_attr, expected)?;
    if alg != Algorithm::Ed25519 && point.first() != Some(&0x04) {
        return None;
    }
    Some(spki_from(alg_id, point))
}

/// The DER DigestInfo prefix of a hash (PKCS#1 v1.5 signatures over a digest).
pub fn digest_info_prefix(hash: HashAlg) -> &'static [u8] {
    match hash {
        HashAlg::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        HashAlg::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
        _ => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
    }
}

/// The eight INTEGERs of an RSA private key (n, e, d, p, q, dP, dQ, qInv).
pub struct RsaComponents<'a>(pub [&'a [u8]; 8]);

/// Reads the components of a PKCS#8 `PrivateKeyInfo` holding an RSA key.
pub fn rsa_components(pkcs8: &[u8]) -> Option<RsaComponents<'_>> {
    let (0x30, info, []) = read_tlv(pkcs8)? else {
        return None;
    };
    let (0x02, _version, rest) = read_tlv(info)? else {
        return None;
    };
    let (0x30, alg_id, rest) = read_tlv(rest)? else {
        return None;
    };
    // The rsaEncryption OID (the NULL parameters may be absent).
    if alg_id.get(..11) != ALG_ID_RSA.get(2..13) {
        return None;
    }
    let (0x04, key, _) = read_tlv(rest)? else {
        return None;
    };
    let (0x30, mut body, []) = read_tlv(key)? else {
        return None;
    };
    let (0x02, _version, rest) = read_tlv(body)? else {
        return None;
    };
    body = rest;
    let mut parts: [&[u8]; 8] = [&[]; 8];
    for part in &mut parts {
        let (0x02, n, rest) = read_tlv(body)? else {
            return None;
        };
        let skip = n.iter().take_while(|b| **b == 0).count();
        *part = n.get(skip..)?;
        body = rest;
    }
    Some(RsaComponents(parts))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ecdsa_conversion_round_trips() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80; // r needs a leading zero byte in DER
        raw[40] = 0x01; // s has leading zeros to strip
        let der = ecdsa_raw_to_der(&raw).unwrap();
        assert_eq!(ecdsa_der_to_raw(&der, 32).unwrap(), raw);
        assert!(ecdsa_der_to_raw(&der, 16).is_none());
        assert!(ecdsa_der_to_raw(&[0x30, 0x02, 0xff], 32).is_none());
        assert!(ecdsa_der_to_raw(&[], 32).is_none());
    }

    #[test]
    fn integers_and_points() {
        assert_eq!(
            integer(&[0x01, 0x00, 0x01]),
            vec![0x02, 0x03, 0x01, 0x00, 0x01]
        );
        assert_eq!(integer(&[0x00, 0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[]), vec![0x02, 0x01, 0x00]);
        let point = [0x04u8; 65];
        let wrapped = tlv(0x04, &point);
        assert_eq!(ec_point(&wrapped, 65), Some(&point[..]));
        assert_eq!(ec_point(&point, 65), Some(&point[..]));
        assert_eq!(ec_point(&point[..64], 65), None);
    }

    #[test]
    fn rsa_components_from_aws_lc_pkcs8() {
        let pkcs8 = tresor_crypto::rsa::generate(Algorithm::Rsa2048).unwrap();
        let RsaComponents(parts) = rsa_components(&pkcs8).unwrap();
        assert_eq!(parts[0].len(), 256);
        assert_eq!(parts[1], &[0x01, 0x00, 0x01]);
        assert!(rsa_components(&pkcs8[..100]).is_none());
    }
}
