//! Feeds arbitrary bytes to the binary, XML and JSON decoders. None may
//! panic; whatever the binary decoder accepts must re-encode to the same
//! bytes and survive a round trip through XML and JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tresor_kmip::{DecodeOptions, binary, json, xml};

fuzz_target!(|data: &[u8]| {
    let options = DecodeOptions::new();
    if let Ok(item) = binary::decode(data) {
        assert_eq!(
            binary::encode(&item).ok().as_deref(),
            Some(data),
            "binary re-encoding"
        );
        let text = xml::encode(&item);
        assert_eq!(
            xml::decode(&text, &options).ok().as_ref(),
            Some(&item),
            "XML round trip"
        );
        let text = json::encode(&item);
        assert_eq!(
            json::decode(&text, &options).ok().as_ref(),
            Some(&item),
            "JSON round trip"
        );
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = xml::decode_all(text, &options);
        let _ = json::decode(text, &options);
    }
});
