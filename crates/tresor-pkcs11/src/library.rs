//! One loaded PKCS#11 module per path, shared by every provider in the
//! process.
//!
//! A PKCS#11 module is process-global state (`C_Initialize` once per
//! application; `C_Finalize` ends every session of every caller), so two
//! providers on the same module must share one [`Library`]: its `RwLock` is
//! held for reading during every call and for writing while the module is
//! (re-)initialised, so a recovery never finalises under another thread's
//! feet. `epoch` counts finalisations: sessions from an older epoch are dead.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, RwLockReadGuard};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};

use crate::error::Pkcs11Error;

/// Initialisation state of a module, guarded by [`Library::state`].
#[derive(Debug)]
pub(crate) struct LibState {
    /// Whether `C_Initialize` succeeded since the last `C_Finalize`.
    pub initialized: bool,
    /// Number of finalisations so far.
    pub epoch: u64,
}

/// A loaded module.
#[derive(Debug)]
pub(crate) struct Library {
    pub pkcs11: Pkcs11,
    path: PathBuf,
    state: RwLock<LibState>,
}

/// Loaded modules by path.
static LIBRARIES: OnceLock<Mutex<HashMap<PathBuf, Arc<Library>>>> = OnceLock::new();

impl Library {
    /// Loads (once per process) and initialises the module at `path`.
    pub fn load(path: &Path) -> Result<Arc<Self>, Pkcs11Error> {
        let map = LIBRARIES.get_or_init(Default::default);
        let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lib) = map.get(path) {
            return Ok(Arc::clone(lib));
        }
        let pkcs11 = Pkcs11::new(path)
            .map_err(|e| Pkcs11Error::Module(format!("cannot load {}: {e}", path.display())))?;
        let lib = Arc::new(Library {
            pkcs11,
            path: path.to_owned(),
            state: RwLock::new(LibState {
                initialized: false,
                epoch: 0,
            }),
        });
        map.insert(path.to_owned(), Arc::clone(&lib));
        Ok(lib)
    }

    /// Module path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of finalisations so far.
    pub fn epoch(&self) -> u64 {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .epoch
    }

    /// A read guard on an initialised module (initialising it if needed).
    pub fn enter(&self) -> Result<RwLockReadGuard<'_, LibState>, Pkcs11Error> {
        loop {
            let guard = self.state.read().unwrap_or_else(PoisonError::into_inner);
            if guard.initialized {
                return Ok(guard);
            }
            drop(guard);
            let mut w = self.state.write().unwrap_or_else(PoisonError::into_inner);
            if !w.initialized {
                self.initialize(&mut w)?;
            }
        }
    }

    fn initialize(&self, state: &mut LibState) -> Result<(), Pkcs11Error> {
        let args = CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK);
        match self.pkcs11.initialize(args) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {
                state.initialized = true;
                Ok(())
            }
            Err(e) => Err(Pkcs11Error::from_ck(&e)),
        }
    }

    /// Finalises and re-initialises the module, unless someone already did
    /// since `seen_epoch`. Waits for every in-flight call to finish first.
    pub fn reinitialize(&self, seen_epoch: u64) -> Result<(), Pkcs11Error> {
        let mut w = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if w.epoch != seen_epoch {
            return Ok(());
        }
        tracing::warn!(module = %self.path.display(), "re-initialising the PKCS#11 module");
        // Errors are expected here (the module may already be finalised).
        let _ = self.pkcs11.clone().finalize();
        w.initialized = false;
        w.epoch += 1;
        self.initialize(&mut w)
    }

    /// Test hook: `C_Finalize` behind everyone's back (the bookkeeping still
    /// says "initialised", as after a crash inside the module).
    pub fn finalize_behind_the_back(&self) {
        let _w = self.state.write().unwrap_or_else(PoisonError::into_inner);
        let _ = self.pkcs11.clone().finalize();
    }
}
