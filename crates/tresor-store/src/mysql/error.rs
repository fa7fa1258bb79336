//! MySQL failures as [`StoreError`]s, by error number: a duplicate entry
//! (1062) for the `keys_alias` key is `AliasTaken`, any other `Duplicate`;
//! a foreign-key violation (1452, 1451, 1216, 1217) is `Conflict`.

use sqlx::mysql::MySqlDatabaseError;
use tresor_core::StoreError;

use crate::error::ALIAS_INDEX;
pub(super) use crate::error::backend;

const ER_DUP_ENTRY: u16 = 1062;
const FOREIGN_KEY_ERRORS: [u16; 4] = [1216, 1217, 1451, 1452];

/// A failure while applying a write.
pub(super) fn write_error(e: sqlx::Error) -> StoreError {
    if let Some(db) = e
        .as_database_error()
        .and_then(|db| db.try_downcast_ref::<MySqlDatabaseError>())
    {
        match db.number() {
            ER_DUP_ENTRY if duplicate_key(db.message()) == Some(ALIAS_INDEX) => {
                return StoreError::AliasTaken;
            }
            ER_DUP_ENTRY => return StoreError::Duplicate,
            // The tenant (or key) the row points to does not exist.
            n if FOREIGN_KEY_ERRORS.contains(&n) => return StoreError::Conflict,
            _ => {}
        }
    }
    backend(e)
}

/// The key (index) name of a duplicate-entry message: `… for key 'NAME'`
/// (MariaDB, MySQL 5.7) or `… for key 'table.NAME'` (MySQL 8).
fn duplicate_key(message: &str) -> Option<&str> {
    let (_, rest) = message.rsplit_once("for key '")?;
    let name = rest.strip_suffix('\'')?;
    Some(name.rsplit_once('.').map_or(name, |(_, n)| n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_duplicate_key_names() {
        let maria = "Duplicate entry 'a-shared' for key 'keys_alias'";
        assert_eq!(duplicate_key(maria), Some("keys_alias"));
        let mysql8 = "Duplicate entry 'a-shared' for key 'keys.keys_alias'";
        assert_eq!(duplicate_key(mysql8), Some("keys_alias"));
        let tricky = "Duplicate entry 'x for key 'keys_alias'' for key 'PRIMARY'";
        assert_eq!(duplicate_key(tricky), Some("PRIMARY"));
        assert_eq!(duplicate_key("Deadlock found"), None);
    }
}
