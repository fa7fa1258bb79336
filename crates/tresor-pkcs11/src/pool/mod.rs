//! A pool of logged-in read-write sessions on one token, and the recovery
//! logic around every operation.
//!
//! [`Pool::run`] waits for one of `size` permits, then runs the operation on
//! tokio's blocking pool with a pooled session. When the attempt fails
//! because sessions died or lost their login, the pool drops its sessions,
//! logs in on fresh ones and retries once; when the module or the device is
//! gone it re-initialises the module and finds the slot again by token label
//! first. A second failure is [`ProviderError::Unavailable`]. Sessions are
//! opened "no-drop" and closed explicitly, so a session from before a
//! re-initialisation is never closed by number (the number may be reused).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cryptoki::object::ObjectHandle;
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use secrecy::SecretString;
use tokio::sync::Semaphore;
use tresor_core::ProviderError;

use crate::config::Pkcs11Config;
use crate::error::{Failure, Pkcs11Error, Severity, classify};
use crate::library::Library;

mod cx;

/// Cache key of an object lookup: class tag, `CKA_ID`, `CKA_LABEL`.
type ObjKey = (u8, [u8; 16], String);

struct PoolState {
    /// Library epoch the sessions below belong to.
    epoch: u64,
    /// Bumped whenever the pool is flushed.
    generation: u64,
    slot: Option<Slot>,
    idle: Vec<Session>,
}

/// The session pool of one provider.
pub(crate) struct Pool {
    lib: Arc<Library>,
    token_label: Option<String>,
    slot_id: Option<u64>,
    description: String,
    pin: SecretString,
    size: usize,
    state: Mutex<PoolState>,
    permits: Arc<Semaphore>,
    objects: Mutex<HashMap<ObjKey, ObjectHandle>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("module", &self.lib.path())
            .field("token", &self.description)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// What an operation sees: its session and object lookup.
pub(crate) struct Cx<'a> {
    pool: &'a Pool,
    pub session: &'a Session,
    pub slot: Slot,
}

/// Why one attempt failed.
enum Attempt {
    Final(ProviderError),
    Recover {
        severity: Severity,
        error: Pkcs11Error,
        epoch: u64,
        generation: u64,
    },
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// A pool for `config`'s token; nothing is opened yet.
    pub fn new(config: &Pkcs11Config) -> Result<Self, Pkcs11Error> {
        let lib = Library::load(&config.module_path)?;
        let size = config.pool_size.max(1);
        Ok(Self {
            lib,
            token_label: config.token_label.clone(),
            slot_id: config.slot,
            description: config.token_description(),
            pin: config.pin.clone(),
            size,
            state: Mutex::new(PoolState {
                epoch: 0,
                generation: 0,
                slot: None,
                idle: Vec::new(),
            }),
            permits: Arc::new(Semaphore::new(size)),
            objects: Mutex::new(HashMap::new()),
        })
    }

    /// The shared module.
    pub fn library(&self) -> &Library {
        &self.lib
    }

