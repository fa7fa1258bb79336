//! Small readers and builders over [`Ttlv`] trees: typed access to a
//! structure's children, and constructors for response items.

use tresor_kmip::{Tag, Ttlv, Value};

use crate::error::{KmipError, KmipResult};

/// Typed access to the direct children of a structure.
pub(crate) trait Fields {
    fn text(&self, tag: Tag) -> Option<&str>;
    fn enumeration(&self, tag: Tag) -> Option<u32>;
    fn integer(&self, tag: Tag) -> Option<i32>;
    fn bytes(&self, tag: Tag) -> Option<&[u8]>;
    fn all(&self, tag: Tag) -> Vec<&Ttlv>;
    fn req_text(&self, tag: Tag) -> KmipResult<&str>;
    fn req_bytes(&self, tag: Tag) -> KmipResult<&[u8]>;
}

impl Fields for Ttlv {
    fn text(&self, tag: Tag) -> Option<&str> {
        match &self.child(tag)?.value {
            Value::TextString(s) => Some(s),
            _ => None,
        }
    }

    fn enumeration(&self, tag: Tag) -> Option<u32> {
        match self.child(tag)?.value {
            Value::Enumeration(v) => Some(v),
            _ => None,
        }
    }

    fn integer(&self, tag: Tag) -> Option<i32> {
        match self.child(tag)?.value {
            Value::Integer(v) => Some(v),
            _ => None,
        }
    }

    fn bytes(&self, tag: Tag) -> Option<&[u8]> {
        match &self.child(tag)?.value {
            Value::ByteString(b) => Some(b),
            _ => None,
        }
    }

    fn all(&self, tag: Tag) -> Vec<&Ttlv> {
        self.children().iter().filter(|c| c.tag == tag).collect()
    }

    fn req_text(&self, tag: Tag) -> KmipResult<&str> {
        self.text(tag).ok_or_else(|| KmipError::missing(tag))
    }

    fn req_bytes(&self, tag: Tag) -> KmipResult<&[u8]> {
        self.bytes(tag).ok_or_else(|| KmipError::missing(tag))
    }
}

pub(crate) fn text(tag: Tag, s: impl Into<String>) -> Ttlv {
    Ttlv::new(tag, Value::TextString(s.into()))
}

pub(crate) fn enumeration(tag: Tag, v: u32) -> Ttlv {
    Ttlv::new(tag, Value::Enumeration(v))
}

pub(crate) fn integer(tag: Tag, v: i32) -> Ttlv {
    Ttlv::new(tag, Value::Integer(v))
}

pub(crate) fn bytes(tag: Tag, b: impl Into<Vec<u8>>) -> Ttlv {
    Ttlv::new(tag, Value::ByteString(b.into()))
}

pub(crate) fn date(tag: Tag, unix_seconds: i64) -> Ttlv {
    Ttlv::new(tag, Value::DateTime(unix_seconds))
}

pub(crate) fn structure(tag: Tag, children: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(tag, children)
}
