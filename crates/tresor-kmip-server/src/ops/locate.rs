//! Locate: the tenant's keys (through the service's paged listing),
//! expanded into KMIP objects (a pair is two), then its stored secrets
//! (Secret Data, Opaque Objects, public keys registered alone; through the
//! secrets service) and certificates (through the PKI service), filtered
//! by Object Type,
//! Cryptographic Algorithm / Length, State, Name and dates, then Offset
//! Items and Maximum Items applied.
//!
//! Dates (Initial, Activation, Deactivation, Destroy, Last Change Date):
//! one instance matches that second exactly; two instances are a range,
//! the first its start and the second its end (both included), as the
//! specification has it. An object without the date does not match.

use tresor_core::{
    Alias, CertificateFilter, KeyFilter, KeyId, PageRequest, SecretFilter, SecretSort,
};
use tresor_kmip::{Tag, Ttlv, Value};

use crate::attrs;
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::objects::{ObjectId, algorithm_matches};
use crate::ttlv_ext::{self as t, Fields};

/// Keys scanned at most per Locate (pages of 1000).
const MAX_SCAN_PAGES: usize = 20;
/// Stored secrets (and certificates) looked at per Locate.
const MAX_STORED: u32 = 1000;

#[derive(Debug, Default)]
struct Criteria {
    object_type: Option<u32>,
    algorithm: Option<u32>,
    length: Option<i32>,
    state: Option<u32>,
    name: Option<String>,
    /// Each date attribute asked for, with its one or two values.
    dates: Vec<(Tag, Vec<i64>)>,
}

/// The date attributes Locate filters by.
const DATE_TAGS: [Tag; 5] = [
    Tag::InitialDate,
    Tag::ActivationDate,
    Tag::DeactivationDate,
    Tag::DestroyDate,
    Tag::LastChangeDate,
];

fn criteria(p: &Ttlv) -> KmipResult<Criteria> {
    let mut list = attrs::collect(p, &[Tag::Attributes]);
    list.extend(p.all(Tag::Attribute).into_iter().filter_map(attrs::from_v1));
    let mut c = Criteria::default();
    for a in list {
        match (a.tag, &a.value) {
            (Tag::ObjectType, Value::Enumeration(v)) => c.object_type = Some(*v),
            (Tag::CryptographicAlgorithm, Value::Enumeration(v)) => c.algorithm = Some(*v),
            (Tag::CryptographicLength, Value::Integer(v)) => c.length = Some(*v),
            (Tag::State, Value::Enumeration(v)) => c.state = Some(*v),
            (Tag::Name, Value::Structure(_)) => c.name = a.text(Tag::NameValue).map(str::to_owned),
            (tag, Value::DateTime(d)) if DATE_TAGS.contains(&tag) => {
                match c.dates.iter_mut().find(|(t, _)| *t == tag) {
                    Some((_, v)) if v.len() < 2 => v.push(*d),
                    Some(_) => {
                        return Err(KmipError::invalid(format!(
                            "{tag} is given more than twice (one date, or a start and an end)"
                        )));
                    }
                    None => c.dates.push((tag, vec![*d])),
                }
            }
            (Tag::ObjectGroup | Tag::ObjectGroupMember | Tag::StorageStatusMask, _) => {}
            (other, _) => {
                return Err(KmipError::feature(format!(
                    "Locate by {other} is not supported (Object Type, Cryptographic Algorithm, Cryptographic Length, State, Name and the dates are)"
                )));
            }
        }
    }
    Ok(c)
}

/// Whether an object's attributes meet the criteria. `key_alg` is the
/// Tresor algorithm of a key (one KMIP algorithm can name several); other
/// objects compare their Cryptographic Algorithm attribute.
fn matches(c: &Criteria, found: &[Ttlv], key_alg: Option<tresor_core::Algorithm>) -> bool {
    let get = |tag: Tag| found.iter().find(|a| a.tag == tag);
    if let Some(ot) = c.object_type
        && get(Tag::ObjectType).map(|a| &a.value) != Some(&Value::Enumeration(ot))
    {
        return false;
    }
    if let Some(a) = c.algorithm {
        let ok = match key_alg {
            Some(k) => algorithm_matches(a, k),
            None => {
                get(Tag::CryptographicAlgorithm).map(|x| &x.value) == Some(&Value::Enumeration(a))
            }
        };
        if !ok {
            return false;
        }
    }
    if let Some(l) = c.length
        && get(Tag::CryptographicLength).map(|a| &a.value) != Some(&Value::Integer(l))
    {
        return false;
    }
    if let Some(s) = c.state
        && get(Tag::State).map(|a| &a.value) != Some(&Value::Enumeration(s))
    {
        return false;
    }
    if let Some(n) = &c.name
        && get(Tag::Name).and_then(|a| a.text(Tag::NameValue)) != Some(n.as_str())
    {
        return false;
    }
    c.dates.iter().all(|(tag, want)| {
        let Some(Value::DateTime(at)) = get(*tag).map(|a| &a.value) else {
            return false;
        };
        match want.as_slice() {
            [exact] => at == exact,
            [start, end] => start <= at && at <= end,
            _ => false,
        }
    })
}

