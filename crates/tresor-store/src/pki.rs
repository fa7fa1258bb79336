//! Certificates and CAs, shared by every SQL backend: rows back to records
//! and the queries, written once as a macro each backend instantiates with
//! its database type (the SQL is portable; only placeholders differ, and
//! `QueryBuilder` writes those).

use tresor_core::{CaRecord, CertId, CertificateRecord, KeyId, StoreError, Timestamp};

use crate::rows::{RowExt, tenant_id};

/// Columns of `certificates`.
pub(crate) const CERT_COLUMNS: &str = "tenant, id, serial, subject, issuer, sans, not_before, \
     not_after, key_id, ca, is_ca, trust_anchor, origin, der, revoked_at, revocation_reason, \
     created_at";

/// Columns of `cas`.
pub(crate) const CA_COLUMNS: &str = "tenant, name, key_id, cert_id, parent, allowed_domains, \
     crl_number, crl, crl_updated_at, created_at";

/// Default and maximum certificates per listing.
pub(crate) const DEFAULT_LIMIT: u32 = 100;
pub(crate) const MAX_LIMIT: u32 = 1000;

fn corrupt(col: &str, what: &str) -> StoreError {
    StoreError::Corrupt(format!("column {col}: {what}"))
}

fn json_list(col: &str, s: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(s).map_err(|_| corrupt(col, "not a JSON list of strings"))
}

pub(crate) fn to_json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn cert_id(col: &str, s: &str) -> Result<CertId, StoreError> {
    CertId::parse(s).map_err(|_| corrupt(col, "not a UUID"))
}

fn key_id(col: &str, s: &str) -> Result<KeyId, StoreError> {
    KeyId::parse(s).map_err(|_| corrupt(col, "not a UUID"))
}

fn ts(v: i64) -> Timestamp {
    Timestamp::from_unix_micros(v)
}

pub(crate) fn cert_from_row(r: &impl RowExt) -> Result<CertificateRecord, StoreError> {
    Ok(CertificateRecord {
        tenant: tenant_id("tenant", &r.text("tenant")?)?,
        id: cert_id("id", &r.text("id")?)?,
        serial: r.text("serial")?,
        subject: r.text("subject")?,
        issuer: r.text("issuer")?,
        sans: json_list("sans", &r.text("sans")?)?,
        not_before: ts(r.int("not_before")?),
        not_after: ts(r.int("not_after")?),
        key_id: r
            .opt_text("key_id")?
            .map(|k| key_id("key_id", &k))
            .transpose()?,
        ca: r.opt_text("ca")?,
        is_ca: r.int("is_ca")? != 0,
        trust_anchor: r.int("trust_anchor")? != 0,
        origin: r.text("origin")?,
        der: r.blob("der")?,
        revoked_at: r.opt_int("revoked_at")?.map(ts),
        revocation_reason: r.opt_text("revocation_reason")?,
        created_at: ts(r.int("created_at")?),
    })
}

pub(crate) fn ca_from_row(r: &impl RowExt) -> Result<CaRecord, StoreError> {
    Ok(CaRecord {
        tenant: tenant_id("tenant", &r.text("tenant")?)?,
        name: r.text("name")?,
        key_id: key_id("key_id", &r.text("key_id")?)?,
        cert_id: cert_id("cert_id", &r.text("cert_id")?)?,
        parent: r.opt_text("parent")?,
        allowed_domains: json_list("allowed_domains", &r.text("allowed_domains")?)?,
        crl_number: u64::try_from(r.int("crl_number")?)
            .map_err(|_| corrupt("crl_number", "negative"))?,
        crl: r.opt_blob("crl")?,
        crl_updated_at: r.opt_int("crl_updated_at")?.map(ts),
        created_at: ts(r.int("created_at")?),
    })
}

