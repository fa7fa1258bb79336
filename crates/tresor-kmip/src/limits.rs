//! Decoding limits and options. Every decoder checks these *before* it
//! allocates: a declared length is compared with the input and the limits
//! first, nesting depth is checked before a structure is opened, and item
//! counts are checked as items are read.

use std::fmt;

use crate::ttlv::{ItemType, Value};

/// Hard ceiling on nesting depth, whatever [`DecodeLimits::max_depth`] says:
/// it keeps recursive drops and the text encoders' stacks small.
pub const DEPTH_CEILING: usize = 1024;

/// Bounds applied by every decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeLimits {
    /// Largest accepted input (binary message, XML or JSON text). Default 1 MiB.
    pub max_message_bytes: usize,
    /// Deepest structure nesting; the root structure is depth 1. Default 64,
    /// never more than [`DEPTH_CEILING`].
    pub max_depth: usize,
    /// Most items (of any type) in one decoded input. Default 100 000.
    pub max_items: usize,
    /// Longest Text String, Byte String or Big Integer value. Default 512 KiB.
    pub max_string_bytes: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_message_bytes: 1 << 20,
            max_depth: 64,
            max_items: 100_000,
            max_string_bytes: 512 << 10,
        }
    }
}

impl DecodeLimits {
    /// With another message size limit.
    pub fn with_max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes;
        self
    }

    /// With another depth limit (capped at [`DEPTH_CEILING`]).
    pub fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// With another item-count limit.
    pub fn with_max_items(mut self, items: usize) -> Self {
        self.max_items = items;
        self
    }

    /// With another string length limit.
    pub fn with_max_string_bytes(mut self, bytes: usize) -> Self {
        self.max_string_bytes = bytes;
        self
    }

    /// The depth limit actually enforced.
    pub(crate) fn depth(&self) -> usize {
        self.max_depth.min(DEPTH_CEILING)
    }
}

/// Maps a `$PLACEHOLDER` found where a typed value was expected (OASIS test
/// vectors use `$NOW`, `$NOW-3600`, `$DATA_0`, ...) to a concrete value of
/// that item type, or `None` to reject it.
pub type PlaceholderResolver<'a> = &'a dyn Fn(&str, ItemType) -> Option<Value>;

/// Options for the text decoders (XML and JSON).
#[derive(Clone, Copy, Default)]
#[non_exhaustive]
pub struct DecodeOptions<'a> {
    /// The limits.
    pub limits: DecodeLimits,
    /// Resolver for placeholders in non-text values. Without one, a
    /// placeholder is an [`crate::Error::UnresolvedPlaceholder`]. Text
    /// String values are never resolved: `$UNIQUE_IDENTIFIER_0` stays text.
    pub placeholders: Option<PlaceholderResolver<'a>>,
}

impl<'a> DecodeOptions<'a> {
    /// Default limits, no placeholder resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// With these limits.
    pub fn with_limits(mut self, limits: DecodeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// With a placeholder resolver.
    pub fn with_placeholders(mut self, resolver: PlaceholderResolver<'a>) -> Self {
        self.placeholders = Some(resolver);
        self
    }
}

impl fmt::Debug for DecodeOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeOptions")
            .field("limits", &self.limits)
            .field("placeholders", &self.placeholders.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_capped() {
        let limits = DecodeLimits::default().with_max_depth(usize::MAX);
        assert_eq!(limits.depth(), DEPTH_CEILING);
        assert_eq!(DecodeLimits::default().depth(), 64);
    }
}
