//! Request and response messages: the header (protocol version,
//! authentication, batch options), the batch loop with its error
//! continuation option, and the response header and batch items.

use tresor_kmip::{Tag, Ttlv};
use tresor_service::{Caller, Kms, RequestMeta};

use crate::codes::{CREDENTIAL_USERNAME_PASSWORD, batch_error, op, reason, status};
use crate::error::{KmipError, KmipResult};
use crate::ops;
use crate::ttlv_ext::{self as t, Fields};

/// Protocol versions this server speaks, newest first.
pub const SUPPORTED_VERSIONS: &[(i32, i32)] =
    &[(2, 1), (2, 0), (1, 4), (1, 3), (1, 2), (1, 1), (1, 0)];

/// Who sent a message, as the transport established it.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The caller the transport authenticated (client certificate or
    /// bearer token), if any.
    pub caller: Option<Caller>,
    /// Request id and source address, for audit.
    pub meta: RequestMeta,
}

/// What one batch item runs with.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub kms: &'a Kms,
    pub caller: Option<Caller>,
    /// Protocol version of the request (and the response).
    pub version: (i32, i32),
    /// The ID placeholder: the unique identifier the previous batch item
    /// produced, used when an item omits its own.
    pub placeholder: Option<String>,
}

impl Ctx<'_> {
    pub fn caller(&self) -> KmipResult<&Caller> {
        self.caller.as_ref().ok_or_else(|| {
            KmipError::new(
                reason::AUTHENTICATION_NOT_SUCCESSFUL,
                "authentication required: a mapped client certificate or a Username/Password credential",
            )
        })
    }

    /// KMIP 2.x attribute and message forms.
    pub fn v2(&self) -> bool {
        self.version.0 >= 2
    }

    /// The Unique Identifier of a request payload, or the ID placeholder.
    pub fn target(&self, payload: &Ttlv) -> KmipResult<String> {
        match payload.text(Tag::UniqueIdentifier) {
            Some(id) => Ok(id.to_owned()),
            None => self
                .placeholder
                .clone()
                .ok_or_else(|| KmipError::missing(Tag::UniqueIdentifier)),
        }
    }
}

/// Processes one request message and returns its response message. Never
/// fails: every problem becomes a failed batch item.
pub async fn process(kms: &Kms, peer: Peer, request: &Ttlv) -> Ttlv {
    let header = request.child(Tag::RequestHeader);
    let version = header
        .and_then(|h| h.child(Tag::ProtocolVersion))
        .map(|v| {
            (
                v.integer(Tag::ProtocolVersionMajor).unwrap_or(1),
                v.integer(Tag::ProtocolVersionMinor).unwrap_or(0),
            )
        })
        .unwrap_or((1, 0));
    let mut ctx = Ctx {
        kms,
        caller: peer.caller,
        version,
        placeholder: None,
    };
    let items = request.all(Tag::BatchItem);
    let fail_all = |e: KmipError| -> Vec<Ttlv> {
        let mut out: Vec<Ttlv> = items
            .iter()
            .map(|item| failed_item(item, &e, version.0))
            .collect();
        if out.is_empty() {
            out.push(failed_item(
                &Ttlv::structure(Tag::BatchItem, vec![]),
                &e,
                version.0,
            ));
        }
        out
    };
    let Some(header) = header.filter(|_| request.tag == Tag::RequestMessage) else {
        let e = KmipError::new(
            reason::INVALID_MESSAGE,
            "expected a Request Message with a Request Header",
        );
        return response(kms, version, fail_all(e));
    };
    if !SUPPORTED_VERSIONS.iter().any(|&(ma, _)| ma == version.0) {
        let e = KmipError::new(reason::INVALID_MESSAGE, "unsupported protocol version");
        return response(kms, version, fail_all(e));
    }
    if let Err(e) = check_header(header, items.len()) {
        return response(kms, version, fail_all(e));
    }
    if let Some(auth) = header.child(Tag::Authentication) {
        match authenticate(kms, auth, &peer.meta).await {
            Ok(c) => ctx.caller = Some(c),
            Err(e) => return response(kms, version, fail_all(e)),
        }
    }
    let option = header
        .enumeration(Tag::BatchErrorContinuationOption)
        .unwrap_or(batch_error::STOP);
    if option == batch_error::UNDO && items.len() > 1 {
        let e = KmipError::feature("Batch Error Continuation Option Undo is not supported");
        return response(kms, version, fail_all(e));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let result = run_item(&mut ctx, item).await;
        let failed = result.is_err();
        out.push(match result {
            Ok(payload) => ok_item(item, payload),
            Err(e) => failed_item(item, &e, version.0),
        });
        if failed && option != batch_error::CONTINUE {
            break;
        }
    }
    response(kms, version, out)
}

