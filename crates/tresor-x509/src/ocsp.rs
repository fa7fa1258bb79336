//! OCSP (RFC 6960): reading requests and building basic responses, signed
//! like everything else by the CA key through its provider. DER is read
//! and written by hand here (a handful of fixed structures).

use time::OffsetDateTime;
use x509_parser18::prelude::{FromDer, X509Certificate};

use crate::error::{X509Error, invalid};
use crate::inspect::serial_hex;
use crate::sign::{SigAlg, encode};

const MAX_REQUEST: usize = 16 * 1024;
const MAX_IDS: usize = 20;
/// id-pkix-ocsp-basic.
const OID_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];
/// id-pkix-ocsp-nonce.
const OID_NONCE: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02];
/// id-sha1 and id-sha256 (CertID hash algorithms).
const OID_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];

/// The hash of a CertID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertIdHash {
    Sha1,
    Sha256,
}

/// One certificate asked about.
#[derive(Debug, Clone)]
pub struct OcspCertId {
    /// The CertID as sent (echoed in the response).
    pub raw: Vec<u8>,
    pub hash: Option<CertIdHash>,
    pub issuer_name_hash: Vec<u8>,
    pub issuer_key_hash: Vec<u8>,
    pub serial_hex: String,
}

/// A parsed OCSP request.
#[derive(Debug, Clone)]
pub struct OcspRequest {
    pub ids: Vec<OcspCertId>,
    /// The nonce extension as sent (echoed in the response).
    pub nonce: Option<Vec<u8>>,
}

/// What a responder says about one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspStatus {
    Good,
    Revoked {
        at: OffsetDateTime,
        reason: Option<u8>,
    },
    Unknown,
}

/// A DER element: `(tag, content, rest)`.
fn next(buf: &[u8]) -> Result<(u8, &[u8], &[u8]), X509Error> {
    let bad = || invalid("malformed OCSP request");
    let tag = *buf.first().ok_or_else(bad)?;
    let first = *buf.get(1).ok_or_else(bad)?;
    let (hl, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 {
            return Err(bad());
        }
        let bytes = buf.get(2..2 + n).ok_or_else(bad)?;
        (
            2 + n,
            bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b)),
        )
    };
    let end = hl.checked_add(len).ok_or_else(bad)?;
    let content = buf.get(hl..end).ok_or_else(bad)?;
    Ok((tag, content, &buf[end..]))
}

fn expect(buf: &[u8], tag: u8) -> Result<(&[u8], &[u8]), X509Error> {
    let (t, c, rest) = next(buf)?;
    if t != tag {
        return Err(invalid("malformed OCSP request"));
    }
    Ok((c, rest))
}

/// Parses a DER `OCSPRequest` (signed requests are accepted; their
/// signature is not checked).
pub fn parse_ocsp_request(der: &[u8]) -> Result<OcspRequest, X509Error> {
    if der.len() > MAX_REQUEST {
        return Err(invalid("OCSP request is too large"));
    }
    let (req, _) = expect(der, 0x30)?;
    let (mut tbs, _) = expect(req, 0x30)?;
    // version [0], requestorName [1]: skip.
    while let Ok((t, _, rest)) = next(tbs) {
        if t == 0xa0 || t == 0xa1 {
            tbs = rest;
        } else {
            break;
        }
    }
    let (mut list, rest) = expect(tbs, 0x30)?;
    let mut ids = Vec::new();
    while !list.is_empty() {
        if ids.len() >= MAX_IDS {
            return Err(invalid("too many certificates in one OCSP request"));
        }
        let (one, more) = expect(list, 0x30)?;
        list = more;
        let (_, cid_content, _) = next(one)?;
        let cid_len = one.len() - next(one)?.2.len();
        let raw = one[..cid_len].to_vec();
        let (alg, r) = expect(cid_content, 0x30)?;
        let (oid, _) = expect(alg, 0x06)?;
        let hash = match oid {
            OID_SHA1 => Some(CertIdHash::Sha1),
            OID_SHA256 => Some(CertIdHash::Sha256),
            _ => None,
        };
        let (name_hash, r) = expect(r, 0x04)?;
        let (key_hash, r) = expect(r, 0x04)?;
        let (serial, _) = expect(r, 0x02)?;
        ids.push(OcspCertId {
            raw,
            hash,
            issuer_name_hash: name_hash.to_vec(),
            issuer_key_hash: key_hash.to_vec(),
            serial_hex: serial_hex(serial),
        });
    }
    if ids.is_empty() {
        return Err(invalid("the OCSP request names no certificate"));
    }
    let mut nonce = None;
    if let Ok((0xa2, exts, _)) = next(rest) {
        let (mut exts, _) = expect(exts, 0x30)?;
        while !exts.is_empty() {
            let (ext, more) = expect(exts, 0x30)?;
            let whole = &exts[..exts.len() - more.len()];
            exts = more;
            if let Ok((oid, _)) = expect(ext, 0x06)
                && oid == OID_NONCE
            {
                nonce = Some(whole.to_vec());
            }
        }
    }
    Ok(OcspRequest { ids, nonce })
}

