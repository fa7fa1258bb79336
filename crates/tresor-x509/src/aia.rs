//! The Authority Information Access extension (RFC 5280 §4.2.2.1), which
//! rcgen does not build: where relying parties find the issuer's OCSP
//! responder and certificate.

use rcgen::CustomExtension;

use crate::error::{X509Error, invalid};

/// id-pe-authorityInfoAccess.
const AIA_OID: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];
/// id-ad-ocsp, DER.
const OCSP: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
/// id-ad-caIssuers, DER.
const CA_ISSUERS: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];

/// The public URLs an issued certificate points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiUrls {
    /// CRL distribution point (DER CRL).
    pub crl: String,
    /// OCSP responder.
    pub ocsp: String,
    /// The issuing CA's certificate (DER).
    pub ca_issuers: String,
}

fn tlv(tag: u8, body: &[u8]) -> Result<Vec<u8>, X509Error> {
    let len = u16::try_from(body.len()).map_err(|_| invalid("URL too long"))?;
    let mut out = vec![tag];
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend([0x81, len as u8]),
        _ => out.extend([0x82, (len >> 8) as u8, (len & 0xff) as u8]),
    }
    out.extend_from_slice(body);
    Ok(out)
}

fn access(method: &[u8], url: &str) -> Result<Vec<u8>, X509Error> {
    if !url.is_ascii() {
        return Err(invalid("URL must be ASCII"));
    }
    let mut body = method.to_vec();
    // uniformResourceIdentifier [6] IMPLICIT IA5String
    body.extend(tlv(0x86, url.as_bytes())?);
    tlv(0x30, &body)
}

/// The AIA extension naming `ocsp` and `ca_issuers`.
pub(crate) fn aia_extension(urls: &PkiUrls) -> Result<CustomExtension, X509Error> {
    let mut body = access(OCSP, &urls.ocsp)?;
    body.extend(access(CA_ISSUERS, &urls.ca_issuers)?);
    Ok(CustomExtension::from_oid_content(
        AIA_OID,
        tlv(0x30, &body)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::tlv;

    #[test]
    fn lengths_encode_in_der() {
        assert_eq!(tlv(0x30, &[1, 2]).unwrap(), vec![0x30, 2, 1, 2]);
        assert_eq!(&tlv(0x04, &[0; 200]).unwrap()[..3], &[0x04, 0x81, 200]);
        assert_eq!(&tlv(0x04, &[0; 300]).unwrap()[..4], &[0x04, 0x82, 1, 44]);
        assert!(tlv(0x04, &vec![0; 70_000]).is_err());
    }
}
