//! The file-system side of starting: the data directory, the root key
//! (from the environment or its file, created only when that is safe) and
//! the file the initial admin token is handed over in.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use tresor_crypto::RootKey;

use crate::config::Config;
use crate::runtime::StartError;

/// Name of the file that receives the initial admin token.
pub const INITIAL_TOKEN_FILE: &str = "initial-admin-token";

/// Creates the data directory (mode 0700) when missing. Returns whether it
/// is new: just created, or existing but empty.
pub(crate) fn prepare_data_dir(dir: &Path) -> Result<bool, StartError> {
    let io = |source| StartError::DataDir {
        path: dir.to_owned(),
        source,
    };
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {
            warn_if_loose(dir, &meta);
            let empty = std::fs::read_dir(dir).map_err(io)?.next().is_none();
            Ok(empty)
        }
        Ok(_) => Err(io(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "exists but is not a directory",
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut builder = DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(dir).map_err(io)?;
            tracing::info!(path = %dir.display(), "created the data directory");
            Ok(true)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(unix)]
fn warn_if_loose(dir: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(path = %dir.display(), mode = format!("{mode:o}"), "the data directory is accessible by group or others; chmod 700 it");
    }
}

#[cfg(not(unix))]
fn warn_if_loose(_dir: &Path, _meta: &std::fs::Metadata) {}

/// Where the root key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RootKeySource {
    /// `TRESOR_ROOT_KEY`.
    Environment,
    /// An existing key file.
    File(PathBuf),
    /// A key file created at this start.
    Created(PathBuf),
    /// An AES key inside a PKCS#11 token (`created`: generated at this start).
    Pkcs11 {
        provider: tresor_core::ProviderId,
        label: String,
        created: bool,
    },
}

/// The root key: the configured value, else the key file. A missing file is
/// created only in dev mode or for a new data directory.
pub(crate) fn root_key(
    config: &Config,
    fresh_data_dir: bool,
) -> Result<(RootKey, RootKeySource), StartError> {
    if let Some(value) = &config.root_key {
        let key = RootKey::parse_encoded(value.expose()).map_err(StartError::RootKey)?;
        return Ok((key, RootKeySource::Environment));
    }
    let path = &config.root_key_file;
    if path.exists() {
        let key = RootKey::load(path).map_err(StartError::RootKey)?;
        return Ok((key, RootKeySource::File(path.clone())));
    }
    if !(config.dev || fresh_data_dir) {
        return Err(StartError::RootKeyMissing {
            path: path.clone(),
            data_dir: config.data_dir.clone(),
        });
    }
    let (key, created) = RootKey::load_or_create(path).map_err(StartError::RootKey)?;
    let source = if created {
        tracing::warn!(
            path = %path.display(),
            "created a NEW root key file: back it up; without it the keys in this data directory cannot be used"
        );
        RootKeySource::Created(path.clone())
    } else {
        RootKeySource::File(path.clone())
    };
    Ok((key, source))
}

/// Writes the initial admin token to `<data_dir>/initial-admin-token`
/// (mode 0600, never overwriting). Returns the path, or `None` when a file
/// of that name already exists (it is left alone, with a warning).
pub(crate) fn write_initial_token(
    data_dir: &Path,
    token: &str,
) -> Result<Option<PathBuf>, StartError> {
    let path = data_dir.join(INITIAL_TOKEN_FILE);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let io = |source| StartError::TokenFile {
        path: path.clone(),
        source,
    };
    let mut file = match options.open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            tracing::warn!(path = %path.display(), "an old initial admin token file exists and was not replaced; the new token is only printed");
            return Ok(None);
        }
        Err(e) => return Err(io(e)),
    };
    file.write_all(format!("{token}\n").as_bytes())
        .map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_key_is_created_only_when_safe() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        assert!(prepare_data_dir(&data).unwrap(), "new dir is fresh");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&data).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        let config = Config::for_data_dir(&data);
        let (k1, src) = root_key(&config, true).unwrap();
        assert!(matches!(src, RootKeySource::Created(_)));
        let (k2, src) = root_key(&config, false).unwrap();
        assert!(matches!(src, RootKeySource::File(_)));
        assert_eq!(k1.key_check_value(), k2.key_check_value());

        // An existing, non-empty data dir without its key file: refused.
        std::fs::remove_file(&config.root_key_file).unwrap();
        std::fs::write(data.join("tresor.db"), b"x").unwrap();
        assert!(!prepare_data_dir(&data).unwrap());
        let e = root_key(&config, false).unwrap_err();
        assert!(matches!(e, StartError::RootKeyMissing { .. }), "{e}");
        assert!(e.to_string().contains("--dev"), "{e}");
        // ... unless in dev mode.
        let dev = Config {
            dev: true,
            ..config.clone()
        };
        assert!(root_key(&dev, false).is_ok());
    }

    #[test]
    fn token_file_is_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_initial_token(dir.path(), "tok").unwrap().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "tok\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(write_initial_token(dir.path(), "other").unwrap(), None);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "tok\n");
    }
}
