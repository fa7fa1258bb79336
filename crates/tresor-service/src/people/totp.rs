//! TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of
//! clock skew): enrolment with a server-rendered QR code, single-use codes,
//! and recovery codes. Secrets are sealed by the platform tenant's secrets
//! key; only their ciphertext is stored.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};
use tresor_core::{SecretBytes, SecretId};
use zeroize::Zeroizing;

use super::doc::TotpDoc;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;

const STEP: u64 = 30;
const DIGITS: usize = 6;
/// Recovery codes issued at confirmation.
pub(crate) const RECOVERY_CODES: usize = 10;

/// What a user needs to add Tresor to an authenticator app.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    /// Base32, for typing in by hand.
    pub secret: Zeroizing<String>,
    /// `otpauth://totp/...`, the QR code's content.
    pub otpauth_uri: Zeroizing<String>,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

fn totp(secret: &[u8]) -> Result<TOTP> {
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP, secret.to_vec())
        .map_err(|_| ServiceError::Internal("totp secret"))
}

/// The step a `code` is valid for at `now_secs` (±1 step), if any.
pub(crate) fn matching_step(secret: &[u8], code: &str, now_secs: u64) -> Result<Option<u64>> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret)?;
    let current = now_secs / STEP;
    let mut found = None;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = t.generate(step * STEP);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            found = Some(step);
        }
    }
    Ok(found)
}

/// Percent-encodes a label part of an otpauth URI.
fn uri_part(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The otpauth URI (Key Uri Format) for `account` under `issuer`.
pub(crate) fn otpauth_uri(issuer: &str, account: &str, base32: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={base32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        uri_part(issuer),
        uri_part(account),
        uri_part(issuer)
    )
}

/// The QR code of `text` as SVG.
pub(crate) fn qr_svg(text: &str) -> Result<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|_| ServiceError::Internal("qr"))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// Fresh recovery codes (shown once) and their stored SHA-256 hashes.
pub(crate) fn new_recovery_codes() -> Result<(Vec<String>, Vec<String>)> {
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    let mut hashes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut raw = Zeroizing::new([0u8; 8]);
        aws_lc_rs::rand::fill(raw.as_mut()).map_err(|_| ServiceError::Internal("rng failure"))?;
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let code = format!("{}-{}", &hex[..8], &hex[8..]);
        hashes.push(recovery_hash(&code));
        codes.push(code);
    }
    Ok((codes, hashes))
}

/// The stored form of a recovery code (case and dashes ignored).
pub(crate) fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, norm.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Kms {
    /// Seals a new TOTP secret; returns it (for enrolment) and its document.
    pub(crate) async fn seal_totp_secret(
        &self,
        caller: &tresor_core::Caller,
    ) -> Result<(Zeroizing<Vec<u8>>, TotpDoc)> {
        let mut raw = Zeroizing::new(vec![0u8; 20]);
        aws_lc_rs::rand::fill(raw.as_mut()).map_err(|_| ServiceError::Internal("rng failure"))?;
        let id = SecretId::generate();
        let mut platform_caller = caller.clone();
        platform_caller.tenant = super::doc::platform();
        let sealed = self
            .seal_secret(&platform_caller, &id, &SecretBytes::from_slice(&raw))
            .await?;
        Ok((
            raw,
            TotpDoc {
                secret_id: id,
                wrapping_key: sealed.wrapping_key,
                wrapped_key: B64.encode(&sealed.wrapped_key),
                payload: B64.encode(&sealed.payload),
                confirmed: false,
                last_step: 0,
            },
        ))
    }

    /// Opens a sealed TOTP secret.
    pub(crate) async fn open_totp_secret(&self, d: &TotpDoc) -> Result<SecretBytes> {
        let corrupt = |_| ServiceError::Internal("sealed totp secret");
        let wrapped = B64.decode(&d.wrapped_key).map_err(corrupt)?;
        let payload = B64.decode(&d.payload).map_err(corrupt)?;
        self.open_secret(
            &super::doc::platform(),
            &d.secret_id,
            d.wrapping_key,
            &wrapped,
            &payload,
        )
        .await
    }
}

/// An enrolment for `account`.
pub(crate) fn enrolment(issuer: &str, account: &str, secret: &[u8]) -> Result<TotpEnrolment> {
    let base32 = match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(s) => Zeroizing::new(s),
        Secret::Raw(_) => return Err(ServiceError::Internal("base32")),
    };
    let uri = Zeroizing::new(otpauth_uri(issuer, account, &base32));
    let qr_svg = qr_svg(&uri)?;
    Ok(TotpEnrolment {
        secret: base32,
        otpauth_uri: uri,
        qr_svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 Appendix B: SHA-1 seed, T = 59 s → 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = b"12345678901234567890";
        assert_eq!(matching_step(secret, "287082", 59).unwrap(), Some(1));
        assert_eq!(matching_step(secret, "287083", 59).unwrap(), None);
        assert_eq!(matching_step(secret, "28708", 59).unwrap(), None);
        assert_eq!(matching_step(secret, "abcdef", 59).unwrap(), None);
        // One step of skew either way, not two.
        assert_eq!(matching_step(secret, "287082", 59 + 30).unwrap(), Some(1));
        assert_eq!(matching_step(secret, "287082", 59 + 60).unwrap(), None);
    }

    #[test]
    fn uri_qr_and_recovery_codes() {
        let e = enrolment("Tresor Prod", "alice@example", b"12345678901234567890").unwrap();
        assert_eq!(&*e.secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(
            e.otpauth_uri
                .starts_with("otpauth://totp/Tresor%20Prod:alice%40example?secret=GEZDGNBV")
        );
        assert!(e.qr_svg.contains("<svg"));
        let (codes, hashes) = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(recovery_hash(&codes[0].to_uppercase()), hashes[0]);
        assert_ne!(hashes[0], hashes[1]);
    }
}
