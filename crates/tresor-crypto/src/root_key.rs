//! The root key (KEK) at the top of the software key hierarchy.
//!
//! A root key is 32 random bytes. **File format**: the file holds the key as
//! 64 lowercase hex characters followed by a newline (`RootKey::create`
//! writes exactly that, with mode 0600). When reading, from a file or from an
//! environment variable, surrounding whitespace is ignored and either 64 hex
//! characters or standard base64 of 32 bytes is accepted. A key file that is
//! group- or world-accessible is loaded with a warning.
//!
//! The key is zeroized on drop and never printed: `Debug` shows only the key
//! check value ([`RootKey::key_check_value`]), the first 8 bytes of
//! HMAC-SHA-256(root, "tresor-kcv") in hex, which tells an operator which root
//! key is in use without revealing it.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;

use aws_lc_rs::hmac;
use base64::Engine;
use zeroize::Zeroizing;

use crate::error::RootKeyError;

/// Length of a root key in bytes.
pub const ROOT_KEY_LEN: usize = 32;

/// The key-encryption key that wraps every tenant key.
pub struct RootKey {
    key: Zeroizing<[u8; ROOT_KEY_LEN]>,
}

impl RootKey {
    /// A fresh random root key (not persisted).
    pub fn generate() -> Result<Self, RootKeyError> {
        let mut key = Zeroizing::new([0u8; ROOT_KEY_LEN]);
        aws_lc_rs::rand::fill(key.as_mut()).map_err(|_| RootKeyError::Rng)?;
        Ok(Self { key })
    }

    /// A root key from exactly 32 raw bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, RootKeyError> {
        let mut key = Zeroizing::new([0u8; ROOT_KEY_LEN]);
        if bytes.len() != ROOT_KEY_LEN {
            return Err(RootKeyError::Format);
        }
        key.copy_from_slice(bytes);
        Ok(Self { key })
    }

    /// Parses 64 hex characters or base64 of 32 bytes (whitespace around the
    /// value is ignored).
    pub fn parse_encoded(encoded: &str) -> Result<Self, RootKeyError> {
        let s = encoded.trim();
        let mut key = Zeroizing::new([0u8; ROOT_KEY_LEN]);
        if s.len() == 2 * ROOT_KEY_LEN && hex::decode_to_slice(s, key.as_mut()).is_ok() {
            return Ok(Self { key });
        }
        let mut buf = Zeroizing::new([0u8; 48]);
        match base64::engine::general_purpose::STANDARD.decode_slice(s, buf.as_mut()) {
            Ok(ROOT_KEY_LEN) => {
                key.copy_from_slice(buf.get(..ROOT_KEY_LEN).ok_or(RootKeyError::Format)?);
                Ok(Self { key })
            }
            _ => Err(RootKeyError::Format),
        }
    }

    /// Reads the key from the environment variable `var` (hex or base64).
    pub fn from_env(var: &str) -> Result<Self, RootKeyError> {
        let value = Zeroizing::new(
            std::env::var(var).map_err(|_| RootKeyError::MissingEnv(var.to_owned()))?,
        );
        Self::parse_encoded(&value)
    }

    /// Loads a key file (see the module docs for the format). Warns when the
    /// file is readable by group or others.
    pub fn load(path: &Path) -> Result<Self, RootKeyError> {
        let io = |source| RootKeyError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        warn_if_loose_permissions(path, &file);
        let mut text = Zeroizing::new(String::new());
        // A key file is tiny; refuse to read an unexpectedly large one.
        (&mut file)
            .take(1024)
            .read_to_string(&mut text)
            .map_err(io)?;
        Self::parse_encoded(&text)
    }

    /// Creates a new random key file with mode 0600; fails if it exists.
    pub fn create(path: &Path) -> Result<Self, RootKeyError> {
        let io = |source| RootKeyError::Io {
            path: path.to_owned(),
            source,
        };
        let key = Self::generate()?;
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(io)?;
        let mut text = Zeroizing::new(hex::encode(key.key.as_ref()));
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        tracing::info!(path = %path.display(), kcv = %key.key_check_value(), "created a new root key file");
        Ok(key)
    }

    /// Loads the key file, or creates it when it does not exist (dev mode).
    /// Returns the key and whether it was created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), RootKeyError> {
        match Self::load(path) {
            Ok(key) => Ok((key, false)),
            Err(RootKeyError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                match Self::create(path) {
                    Ok(key) => Ok((key, true)),
                    // Another process created it between our two calls.
                    Err(RootKeyError::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::AlreadyExists =>
                    {
                        Self::load(path).map(|k| (k, false))
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// First 8 bytes of HMAC-SHA-256(root, "tresor-kcv"), as 16 hex chars.
    pub fn key_check_value(&self) -> String {
        let mac_key = hmac::Key::new(hmac::HMAC_SHA256, self.key.as_ref());
        let tag = hmac::sign(&mac_key, b"tresor-kcv");
        hex::encode(tag.as_ref().get(..8).unwrap_or_default())
    }

    /// The raw key, for building the root AEAD key inside this crate.
    pub(crate) fn expose(&self) -> &[u8; ROOT_KEY_LEN] {
        &self.key
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootKey")
            .field("kcv", &self.key_check_value())
            .finish_non_exhaustive()
    }
}

#[cfg(unix)]
fn warn_if_loose_permissions(path: &Path, file: &std::fs::File) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = file.metadata() {
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "root key file is accessible by group or others; chmod 600 it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_loose_permissions(_path: &Path, _file: &std::fs::File) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_and_kcv() {
        let hex_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let a = RootKey::parse_encoded(&format!("{hex_key}\n")).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(hex::decode(hex_key).unwrap());
        let b = RootKey::parse_encoded(&b64).unwrap();
        assert_eq!(a.expose(), b.expose());
        assert_eq!(a.key_check_value(), b.key_check_value());
        assert_eq!(a.key_check_value().len(), 16);
        assert!(!format!("{a:?}").contains("0011"));
        assert!(format!("{a:?}").contains(&a.key_check_value()));
        assert!(RootKey::parse_encoded("abc").is_err());
        assert!(RootKey::parse_encoded(&hex_key[..62]).is_err());
        assert!(RootKey::parse_encoded(&"zz".repeat(32)).is_err());
        assert!(RootKey::from_slice(&[0u8; 31]).is_err());
        let other = RootKey::generate().unwrap();
        assert_ne!(other.key_check_value(), a.key_check_value());
    }

    #[test]
    fn file_create_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let (created, was_new) = RootKey::load_or_create(&path).unwrap();
        assert!(was_new);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 65);
        assert!(text.ends_with('\n'));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (loaded, was_new) = RootKey::load_or_create(&path).unwrap();
        assert!(!was_new);
        assert_eq!(loaded.key_check_value(), created.key_check_value());
        assert!(RootKey::create(&path).is_err(), "create must not overwrite");
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(RootKey::load(&path), Err(RootKeyError::Format)));
    }
}
