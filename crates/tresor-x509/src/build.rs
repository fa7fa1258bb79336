//! Building CSRs, certificates and CRLs from validated specs.

use std::net::IpAddr;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    DistinguishedName, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyIdMethod,
    KeyUsagePurpose, NameConstraints, RevocationReason, RevokedCertParams, SanType, SerialNumber,
};
use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;

use crate::aia::{PkiUrls, aia_extension};
use crate::dn::parse_dn;
use crate::error::{X509Error, invalid};
use crate::inspect::CsrInfo;
use crate::sign::{Capture, SignerKey, Unsigned};

const MAX_SANS: usize = 100;
const MAX_SAN_LEN: usize = 253 * 2;

/// Who a certificate is for: a distinguished name and alternative names.
#[derive(Debug, Clone)]
pub struct Subject {
    pub dn: DistinguishedName,
    pub sans: Vec<SanType>,
}

impl Subject {
    /// Parses a DN string and typed SAN lists.
    pub fn parse(
        dn: &str,
        dns: &[String],
        ip: &[String],
        email: &[String],
        uri: &[String],
    ) -> Result<Self, X509Error> {
        let dn = parse_dn(dn)?;
        if dns.len() + ip.len() + email.len() + uri.len() > MAX_SANS {
            return Err(invalid(format!(
                "at most {MAX_SANS} subject alternative names"
            )));
        }
        let mut sans = Vec::new();
        for d in dns {
            let ok = !d.is_empty()
                && d.len() <= 253
                && d.split('.').enumerate().all(|(i, l)| {
                    !l.is_empty()
                        && l.len() <= 63
                        && (l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                            || (i == 0 && l == "*"))
                });
            if !ok {
                return Err(invalid(format!("'{d}' is not a DNS name")));
            }
            sans.push(SanType::DnsName(ia5(d)?));
        }
        for i in ip {
            let a: IpAddr = i
                .parse()
                .map_err(|_| invalid(format!("'{i}' is not an IP address")))?;
            sans.push(SanType::IpAddress(a));
        }
        for e in email {
            if e.split('@').count() != 2 || e.starts_with('@') || e.ends_with('@') {
                return Err(invalid(format!("'{e}' is not an email address")));
            }
            sans.push(SanType::Rfc822Name(ia5(e)?));
        }
        for u in uri {
            if !u.contains(':') || u.contains(char::is_whitespace) {
                return Err(invalid(format!("'{u}' is not a URI")));
            }
            sans.push(SanType::URI(ia5(u)?));
        }
        Ok(Self { dn, sans })
    }
}

fn ia5(s: &str) -> Result<rcgen::string::Ia5String, X509Error> {
    if s.len() > MAX_SAN_LEN {
        return Err(invalid("subject alternative name is too long"));
    }
    rcgen::string::Ia5String::try_from(s).map_err(|_| invalid(format!("'{s}' is not ASCII")))
}

/// Basic and name constraints of a CA certificate.
#[derive(Debug, Clone, Default)]
pub struct CaSpec {
    /// Intermediate CAs allowed below this one (None: unconstrained).
    pub path_len: Option<u8>,
    /// Permitted DNS subtrees (name constraints); empty: none.
    pub permitted_dns: Vec<String>,
}

/// Everything a certificate (or CSR) says apart from its key and issuer.
#[derive(Debug, Clone)]
pub struct CertSpec {
    pub subject: Subject,
    pub key_usages: Vec<KeyUsagePurpose>,
    pub ext_key_usages: Vec<ExtendedKeyUsagePurpose>,
    pub ca: Option<CaSpec>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Positive serial number bytes (big-endian).
    pub serial: Vec<u8>,
    /// CRL distribution point and AIA (OCSP, CA issuers) URLs.
    pub pki_urls: Option<PkiUrls>,
}

