//! Just enough DER to take keys apart: the RSAPublicKey or EC point inside
//! a SubjectPublicKeyInfo, and the RSAPrivateKey / ECPrivateKey inside a
//! PKCS#8 PrivateKeyInfo. Malformed input gives `None`, never a panic.

/// One TLV: (tag byte, contents, rest of the input).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (bytes, rest) = rest.split_at(n);
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (contents, rest) = rest.split_at(len);
    Some((tag, contents, rest))
}

const SEQUENCE: u8 = 0x30;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const INTEGER: u8 = 0x02;

/// The subjectPublicKey bits of a SubjectPublicKeyInfo (RSAPublicKey DER
/// for RSA, the uncompressed point for EC, the 32 raw bytes for Ed25519).
pub(crate) fn spki_key(spki: &[u8]) -> Option<Vec<u8>> {
    let (SEQUENCE, body, _) = tlv(spki)? else {
        return None;
    };
    let (SEQUENCE, _, rest) = tlv(body)? else {
        return None;
    };
    let (BIT_STRING, bits, _) = tlv(rest)? else {
        return None;
    };
    let (&unused, key) = bits.split_first()?;
    (unused == 0).then(|| key.to_vec())
}

/// The privateKey OCTET STRING contents of a PKCS#8 PrivateKeyInfo
/// (RSAPrivateKey or ECPrivateKey DER).
pub(crate) fn pkcs8_inner(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let (SEQUENCE, body, _) = tlv(pkcs8)? else {
        return None;
    };
    let (INTEGER, _, rest) = tlv(body)? else {
        return None;
    };
    let (SEQUENCE, _, rest) = tlv(rest)? else {
        return None;
    };
    let (OCTET_STRING, inner, _) = tlv(rest)? else {
        return None;
    };
    Some(inner.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_input_is_none() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x05, 1],
        ] {
            assert_eq!(spki_key(bad), None);
            assert_eq!(pkcs8_inner(bad), None);
        }
        // SEQUENCE { SEQUENCE {}, BIT STRING 00 AB }
        let spki = [0x30, 0x06, 0x30, 0x00, 0x03, 0x02, 0x00, 0xAB];
        assert_eq!(spki_key(&spki), Some(vec![0xAB]));
        // SEQUENCE { INTEGER 0, SEQUENCE {}, OCTET STRING CD }
        let p8 = [0x30, 0x08, 0x02, 0x01, 0x00, 0x30, 0x00, 0x04, 0x01, 0xCD];
        assert_eq!(pkcs8_inner(&p8), Some(vec![0xCD]));
    }
}