/// Header fields this server refuses: a batch count that does not match,
/// a 2.x Asynchronous Indicator of Mandatory.
fn check_header(header: &Ttlv, items: usize) -> KmipResult<()> {
    let count = header
        .integer(Tag::BatchCount)
        .ok_or_else(|| KmipError::new(reason::INVALID_MESSAGE, "missing Batch Count"))?;
    if usize::try_from(count).ok() != Some(items) || items == 0 {
        return Err(KmipError::new(
            reason::INVALID_MESSAGE,
            "Batch Count does not match the batch items",
        ));
    }
    // 1.x: a Boolean saying the client *accepts* asynchronous responses;
    // answering synchronously is always allowed. 2.x: Mandatory (1) asks
    // for asynchronous processing, which this server does not offer.
    if header.enumeration(Tag::AsynchronousIndicator) == Some(1) {
        return Err(KmipError::feature(
            "asynchronous operations are not supported",
        ));
    }
    Ok(())
}

/// Username/Password credential: the password is a Tresor API key.
async fn authenticate(kms: &Kms, auth: &Ttlv, meta: &RequestMeta) -> KmipResult<Caller> {
    let denied = || {
        KmipError::new(
            reason::AUTHENTICATION_NOT_SUCCESSFUL,
            "authentication not successful",
        )
    };
    let credential = auth.child(Tag::Credential).ok_or_else(denied)?;
    if credential.enumeration(Tag::CredentialType) != Some(CREDENTIAL_USERNAME_PASSWORD) {
        return Err(KmipError::feature(
            "only the Username and Password credential is supported",
        ));
    }
    let password = credential
        .child(Tag::CredentialValue)
        .and_then(|v| v.text(Tag::Password))
        .ok_or_else(denied)?;
    kms.authenticate_token(password, None, meta.clone())
        .await
        .map_err(|_| denied())
}

async fn run_item(ctx: &mut Ctx<'_>, item: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let operation = item
        .enumeration(Tag::Operation)
        .ok_or_else(|| KmipError::new(reason::INVALID_MESSAGE, "missing Operation"))?;
    let empty = Ttlv::structure(Tag::RequestPayload, vec![]);
    let payload = item.child(Tag::RequestPayload).unwrap_or(&empty);
    if !matches!(operation, op::DISCOVER_VERSIONS | op::QUERY) {
        ctx.caller()?;
    }
    let out = ops::dispatch(ctx, operation, payload).await?;
    if let Some(id) = out.iter().find(|t| t.tag == Tag::UniqueIdentifier)
        && let tresor_kmip::Value::TextString(s) = &id.value
    {
        ctx.placeholder = Some(s.clone());
    }
    Ok(out)
}

fn echo(item: &Ttlv) -> Vec<Ttlv> {
    let mut out = Vec::new();
    if let Some(o) = item.child(Tag::Operation) {
        out.push(o.clone());
    }
    if let Some(id) = item.child(Tag::UniqueBatchItemID) {
        out.push(id.clone());
    }
    out
}

fn ok_item(item: &Ttlv, payload: Vec<Ttlv>) -> Ttlv {
    let mut out = echo(item);
    out.push(t::enumeration(Tag::ResultStatus, status::SUCCESS));
    out.push(t::structure(Tag::ResponsePayload, payload));
    t::structure(Tag::BatchItem, out)
}

fn failed_item(item: &Ttlv, e: &KmipError, major: i32) -> Ttlv {
    let mut out = echo(item);
    out.push(t::enumeration(Tag::ResultStatus, status::OPERATION_FAILED));
    out.push(t::enumeration(Tag::ResultReason, e.reason_for(major)));
    out.push(t::text(Tag::ResultMessage, e.message.clone()));
    t::structure(Tag::BatchItem, out)
}

fn response(kms: &Kms, version: (i32, i32), items: Vec<Ttlv>) -> Ttlv {
    let count = i32::try_from(items.len()).unwrap_or(i32::MAX);
    let header = t::structure(
        Tag::ResponseHeader,
        vec![
            t::structure(
                Tag::ProtocolVersion,
                vec![
                    t::integer(Tag::ProtocolVersionMajor, version.0),
                    t::integer(Tag::ProtocolVersionMinor, version.1),
                ],
            ),
            t::date(Tag::TimeStamp, kms.now().unix_seconds()),
            t::integer(Tag::BatchCount, count),
        ],
    );
    let mut children = vec![header];
    children.extend(items);
    t::structure(Tag::ResponseMessage, children)
}
