//! KMIP TTLV codec for Tresor.
//!
//! KMIP messages are trees of TTLV items (tag, type, length, value). This
//! crate holds the tree ([`Ttlv`], [`Tag`], [`Value`]), the tag and
//! enumeration dictionary of KMIP 1.0–1.4 and 2.0–2.1 ([`tags`], [`enums`]),
//! and three encodings, each with `encode` and `decode`:
//!
//! - [`binary`]: the wire format (what a KMIP client sends on port 5696);
//! - [`xml`]: the OASIS test-vector / XML profile form;
//! - [`json`]: the KMIP 2.x JSON profile form.
//!
//! Every decoder is bounded by [`DecodeLimits`] (message size, nesting
//! depth, item count, string size), checks declared lengths before it
//! allocates, and returns an [`Error`] carrying the input position instead
//! of panicking. [`frame_len`] reads one message header so a TCP server can
//! read exactly one message.
//!
//! ```
//! use tresor_kmip::{DecodeOptions, Tag, Ttlv, Value, binary, xml};
//!
//! let msg = Ttlv::structure(
//!     Tag::RequestMessage,
//!     vec![Ttlv::new(Tag::BatchCount, Value::Integer(1))],
//! );
//! let wire = binary::encode(&msg)?;
//! assert_eq!(tresor_kmip::frame_len(&wire[..8].try_into()?)?, wire.len());
//! assert_eq!(binary::decode(&wire)?, msg);
//! let text = xml::encode(&msg);
//! assert_eq!(xml::decode(&text, &DecodeOptions::new())?, msg);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Fuzzing: `fuzz/kmip` at the repository root is a `cargo fuzz` project
//! (outside the workspace) whose `decode_binary` target feeds arbitrary
//! bytes to all three decoders: `cd fuzz/kmip && cargo +nightly fuzz run
//! decode_binary`.

pub mod binary;
pub mod enums;
mod error;
pub mod json;
mod limits;
pub mod tags;
mod text;
mod ttlv;
pub mod xml;

pub use binary::frame_len;
pub use enums::EnumKind;
pub use error::{Error, Position};
pub use limits::{DEPTH_CEILING, DecodeLimits, DecodeOptions, PlaceholderResolver};
pub use ttlv::{ItemType, Tag, Ttlv, Value};
