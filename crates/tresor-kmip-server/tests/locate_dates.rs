//! Locate by dates: one date instance matches exactly, two are a range;
//! combined with other criteria; a third instance is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tresor_kmip::Tag;

fn date(name: &str, rfc3339: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="{name}"/><AttributeValue type="DateTime" value="{rfc3339}"/></Attribute>"#
    )
}

fn found(resp: &tresor_kmip::Ttlv) -> Vec<String> {
    ok(resp)
        .children()
        .iter()
        .filter(|c| c.tag == Tag::UniqueIdentifier)
        .map(|c| match &c.value {
            tresor_kmip::Value::TextString(s) => s.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn locate_by_date_ranges() {
    let h = harness().await;
    let v = (1, 4);
    let created = ok(&h
        .one(v, "Create", &aes_template(128, "Encrypt", "dated"))
        .await);
    let id = text(&created, Tag::UniqueIdentifier);
    let now = time::OffsetDateTime::now_utc();
    let fmt = |t: time::OffsetDateTime| {
        t.replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let (before, after) = (
        fmt(now - time::Duration::hours(1)),
        fmt(now + time::Duration::hours(1)),
    );
    let (old, older) = (
        fmt(now - time::Duration::days(2)),
        fmt(now - time::Duration::days(1)),
    );

    let range = format!(
        "{}{}",
        date("Initial Date", &before),
        date("Initial Date", &after)
    );
    assert_eq!(found(&h.one(v, "Locate", &range).await), vec![id.clone()]);
    let past = format!(
        "{}{}",
        date("Initial Date", &old),
        date("Initial Date", &older)
    );
    assert!(found(&h.one(v, "Locate", &past).await).is_empty());
    // Combined with a name, and on the Last Change Date.
    let named = format!(
        r#"{range}<Attribute><AttributeName type="TextString" value="Name"/><AttributeValue><NameValue type="TextString" value="dated"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>"#
    );
    assert_eq!(found(&h.one(v, "Locate", &named).await), vec![id.clone()]);
    let changed = format!(
        "{}{}",
        date("Last Change Date", &before),
        date("Last Change Date", &after)
    );
    assert_eq!(found(&h.one(v, "Locate", &changed).await), vec![id.clone()]);
    // A Pre-Active key has no Activation Date: it does not match a range.
    let activated = format!(
        "{}{}",
        date("Activation Date", &before),
        date("Activation Date", &after)
    );
    assert!(found(&h.one(v, "Locate", &activated).await).is_empty());
    // One instance is an exact match (to the second).
    let exact = date("Initial Date", &before);
    assert!(found(&h.one(v, "Locate", &exact).await).is_empty());
    let three = format!("{range}{}", date("Initial Date", &after));
    assert_eq!(err(&h.one(v, "Locate", &three).await), "InvalidField");
}
