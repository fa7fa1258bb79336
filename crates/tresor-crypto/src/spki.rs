//! Minimal DER writing for the few structures aws-lc-rs does not produce:
//! the ML-KEM SubjectPublicKeyInfo (FIPS 203 / draft-ietf-lamps-kyber-certificates)
//! and X25519 PKCS#8 (RFC 8410).

/// DER OID body of id-alg-ml-kem-768 (2.16.840.1.101.3.4.4.2).
pub const OID_ML_KEM_768: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x02];
/// DER OID body of id-alg-ml-kem-1024 (2.16.840.1.101.3.4.4.3).
pub const OID_ML_KEM_1024: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x03];
/// DER OID body of id-ml-dsa-44 (2.16.840.1.101.3.4.3.17).
pub const OID_ML_DSA_44: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11];
/// DER OID body of id-ml-dsa-65 (2.16.840.1.101.3.4.3.18).
pub const OID_ML_DSA_65: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12];
/// DER OID body of id-ml-dsa-87 (2.16.840.1.101.3.4.3.19).
pub const OID_ML_DSA_87: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x13];

/// AlgorithmIdentifier of an ECDH/ECDSA P-256 key (id-ecPublicKey, namedCurve).
pub const ALG_ID_P256: &[u8] = &[
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07,
];
/// AlgorithmIdentifier of a P-384 key (id-ecPublicKey, namedCurve).
pub const ALG_ID_P384: &[u8] = &[
    0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04,
    0x00, 0x22,
];
/// AlgorithmIdentifier of a P-521 key (id-ecPublicKey, namedCurve).
pub const ALG_ID_P521: &[u8] = &[
    0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04,
    0x00, 0x23,
];
/// AlgorithmIdentifier of an X25519 key (RFC 8410).
pub const ALG_ID_X25519: &[u8] = &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e];

/// The contents of a DER SEQUENCE (short or one/two-byte long length form),
/// or `None` when `der` is not exactly one SEQUENCE.
pub fn sequence_body(der: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = der.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, body) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81 => (usize::from(*rest.first()?), rest.get(1..)?),
        0x82 => (
            usize::from(*rest.first()?) << 8 | usize::from(*rest.get(1)?),
            rest.get(2..)?,
        ),
        _ => return None,
    };
    (body.len() == len).then_some(body)
}

/// The fixed PKCS#8 v1 prefix of an X25519 private key (RFC 8410 §7):
/// `SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.110 }, OCTET STRING { OCTET STRING (32) } }`.
pub const X25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

/// Appends a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// Encodes one tag-length-value.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// A SubjectPublicKeyInfo with an absent-parameters AlgorithmIdentifier
/// (`oid` is the OID body) and `key` as the BIT STRING contents.
pub fn spki(oid: &[u8], key: &[u8]) -> Vec<u8> {
    let alg_id = tlv(0x30, &tlv(0x06, oid));
    let mut bits = Vec::with_capacity(key.len() + 1);
    bits.push(0); // no unused bits
    bits.extend_from_slice(key);
    let mut body = alg_id;
    body.extend_from_slice(&tlv(0x03, &bits));
    tlv(0x30, &body)
}

/// Reads one tag-length-value; returns `(tag, contents, rest)`.
pub fn read_tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (len_bytes, rest) = rest.split_at(n);
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (contents, rest) = rest.split_at(len);
    Some((tag, contents, rest))
}

/// A non-negative INTEGER from big-endian magnitude bytes.
pub fn integer(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|b| **b == 0).count();
    let trimmed = magnitude.get(skip..).unwrap_or_default();
    let mut body = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(trimmed);
    tlv(0x02, &body)
}

/// Fixed-length r||s (what HSMs and JWS use) to a DER `Ecdsa-Sig-Value`.
pub fn ecdsa_raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let mut body = integer(r);
    body.extend_from_slice(&integer(s));
    Some(tlv(0x30, &body))
}

/// A DER `Ecdsa-Sig-Value` to fixed-length r||s with `field`-byte halves;
/// `None` for anything malformed (which then simply does not verify).
pub fn ecdsa_der_to_raw(der: &[u8], field: usize) -> Option<Vec<u8>> {
    let (0x30, body, []) = read_tlv(der)? else {
        return None;
    };
    let (0x02, r, rest) = read_tlv(body)? else {
        return None;
    };
    let (0x02, s, []) = read_tlv(rest)? else {
        return None;
    };
    let mut out = Vec::with_capacity(2 * field);
    for n in [r, s] {
        let skip = n.iter().take_while(|b| **b == 0).count();
        let n = n.get(skip..)?;
        if n.len() > field {
            return None;
        }
        out.extend(std::iter::repeat_n(0u8, field - n.len()));
        out.extend_from_slice(n);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = tlv(0x04, &[0u8; 200]);
        assert_eq!(&long[..3], &[0x04, 0x81, 200]);
        let longer = tlv(0x04, &[0u8; 1184]);
        assert_eq!(&longer[..4], &[0x04, 0x82, 0x04, 0xa0]);
    }

    #[test]
    fn sequence_bodies() {
        assert_eq!(sequence_body(&[0x30, 0x01, 0x05]), Some(&[0x05][..]));
        assert_eq!(sequence_body(&[0x30, 0x02, 0x05]), None);
        assert_eq!(sequence_body(&[0x31, 0x01, 0x05]), None);
        assert_eq!(sequence_body(&[0x30]), None);
        assert_eq!(sequence_body(&[]), None);
        let long = tlv(0x30, &[0u8; 300]);
        assert_eq!(sequence_body(&long).map(<[u8]>::len), Some(300));
    }

    #[test]
    fn spki_shape() {
        let der = spki(OID_ML_KEM_768, &[7u8; 1184]);
        // SEQUENCE(long) { SEQUENCE { OID } BIT STRING }
        assert_eq!(&der[..4], &[0x30, 0x82, 0x04, 0xb2]);
        assert_eq!(
            &der[4..17],
            &[
                0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x02
            ]
        );
        assert_eq!(der.len(), 4 + 13 + 4 + 1 + 1184);
    }
}
