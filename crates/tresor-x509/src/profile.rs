//! Issuance profiles: what a certificate of each kind may contain, and the
//! check of a CSR against them. A CSR outside its profile is refused whole.

use rcgen::{ExtendedKeyUsagePurpose as Eku, IsCa, KeyUsagePurpose as Ku, SanType};

use crate::error::{X509Error, invalid, policy};
use crate::inspect::{CsrInfo, KeyKind};

/// A certificate profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    ServerTls,
    ClientTls,
    CodeSigning,
    Email,
    Ca,
}

/// What a profile allows.
#[derive(Debug, Clone)]
pub struct ProfileRules {
    pub max_validity_days: u32,
    pub dns: bool,
    pub ip: bool,
    pub email: bool,
    pub uri: bool,
    pub ext_key_usages: Vec<Eku>,
    /// Key usages a CSR may ask for (the issued set is [`Profile::key_usages`]).
    pub allowed_key_usages: Vec<Ku>,
    pub min_rsa_bits: usize,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 5] = [
        Profile::ServerTls,
        Profile::ClientTls,
        Profile::CodeSigning,
        Profile::Email,
        Profile::Ca,
    ];

    /// Parses a wire name (`server-tls`, ...).
    pub fn parse(s: &str) -> Result<Self, X509Error> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                invalid(format!(
                    "unknown profile '{s}' (server-tls, client-tls, code-signing, email, ca)"
                ))
            })
    }

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::ServerTls => "server-tls",
            Profile::ClientTls => "client-tls",
            Profile::CodeSigning => "code-signing",
            Profile::Email => "email",
            Profile::Ca => "ca",
        }
    }

    /// The profile's rules.
    pub fn rules(self) -> ProfileRules {
        let leaf_ku = vec![Ku::DigitalSignature, Ku::KeyEncipherment, Ku::KeyAgreement];
        let (days, dns, ip, email, uri, eku, ku) = match self {
            Profile::ServerTls => (
                397,
                true,
                true,
                false,
                false,
                vec![Eku::ServerAuth],
                leaf_ku,
            ),
            Profile::ClientTls => (825, true, false, true, true, vec![Eku::ClientAuth], leaf_ku),
            Profile::CodeSigning => (
                1095,
                false,
                false,
                true,
                true,
                vec![Eku::CodeSigning],
                vec![Ku::DigitalSignature, Ku::ContentCommitment],
            ),
            Profile::Email => (
                825,
                false,
                false,
                true,
                false,
                vec![Eku::EmailProtection],
                vec![
                    Ku::DigitalSignature,
                    Ku::ContentCommitment,
                    Ku::KeyEncipherment,
                ],
            ),
            Profile::Ca => (
                3650,
                false,
                false,
                false,
                false,
                Vec::new(),
                vec![Ku::KeyCertSign, Ku::CrlSign, Ku::DigitalSignature],
            ),
        };
        ProfileRules {
            max_validity_days: days,
            dns,
            ip,
            email,
            uri,
            ext_key_usages: eku,
            allowed_key_usages: ku,
            min_rsa_bits: 2048,
        }
    }

    /// Key usages of an issued certificate for a key of `kind`.
    pub fn key_usages(self, kind: KeyKind) -> Vec<Ku> {
        match self {
            Profile::Ca => vec![Ku::KeyCertSign, Ku::CrlSign, Ku::DigitalSignature],
            Profile::CodeSigning => vec![Ku::DigitalSignature],
            _ if matches!(kind, KeyKind::Rsa(_)) => {
                vec![Ku::DigitalSignature, Ku::KeyEncipherment]
            }
            _ => vec![Ku::DigitalSignature],
        }
    }

    /// Checks a key type and size.
    pub fn check_key(self, kind: KeyKind) -> Result<(), X509Error> {
        let min = self.rules().min_rsa_bits;
        match kind {
            KeyKind::Rsa(bits) if bits < min => Err(policy(format!(
                "RSA-{bits} key is too weak: at least {min} bits are required"
            ))),
            KeyKind::Rsa(_)
            | KeyKind::EcP256
            | KeyKind::EcP384
            | KeyKind::Ed25519
            | KeyKind::MlDsa(_) => Ok(()),
            other => Err(policy(format!(
                "{} keys are not allowed by profile {}",
                other.name(),
                self.as_str()
            ))),
        }
    }

    /// Checks a validity period.
    pub fn check_validity(self, days: u32) -> Result<(), X509Error> {
        let max = self.rules().max_validity_days;
        if days == 0 || days > max {
            return Err(policy(format!(
                "validity of {days} days is outside profile {} (1..={max})",
                self.as_str()
            )));
        }
        Ok(())
    }

    /// Checks SANs against the profile and `allowed_domains` (DNS names must
    /// equal one of them or lie below it; empty: any).
    pub fn check_sans(self, sans: &[SanType], allowed_domains: &[String]) -> Result<(), X509Error> {
        let r = self.rules();
        for san in sans {
            let (kind, ok) = match san {
                SanType::DnsName(d) => {
                    let name = d.as_str().to_ascii_lowercase();
                    if r.dns && !allowed_domains.is_empty() && !in_domains(&name, allowed_domains) {
                        return Err(policy(format!(
                            "DNS name '{name}' is outside the CA's allowed domains ({})",
                            allowed_domains.join(", ")
                        )));
                    }
                    ("DNS", r.dns)
                }
                SanType::IpAddress(_) => ("IP", r.ip),
                SanType::Rfc822Name(_) => ("email", r.email),
                SanType::URI(_) => ("URI", r.uri),
                _ => ("other-name", false),
            };
            if !ok {
                return Err(policy(format!(
                    "{kind} subject alternative names are not allowed by profile {}",
                    self.as_str()
                )));
            }
        }
        if self == Profile::ServerTls
            && !sans
                .iter()
                .any(|s| matches!(s, SanType::DnsName(_) | SanType::IpAddress(_)))
        {
            return Err(policy(
                "profile server-tls needs at least one DNS or IP subject alternative name",
            ));
        }
        Ok(())
    }

    /// Checks everything a CSR asks for.
    pub fn check_csr(self, csr: &CsrInfo, allowed_domains: &[String]) -> Result<(), X509Error> {
        self.check_key(csr.key)?;
        let p = &csr.request.params;
        if matches!(p.is_ca, IsCa::Ca(_)) && self != Profile::Ca {
            return Err(policy(format!(
                "the CSR asks for CA:TRUE but profile {} issues end-entity certificates only",
                self.as_str()
            )));
        }
        self.check_sans(&p.subject_alt_names, allowed_domains)?;
        let r = self.rules();
        for ku in &p.key_usages {
            if !r.allowed_key_usages.contains(ku) {
                return Err(policy(format!(
                    "key usage {ku:?} is not allowed by profile {}",
                    self.as_str()
                )));
            }
        }
        for eku in &p.extended_key_usages {
            if !r.ext_key_usages.contains(eku) {
                return Err(policy(format!(
                    "extended key usage {eku:?} is not allowed by profile {}",
                    self.as_str()
                )));
            }
        }
        Ok(())
    }
}

fn in_domains(name: &str, domains: &[String]) -> bool {
    let name = name.trim_start_matches("*.");
    domains.iter().any(|d| {
        let d = d.to_ascii_lowercase();
        name == d || name.ends_with(&format!(".{d}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roundtrip_and_domains() {
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.as_str()).unwrap(), p);
        }
        assert!(Profile::parse("x").is_err());
        let d = vec!["example.com".to_string()];
        assert!(in_domains("a.example.com", &d));
        assert!(in_domains("example.com", &d));
        assert!(!in_domains("badexample.com", &d));
        assert!(Profile::ServerTls.check_key(KeyKind::Rsa(1024)).is_err());
        assert!(Profile::ServerTls.check_key(KeyKind::Rsa(2048)).is_ok());
        assert!(Profile::ServerTls.check_validity(398).is_err());
    }
}