pub(crate) async fn locate(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let c = criteria(p)?;
    let max = p
        .integer(Tag::MaximumItems)
        .filter(|m| *m > 0)
        .map(|m| m as usize);
    let offset = p
        .integer(Tag::OffsetItems)
        .filter(|o| *o > 0)
        .map_or(0, |o| o as usize);
    let caller = ctx.caller()?;
    // A name that is a valid alias narrows the scan (the alias is a prefix
    // of itself); names kept in tags need the full scan.
    let alias_prefix = c
        .name
        .as_deref()
        .filter(|n| Alias::parse(n).is_ok())
        .map(str::to_owned);
    let mut ids = Vec::new();
    let mut after: Option<KeyId> = None;
    for _ in 0..MAX_SCAN_PAGES {
        let filter = KeyFilter {
            alias_prefix: alias_prefix.clone(),
            ..KeyFilter::default()
        };
        let page = ctx
            .kms
            .list_keys(caller, filter, PageRequest { after, limit: 1000 })
            .await?;
        for key in &page.items {
            let mut objects = vec![ObjectId {
                key: key.id,
                public: false,
            }];
            if key.algorithm.is_asymmetric() {
                objects.push(ObjectId {
                    key: key.id,
                    public: true,
                });
            }
            for oid in objects {
                if matches(&c, &attrs::all_of(key, &oid), Some(key.algorithm)) {
                    ids.push(if oid.public {
                        ObjectId::public_id(key)
                    } else {
                        ObjectId::private_id(key)
                    });
                }
            }
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    // Newest first, as clients looking up a name expect the latest object.
    ids.reverse();
    ids.extend(stored_matches(ctx, &c).await?);
    let selected = ids.into_iter().skip(offset).take(max.unwrap_or(usize::MAX));
    Ok(selected
        .map(|id| t::text(Tag::UniqueIdentifier, id))
        .collect())
}

/// Secrets stored over KMIP or REST (Secret Data, Opaque Objects, public
/// keys registered alone) and stored certificates that meet the criteria,
/// newest first; at most [`MAX_STORED`] of each are looked at (by name,
/// or by subject for certificates, when one is given).
async fn stored_matches(ctx: &Ctx<'_>, c: &Criteria) -> KmipResult<Vec<String>> {
    use super::stored::{
        CERTIFICATE_TYPE, SECRET_OBJECT_TYPES, SECRET_PREFIX, certificate_attributes,
        secret_attributes,
    };
    let caller = ctx.caller()?;
    let wants = |types: &[u32]| c.object_type.is_none_or(|t| types.contains(&t));
    let mut out = Vec::new();
    if wants(&SECRET_OBJECT_TYPES) {
        let filter = SecretFilter {
            name: c.name.clone(),
            sort: vec![(SecretSort::Created, true)],
            limit: MAX_STORED,
            ..SecretFilter::default()
        };
        let found = ctx.kms.list_secrets(caller, filter).await?;
        out.extend(
            found
                .iter()
                .filter(|info| matches(c, &secret_attributes(info), None))
                .map(|info| format!("{SECRET_PREFIX}{}", info.id)),
        );
    }
    if wants(&[CERTIFICATE_TYPE]) {
        let filter = CertificateFilter {
            subject: c.name.clone(),
            limit: MAX_STORED,
            ..CertificateFilter::default()
        };
        let found = ctx.kms.list_certificates(caller, filter).await?;
        // Listed oldest first: newest first, like the rest.
        out.extend(
            found
                .iter()
                .rev()
                .filter(|cert| matches(c, &certificate_attributes(cert), None))
                .map(|cert| format!("{}{}", super::certify::CERT_PREFIX, cert.id)),
        );
    }
    Ok(out)
}