/// `%…%` LIKE pattern of a lowercased needle, escaping with `!`.
pub(crate) fn like(needle: &str) -> String {
    let mut out = String::from("%");
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The PKI queries for one backend: `$db` the sqlx database, `$pool` its
/// pool type, `$write` / `$backend` its error mappers.
macro_rules! pki_queries {
    ($db:ty, $pool:ty, $write:path, $backend:path) => {
        use sqlx::QueryBuilder;
        use tresor_core::{
            CaRecord, CertId, CertificateFilter, CertificateRecord, Change, StoreError, TenantId,
        };

        use $crate::pki::{
            CA_COLUMNS, CERT_COLUMNS, DEFAULT_LIMIT, MAX_LIMIT, ca_from_row, cert_from_row, like,
            to_json,
        };
        use $crate::rows::{page_limit, u64_col};

        /// Applies a PKI change inside a transaction; `false` when `change`
        /// is not a PKI change.
        pub(super) async fn apply(
            tx: &mut sqlx::Transaction<'_, $db>,
            change: &Change,
        ) -> Result<bool, StoreError> {
            match change {
                Change::CreateCertificate(c) => insert_cert(tx, c).await?,
                Change::RevokeCertificate {
                    tenant,
                    id,
                    at,
                    reason,
                } => {
                    let mut q = QueryBuilder::<$db>::new("UPDATE certificates SET revoked_at = ");
                    q.push_bind(at.unix_micros())
                        .push(", revocation_reason = ")
                        .push_bind(reason.clone())
                        .push(" WHERE tenant = ")
                        .push_bind(tenant.as_str().to_owned())
                        .push(" AND id = ")
                        .push_bind(id.to_string())
                        .push(" AND revoked_at IS NULL");
                    let done = q.build().execute(&mut **tx).await.map_err($write)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict);
                    }
                }
                Change::CreateCa(ca) => insert_ca(tx, ca).await?,
                Change::UpdateCaCrl {
                    tenant,
                    name,
                    crl,
                    expected_number,
                    number,
                    at,
                } => {
                    let mut q = QueryBuilder::<$db>::new("UPDATE cas SET crl = ");
                    q.push_bind(crl.clone())
                        .push(", crl_number = ")
                        .push_bind(u64_col("crl_number", *number)?)
                        .push(", crl_updated_at = ")
                        .push_bind(at.unix_micros())
                        .push(" WHERE tenant = ")
                        .push_bind(tenant.as_str().to_owned())
                        .push(" AND name = ")
                        .push_bind(name.clone())
                        .push(" AND crl_number = ")
                        .push_bind(u64_col("crl_number", *expected_number)?);
                    let done = q.build().execute(&mut **tx).await.map_err($write)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict);
                    }
                }
                _ => return Ok(false),
            }
            Ok(true)
        }

        async fn insert_cert(
            tx: &mut sqlx::Transaction<'_, $db>,
            c: &CertificateRecord,
        ) -> Result<(), StoreError> {
            let mut q = QueryBuilder::<$db>::new(format!(
                "INSERT INTO certificates ({CERT_COLUMNS}) VALUES ("
            ));
            let mut v = q.separated(", ");
            v.push_bind(c.tenant.as_str().to_owned())
                .push_bind(c.id.to_string())
                .push_bind(c.serial.clone())
                .push_bind(c.subject.clone())
                .push_bind(c.issuer.clone())
                .push_bind(to_json(&c.sans))
                .push_bind(c.not_before.unix_micros())
                .push_bind(c.not_after.unix_micros())
                .push_bind(c.key_id.map(|k| k.to_string()))
                .push_bind(c.ca.clone())
                .push_bind(i64::from(c.is_ca))
                .push_bind(i64::from(c.trust_anchor))
                .push_bind(c.origin.clone())
                .push_bind(c.der.clone())
                .push_bind(c.revoked_at.map(|t| t.unix_micros()))
                .push_bind(c.revocation_reason.clone())
                .push_bind(c.created_at.unix_micros())
                .push_unseparated(")");
            q.build().execute(&mut **tx).await.map_err($write)?;
            Ok(())
        }

        async fn insert_ca(
            tx: &mut sqlx::Transaction<'_, $db>,
            c: &CaRecord,
        ) -> Result<(), StoreError> {
            let mut q =
                QueryBuilder::<$db>::new(format!("INSERT INTO cas ({CA_COLUMNS}) VALUES ("));
            let mut v = q.separated(", ");
            v.push_bind(c.tenant.as_str().to_owned())
                .push_bind(c.name.clone())
                .push_bind(c.key_id.to_string())
                .push_bind(c.cert_id.to_string())
                .push_bind(c.parent.clone())
                .push_bind(to_json(&c.allowed_domains))
                .push_bind(u64_col("crl_number", c.crl_number)?)
                .push_bind(c.crl.clone())
                .push_bind(c.crl_updated_at.map(|t| t.unix_micros()))
                .push_bind(c.created_at.unix_micros())
                .push_unseparated(")");
            q.build().execute(&mut **tx).await.map_err($write)?;
            Ok(())
        }

        pub(super) async fn get_certificate(
            pool: &$pool,
            tenant: &TenantId,
            id: &CertId,
        ) -> Result<Option<CertificateRecord>, StoreError> {
            let mut q = QueryBuilder::<$db>::new(format!(
                "SELECT {CERT_COLUMNS} FROM certificates WHERE tenant = "
            ));
            q.push_bind(tenant.as_str().to_owned())
                .push(" AND id = ")
                .push_bind(id.to_string());
            let row = q.build().fetch_optional(pool).await.map_err($backend)?;
            row.as_ref().map(cert_from_row).transpose()
        }

        pub(super) async fn list_certificates(
            pool: &$pool,
            tenant: &TenantId,
            f: &CertificateFilter,
        ) -> Result<Vec<CertificateRecord>, StoreError> {
            let mut q = QueryBuilder::<$db>::new(format!(
                "SELECT {CERT_COLUMNS} FROM certificates WHERE tenant = "
            ));
            q.push_bind(tenant.as_str().to_owned());
            for (col, v) in [
                ("subject", &f.subject),
                ("sans", &f.san),
                ("issuer", &f.issuer),
            ] {
                if let Some(v) = v {
                    q.push(format!(" AND LOWER({col}) LIKE "))
                        .push_bind(like(v))
                        .push(" ESCAPE '!'");
                }
            }
            if let Some(s) = &f.serial {
                q.push(" AND serial = ").push_bind(s.to_lowercase());
            }
            if let Some(ca) = &f.ca {
                q.push(" AND ca = ").push_bind(ca.clone());
            }
            if let Some(after) = &f.after {
                q.push(" AND id > ").push_bind(after.to_string());
            }
            if let Some(t) = f.expires_before {
                q.push(" AND not_after <= ").push_bind(t.unix_micros());
            }
            if let Some(a) = f.trust_anchor {
                q.push(" AND trust_anchor = ").push_bind(i64::from(a));
            }
            match f.revoked {
                Some(true) => {
                    q.push(" AND revoked_at IS NOT NULL");
                }
                Some(false) => {
                    q.push(" AND revoked_at IS NULL");
                }
                None => {}
            }
            q.push(" ORDER BY id LIMIT ")
                .push_bind(i64::from(page_limit(f.limit, DEFAULT_LIMIT, MAX_LIMIT)));
            let rows = q.build().fetch_all(pool).await.map_err($backend)?;
            rows.iter().map(cert_from_row).collect()
        }

        pub(super) async fn get_ca(
            pool: &$pool,
            tenant: &TenantId,
            name: &str,
        ) -> Result<Option<CaRecord>, StoreError> {
            let mut q =
                QueryBuilder::<$db>::new(format!("SELECT {CA_COLUMNS} FROM cas WHERE tenant = "));
            q.push_bind(tenant.as_str().to_owned())
                .push(" AND name = ")
                .push_bind(name.to_owned());
            let row = q.build().fetch_optional(pool).await.map_err($backend)?;
            row.as_ref().map(ca_from_row).transpose()
        }

        pub(super) async fn list_cas(
            pool: &$pool,
            tenant: &TenantId,
        ) -> Result<Vec<CaRecord>, StoreError> {
            let mut q =
                QueryBuilder::<$db>::new(format!("SELECT {CA_COLUMNS} FROM cas WHERE tenant = "));
            q.push_bind(tenant.as_str().to_owned())
                .push(" ORDER BY name");
            let rows = q.build().fetch_all(pool).await.map_err($backend)?;
            rows.iter().map(ca_from_row).collect()
        }
    };
}
pub(crate) use pki_queries;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escapes() {
        assert_eq!(like("A_b%c!"), "%a!_b!%c!!%");
    }
}