/// `(subject name DER, subjectPublicKey bits)` of a CA certificate: what
/// CertID hashes cover.
pub fn issuer_parts(ca_cert_der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), X509Error> {
    let (_, c) = X509Certificate::from_der(ca_cert_der)
        .map_err(|_| invalid("not a DER X.509 certificate"))?;
    Ok((
        c.subject().as_raw().to_vec(),
        c.public_key().subject_public_key.data.to_vec(),
    ))
}

fn gen_time(t: OffsetDateTime) -> Vec<u8> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let s = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    encode(0x18, s.as_bytes())
}

/// The `ResponseData` to sign. `responder_key_hash` is the SHA-1 of the
/// responder's subjectPublicKey bits.
pub fn ocsp_response_data(
    responder_key_hash: &[u8],
    produced_at: OffsetDateTime,
    answers: &[(&OcspCertId, OcspStatus)],
    next_update: OffsetDateTime,
    nonce: Option<&[u8]>,
) -> Vec<u8> {
    let mut singles = Vec::new();
    for (id, status) in answers {
        let mut s = id.raw.clone();
        s.extend(match status {
            OcspStatus::Good => vec![0x80, 0x00],
            OcspStatus::Unknown => vec![0x82, 0x00],
            OcspStatus::Revoked { at, reason } => {
                let mut info = gen_time(*at);
                if let Some(r) = reason {
                    info.extend(encode(0xa0, &encode(0x0a, &[*r])));
                }
                encode(0xa1, &info)
            }
        });
        s.extend(gen_time(produced_at));
        s.extend(encode(0xa0, &gen_time(next_update)));
        singles.extend(encode(0x30, &s));
    }
    let mut data = encode(0xa2, &encode(0x04, responder_key_hash));
    data.extend(gen_time(produced_at));
    data.extend(encode(0x30, &singles));
    if let Some(n) = nonce {
        data.extend(encode(0xa1, &encode(0x30, n)));
    }
    encode(0x30, &data)
}

fn alg_id(alg: SigAlg) -> Vec<u8> {
    match alg {
        SigAlg::RsaPkcs1Sha256 => vec![
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05,
            0x00,
        ],
        SigAlg::EcdsaP256Sha256 => vec![
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
        ],
        SigAlg::EcdsaP384Sha384 => vec![
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
        ],
        SigAlg::Ed25519 => vec![0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70],
        // id-ml-dsa-44/65/87 (2.16.840.1.101.3.4.3.17-19), parameters absent.
        SigAlg::MlDsa44 | SigAlg::MlDsa65 | SigAlg::MlDsa87 => {
            let last = match alg {
                SigAlg::MlDsa44 => 0x11,
                SigAlg::MlDsa65 => 0x12,
                _ => 0x13,
            };
            vec![
                0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, last,
            ]
        }
    }
}

/// A successful `OCSPResponse` around signed `ResponseData`, carrying the
/// responder's certificate.
pub fn ocsp_response(data: &[u8], alg: SigAlg, signature: &[u8], responder_cert: &[u8]) -> Vec<u8> {
    let mut basic = data.to_vec();
    basic.extend(alg_id(alg));
    let mut bits = vec![0u8];
    bits.extend_from_slice(signature);
    basic.extend(encode(0x03, &bits));
    basic.extend(encode(0xa0, &encode(0x30, responder_cert)));
    let basic = encode(0x30, &basic);
    let mut rb = encode(0x06, OID_BASIC);
    rb.extend(encode(0x04, &basic));
    let mut resp = encode(0x0a, &[0]);
    resp.extend(encode(0xa0, &encode(0x30, &rb)));
    encode(0x30, &resp)
}

/// An unsuccessful `OCSPResponse`: 1 malformedRequest, 2 internalError,
/// 6 unauthorized.
pub fn ocsp_error(status: u8) -> Vec<u8> {
    encode(0x30, &encode(0x0a, &[status]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_requests_are_errors() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x84, 0, 0, 0, 1],
            &[0x30, 0x00],
            &[0x30, 0x02, 0x30, 0x00],
        ] {
            assert!(parse_ocsp_request(bad).is_err(), "{bad:?}");
        }
    }
}