    /// Runs `f` with a pooled session on the blocking pool, recovering once.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, ProviderError>
    where
        T: Send + 'static,
        F: Fn(&Cx<'_>) -> Result<T, Failure> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| ProviderError::Unavailable(Box::new(e)))?;
        let pool = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let out = pool.run_blocking(&f);
            drop(permit);
            out
        })
        .await;
        joined.map_err(|e| ProviderError::Unavailable(Box::new(e)))?
    }

    /// [`Pool::run`] on the current thread.
    pub fn run_blocking<T>(
        &self,
        f: &dyn Fn(&Cx<'_>) -> Result<T, Failure>,
    ) -> Result<T, ProviderError> {
        let (severity, error, epoch, generation) = match self.attempt(f) {
            Ok(v) => return Ok(v),
            Err(Attempt::Final(e)) => return Err(e),
            Err(Attempt::Recover {
                severity,
                error,
                epoch,
                generation,
            }) => (severity, error, epoch, generation),
        };
        tracing::warn!(token = %self.description, %error, "PKCS#11 failure; reconnecting and retrying once");
        if let Err(e) = self.recover(severity, epoch, generation) {
            return Err(Pkcs11Error::StillFailing(Box::new(e)).unavailable());
        }
        match self.attempt(f) {
            Ok(v) => Ok(v),
            Err(Attempt::Final(e)) => Err(e),
            Err(Attempt::Recover { error, .. }) => {
                tracing::error!(token = %self.description, %error, "PKCS#11 token unavailable");
                Err(Pkcs11Error::StillFailing(Box::new(error)).unavailable())
            }
        }
    }

    fn attempt<T>(&self, f: &dyn Fn(&Cx<'_>) -> Result<T, Failure>) -> Result<T, Attempt> {
        let guard = self.lib.enter().map_err(|error| Attempt::Recover {
            severity: Severity::Library,
            error,
            epoch: self.lib_epoch(),
            generation: lock(&self.state).generation,
        })?;
        let epoch = guard.epoch;
        let (session, slot, generation) = self.checkout(epoch)?;
        let cx = Cx {
            pool: self,
            session: &session,
            slot,
        };
        let mut result = f(&cx);
        if matches!(result, Err(Failure::StaleHandle)) {
            lock(&self.objects).clear();
            result = f(&cx);
        }
        let result = match result {
            Ok(v) => Ok(v),
            Err(Failure::Recover(severity, error)) => {
                let _ = session.close();
                return Err(Attempt::Recover {
                    severity,
                    error,
                    epoch,
                    generation,
                });
            }
            Err(Failure::StaleHandle) => Err(Attempt::Final(ProviderError::Crypto)),
            Err(Failure::Provider(e)) => Err(Attempt::Final(e)),
        };
        self.checkin(session, epoch, generation);
        drop(guard);
        result
    }

    fn lib_epoch(&self) -> u64 {
        self.lib.epoch()
    }

    /// A session from the pool, or a new logged-in one.
    fn checkout(&self, epoch: u64) -> Result<(Session, Slot, u64), Attempt> {
        let mut st = lock(&self.state);
        if st.epoch != epoch {
            // The module was re-initialised: those sessions died with it
            // (dropped without closing: their numbers may be reused).
            st.idle.clear();
            st.slot = None;
            st.epoch = epoch;
            st.generation += 1;
            lock(&self.objects).clear();
        }
        let generation = st.generation;
        let recover = |severity, error| Attempt::Recover {
            severity,
            error,
            epoch,
            generation,
        };
        let slot = match st.slot {
            Some(slot) => slot,
            None => {
                let slot = self
                    .find_slot()
                    .map_err(|e| recover(Severity::Library, e))?;
                st.slot = Some(slot);
                slot
            }
        };
        if let Some(session) = st.idle.pop() {
            return Ok((session, slot, generation));
        }
        drop(st);
        let session =
            self.lib
                .pkcs11
                .open_rw_session_no_drop(slot)
                .map_err(|e| match classify(e) {
                    Failure::Recover(severity, error) => recover(severity, error),
                    Failure::Provider(e) => Attempt::Final(e),
                    Failure::StaleHandle => {
                        recover(Severity::Library, Pkcs11Error::Module("slot".into()))
                    }
                })?;
        match session.login(UserType::User, Some(&self.pin)) {
            Ok(())
            | Err(cryptoki::error::Error::Pkcs11(
                cryptoki::error::RvError::UserAlreadyLoggedIn,
                _,
            )) => Ok((session, slot, generation)),
            Err(e) => {
                let _ = session.close();
                Err(match e {
                    cryptoki::error::Error::Pkcs11(rv, _)
                        if matches!(classify_login(rv), Severity::Library) =>
                    {
                        recover(Severity::Library, Pkcs11Error::from_ck(&e))
                    }
                    cryptoki::error::Error::Pkcs11(rv, _) => Attempt::Final(
                        Pkcs11Error::Login {
                            token: self.description.clone(),
                            rv,
                        }
                        .unavailable(),
                    ),
                    other => Attempt::Final(Pkcs11Error::from_ck(&other).unavailable()),
                })
            }
        }
    }

    fn checkin(&self, session: Session, epoch: u64, generation: u64) {
        let mut st = lock(&self.state);
        if st.epoch == epoch && st.generation == generation && st.idle.len() < self.size {
            st.idle.push(session);
        } else {
            drop(st);
            let _ = session.close();
        }
    }

    /// Flushes sessions (and re-initialises the module for `Library`).
    fn recover(&self, severity: Severity, epoch: u64, generation: u64) -> Result<(), Pkcs11Error> {
        lock(&self.objects).clear();
        if severity == Severity::Library {
            return self.lib.reinitialize(epoch);
        }
        let guard = self.lib.enter()?;
        let mut st = lock(&self.state);
        if st.generation == generation && st.epoch == guard.epoch {
            for session in st.idle.drain(..) {
                let _ = session.close();
            }
            st.generation += 1;
        }
        Ok(())
    }

    fn find_slot(&self) -> Result<Slot, Pkcs11Error> {
        let pkcs11 = &self.lib.pkcs11;
        let slots = pkcs11
            .get_slots_with_token()
            .map_err(|e| Pkcs11Error::from_ck(&e))?;
        for slot in slots {
            let matches = match (&self.token_label, self.slot_id) {
                (Some(label), _) => pkcs11
                    .get_token_info(slot)
                    .is_ok_and(|info| info.label().trim_end() == label),
                (None, Some(id)) => slot.id() == id,
                (None, None) => false,
            };
            if matches {
                return Ok(slot);
            }
        }
        Err(Pkcs11Error::TokenNotFound(self.description.clone()))
    }

    /// `C_Logout` on a pooled session, which logs out every session of the
    /// application (test hook for a lost login).
    pub fn logout_for_test(&self) -> Result<(), ProviderError> {
        self.run_blocking(&|cx: &Cx<'_>| cx.session.logout().map_err(classify))
    }
}

/// Login failures that mean the device, not the PIN, is the problem.
fn classify_login(rv: cryptoki::error::RvError) -> Severity {
    match classify(cryptoki::error::Error::Pkcs11(
        rv,
        cryptoki::context::Function::Login,
    )) {
        Failure::Recover(Severity::Library, _) => Severity::Library,
        _ => Severity::Session,
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Ok(guard) = self.lib.enter() {
            let mut st = lock(&self.state);
            if st.epoch == guard.epoch {
                for session in st.idle.drain(..) {
                    let _ = session.close();
                }
            }
        }
    }
}