impl CertSpec {
    fn params(&self) -> Result<CertificateParams, X509Error> {
        let mut p = CertificateParams::default();
        p.distinguished_name = self.subject.dn.clone();
        p.subject_alt_names = self.subject.sans.clone();
        p.key_usages = self.key_usages.clone();
        p.extended_key_usages = self.ext_key_usages.clone();
        p.not_before = self.not_before;
        p.not_after = self.not_after;
        p.serial_number = Some(SerialNumber::from_slice(&self.serial));
        p.key_identifier_method = KeyIdMethod::Sha256;
        p.use_authority_key_identifier_extension = true;
        p.is_ca = match &self.ca {
            Some(ca) => {
                if !ca.permitted_dns.is_empty() {
                    p.name_constraints = Some(NameConstraints {
                        permitted_subtrees: ca
                            .permitted_dns
                            .iter()
                            .map(|d| GeneralSubtree::DnsName(d.clone()))
                            .collect(),
                        excluded_subtrees: Vec::new(),
                    });
                }
                IsCa::Ca(match ca.path_len {
                    Some(n) => BasicConstraints::Constrained(n),
                    None => BasicConstraints::Unconstrained,
                })
            }
            None => IsCa::ExplicitNoCa,
        };
        if let Some(urls) = &self.pki_urls {
            p.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![urls.crl.clone()],
            }];
            p.custom_extensions.push(aia_extension(urls)?);
        }
        Ok(p)
    }
}

/// The issuing CA: its certificate and its key.
#[derive(Debug, Clone, Copy)]
pub struct Issuing<'a> {
    pub cert_der: &'a [u8],
    pub key: &'a SignerKey,
}

/// A PKCS#10 request for `key` (validity, serial and CRL URL are ignored).
pub fn csr(spec: &CertSpec, key: &SignerKey) -> Result<Unsigned, X509Error> {
    let mut params = spec.params()?;
    if spec.ca.is_none() {
        params.is_ca = IsCa::NoCa;
    }
    // Fields a CSR cannot carry (the issuer decides them).
    params.serial_number = None;
    params.use_authority_key_identifier_extension = false;
    params.name_constraints = None;
    params.crl_distribution_points = Vec::new();
    let slot = Default::default();
    let cap = Capture::new(key, &slot);
    let req = params.serialize_request(&cap)?;
    Capture::take(&slot, req.der().to_vec(), key)
}

/// A certificate for `key` signed by itself.
pub fn self_signed(spec: &CertSpec, key: &SignerKey) -> Result<Unsigned, X509Error> {
    let slot = Default::default();
    let cap = Capture::new(key, &slot);
    let cert = spec.params()?.self_signed(&cap)?;
    Capture::take(&slot, cert.der().to_vec(), key)
}

fn issuer<'a>(
    by: Issuing<'a>,
    slot: &'a std::sync::Mutex<Option<Vec<u8>>>,
) -> Result<Issuer<'static, Capture<'a>>, X509Error> {
    Issuer::from_ca_cert_der(
        &CertificateDer::from(by.cert_der),
        Capture::new(by.key, slot),
    )
    .map_err(|_| invalid("the CA certificate cannot be read"))
}

/// A certificate for the Tresor key `subject_key`, signed by a CA.
pub fn issue(
    spec: &CertSpec,
    subject_key: &SignerKey,
    by: Issuing<'_>,
) -> Result<Unsigned, X509Error> {
    let slot = Default::default();
    let iss = issuer(by, &slot)?;
    let cert = spec.params()?.signed_by(subject_key, &iss)?;
    drop(iss);
    Capture::take(&slot, cert.der().to_vec(), by.key)
}

/// A certificate for the key of a verified CSR, signed by a CA. Only `spec`
/// decides the content (the CSR's requested extensions were checked against
/// the profile, never copied).
pub fn issue_for_csr(
    spec: &CertSpec,
    req: &CsrInfo,
    by: Issuing<'_>,
) -> Result<Unsigned, X509Error> {
    let slot = Default::default();
    let iss = issuer(by, &slot)?;
    let cert = spec.params()?.signed_by(&req.request.public_key, &iss)?;
    drop(iss);
    Capture::take(&slot, cert.der().to_vec(), by.key)
}

/// One revoked certificate in a CRL.
#[derive(Debug, Clone)]
pub struct CrlEntry {
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    pub reason: Option<RevocationReason>,
}

/// A CRL of `by`, numbered `number`.
pub fn build_crl(
    by: Issuing<'_>,
    entries: &[CrlEntry],
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    number: u64,
) -> Result<Unsigned, X509Error> {
    let params = CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from_slice(&number.to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs: entries
            .iter()
            .map(|e| RevokedCertParams {
                serial_number: SerialNumber::from_slice(&e.serial),
                revocation_time: e.revoked_at,
                reason_code: e.reason,
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    };
    let slot = Default::default();
    let iss = issuer(by, &slot)?;
    let crl = params.signed_by(&iss)?;
    drop(iss);
    Capture::take(&slot, crl.der().to_vec(), by.key)
}
