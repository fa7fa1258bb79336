//! Distinguished names from their string form, e.g. `CN=api,O=Example,C=DE`.

use rcgen::{DistinguishedName, DnType};

use crate::error::{X509Error, invalid};

const MAX_DN: usize = 1024;

/// Parses `TYPE=value` pairs separated by commas. Types: CN, O, OU, C, ST,
/// L. Values may not contain `,`, `=`, `+` or `\` (no escaping).
pub fn parse_dn(s: &str) -> Result<DistinguishedName, X509Error> {
    if s.len() > MAX_DN {
        return Err(invalid("subject is too long"));
    }
    let mut dn = DistinguishedName::new();
    for part in s.split(',') {
        let part = part.trim();
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| invalid(format!("subject: '{part}' is not TYPE=value")))?;
        let v = v.trim();
        if v.is_empty() || v.contains(['=', '+', '\\']) || v.chars().any(char::is_control) {
            return Err(invalid(format!("subject: bad value for {k}")));
        }
        let ty = match k.trim().to_ascii_uppercase().as_str() {
            "CN" => DnType::CommonName,
            "O" => DnType::OrganizationName,
            "OU" => DnType::OrganizationalUnitName,
            "C" => {
                if v.len() != 2 || !v.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(invalid("subject: C must be a two-letter country code"));
                }
                DnType::CountryName
            }
            "ST" => DnType::StateOrProvinceName,
            "L" => DnType::LocalityName,
            other => {
                return Err(invalid(format!(
                    "subject: unknown attribute '{other}' (CN, O, OU, C, ST, L)"
                )));
            }
        };
        dn.push(ty, v);
    }
    if dn.iter().next().is_none() {
        return Err(invalid("subject is empty"));
    }
    Ok(dn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let dn = parse_dn("CN=api.example.com, O=Example, C=DE").unwrap();
        assert_eq!(dn.iter().count(), 3);
        assert!(parse_dn("").is_err());
        assert!(parse_dn("CN").is_err());
        assert!(parse_dn("XX=1").is_err());
        assert!(parse_dn("C=Germany").is_err());
        assert!(parse_dn("CN=a\\,b").is_err());
    }
}
