//! The KMIP enumeration values this front door reads and writes, as
//! constants (checked against the codec's dictionary in the tests below).

/// Operation codes.
pub mod op {
    pub const CREATE: u32 = 0x01;
    pub const CREATE_KEY_PAIR: u32 = 0x02;
    pub const REGISTER: u32 = 0x03;
    pub const RE_KEY: u32 = 0x04;
    pub const CERTIFY: u32 = 0x06;
    pub const LOCATE: u32 = 0x08;
    pub const CHECK: u32 = 0x09;
    pub const GET: u32 = 0x0A;
    pub const GET_ATTRIBUTES: u32 = 0x0B;
    pub const GET_ATTRIBUTE_LIST: u32 = 0x0C;
    pub const ADD_ATTRIBUTE: u32 = 0x0D;
    pub const MODIFY_ATTRIBUTE: u32 = 0x0E;
    pub const DELETE_ATTRIBUTE: u32 = 0x0F;
    pub const ACTIVATE: u32 = 0x12;
    pub const REVOKE: u32 = 0x13;
    pub const DESTROY: u32 = 0x14;
    pub const QUERY: u32 = 0x18;
    pub const RE_KEY_KEY_PAIR: u32 = 0x1D;
    pub const DISCOVER_VERSIONS: u32 = 0x1E;
    pub const ENCRYPT: u32 = 0x1F;
    pub const DECRYPT: u32 = 0x20;
    pub const SIGN: u32 = 0x21;
    pub const SIGNATURE_VERIFY: u32 = 0x22;
    pub const MAC: u32 = 0x23;
    pub const MAC_VERIFY: u32 = 0x24;
    pub const RNG_RETRIEVE: u32 = 0x25;
    pub const SET_ATTRIBUTE: u32 = 0x31;
}

/// Result Status.
pub mod status {
    pub const SUCCESS: u32 = 0x0;
    pub const OPERATION_FAILED: u32 = 0x1;
}

/// Result Reason.
pub mod reason {
    pub const ITEM_NOT_FOUND: u32 = 0x01;
    pub const AUTHENTICATION_NOT_SUCCESSFUL: u32 = 0x03;
    pub const INVALID_MESSAGE: u32 = 0x04;
    pub const OPERATION_NOT_SUPPORTED: u32 = 0x05;
    pub const MISSING_DATA: u32 = 0x06;
    pub const INVALID_FIELD: u32 = 0x07;
    pub const FEATURE_NOT_SUPPORTED: u32 = 0x08;
    pub const CRYPTOGRAPHIC_FAILURE: u32 = 0x0A;
    pub const PERMISSION_DENIED: u32 = 0x0C;
    pub const KEY_FORMAT_TYPE_NOT_SUPPORTED: u32 = 0x10;
    pub const ENCODING_OPTION_ERROR: u32 = 0x12;
    pub const NOT_EXTRACTABLE: u32 = 0x17;
    pub const OBJECT_ALREADY_EXISTS: u32 = 0x18;
    /// KMIP 2.x (1.x clients get Permission Denied).
    pub const INCOMPATIBLE_CRYPTOGRAPHIC_USAGE_MASK: u32 = 0x29;
    pub const WRONG_KEY_LIFECYCLE_STATE: u32 = 0x43;
    pub const GENERAL_FAILURE: u32 = 0x100;
}

/// Object Type.
pub mod object {
    pub const SYMMETRIC_KEY: u32 = 0x2;
    pub const PUBLIC_KEY: u32 = 0x3;
    pub const PRIVATE_KEY: u32 = 0x4;
}

/// Cryptographic Algorithm.
pub mod alg {
    pub const AES: u32 = 0x03;
    pub const RSA: u32 = 0x04;
    pub const ECDSA: u32 = 0x06;
    pub const HMAC_SHA256: u32 = 0x09;
    pub const HMAC_SHA384: u32 = 0x0A;
    pub const HMAC_SHA512: u32 = 0x0B;
    pub const ECDH: u32 = 0x0E;
    pub const EC: u32 = 0x1A;
    pub const CHACHA20_POLY1305: u32 = 0x1E;
    pub const ED25519: u32 = 0x37;
}

/// Recommended Curve.
pub mod curve {
    pub const P_256: u32 = 0x07;
    pub const P_384: u32 = 0x0A;
    pub const P_521: u32 = 0x0D;
}

/// Key Format Type.
pub mod format {
    pub const RAW: u32 = 0x01;
    pub const PKCS_1: u32 = 0x03;
    pub const PKCS_8: u32 = 0x04;
    pub const X_509: u32 = 0x05;
    pub const TRANSPARENT_SYMMETRIC_KEY: u32 = 0x07;
}

/// State.
pub mod state {
    pub const PRE_ACTIVE: u32 = 0x1;
    pub const ACTIVE: u32 = 0x2;
    pub const DEACTIVATED: u32 = 0x3;
    pub const COMPROMISED: u32 = 0x4;
    pub const DESTROYED: u32 = 0x5;
    pub const DESTROYED_COMPROMISED: u32 = 0x6;
}

/// Cryptographic Usage Mask bits.
pub mod usage {
    pub const SIGN: i32 = 0x1;
    pub const VERIFY: i32 = 0x2;
    pub const ENCRYPT: i32 = 0x4;
    pub const DECRYPT: i32 = 0x8;
    pub const WRAP_KEY: i32 = 0x10;
    pub const UNWRAP_KEY: i32 = 0x20;
    pub const EXPORT: i32 = 0x40;
    pub const MAC_GENERATE: i32 = 0x80;
    pub const MAC_VERIFY: i32 = 0x100;
    pub const KEY_AGREEMENT: i32 = 0x800;
}

/// Link Type.
pub mod link {
    pub const PUBLIC_KEY: u32 = 0x102;
    pub const PRIVATE_KEY: u32 = 0x103;
    pub const REPLACEMENT_OBJECT: u32 = 0x106;
    pub const REPLACED_OBJECT: u32 = 0x107;
}

/// Key wrapping: Wrapping Method, Encoding Option, Block Cipher Mode and
/// Padding Method values.
pub mod wrapping {
    pub const METHOD_ENCRYPT: u32 = 0x1;
    pub const NO_ENCODING: u32 = 0x1;
    pub const TTLV_ENCODING: u32 = 0x2;
    pub const NIST_KEY_WRAP: u32 = 0xD;
    pub const AES_KEY_WRAP_PADDING: u32 = 0xC;
    pub const OAEP: u32 = 0x2;
}

/// Batch Error Continuation Option.
pub mod batch_error {
    pub const CONTINUE: u32 = 0x1;
    pub const STOP: u32 = 0x2;
    pub const UNDO: u32 = 0x3;
}

/// Query Function.
pub mod query {
    pub const OPERATIONS: u32 = 0x1;
    pub const OBJECTS: u32 = 0x2;
    pub const SERVER_INFORMATION: u32 = 0x3;
}

/// Name Type.
pub const NAME_TYPE_TEXT: u32 = 0x1;
/// Credential Type: Username and Password.
pub const CREDENTIAL_USERNAME_PASSWORD: u32 = 0x1;
/// Validity Indicator: Valid / Invalid.
pub const VALID: u32 = 0x1;
/// Validity Indicator: Invalid.
pub const INVALID: u32 = 0x2;

/// Padding Method.
pub mod padding {
    pub const PKCS1V1_5: u32 = 0x8;
    pub const PSS: u32 = 0xA;
}

/// Hashing Algorithm.
pub mod hash {
    pub const SHA_256: u32 = 0x6;
    pub const SHA_384: u32 = 0x7;
    pub const SHA_512: u32 = 0x8;
}

/// Digital Signature Algorithm.
pub mod dsa {
    pub const SHA_256_RSA: u32 = 0x5;
    pub const SHA_384_RSA: u32 = 0x6;
    pub const SHA_512_RSA: u32 = 0x7;
    pub const RSASSA_PSS: u32 = 0x8;
    pub const ECDSA_SHA256: u32 = 0xE;
    pub const ECDSA_SHA384: u32 = 0xF;
    pub const ECDSA_SHA512: u32 = 0x10;
}

/// Revocation Reason Code.
pub mod revocation {
    pub const UNSPECIFIED: u32 = 0x1;
    pub const KEY_COMPROMISE: u32 = 0x2;
    pub const CA_COMPROMISE: u32 = 0x3;
    pub const AFFILIATION_CHANGED: u32 = 0x4;
    pub const SUPERSEDED: u32 = 0x5;
    pub const CESSATION_OF_OPERATION: u32 = 0x6;
    pub const PRIVILEGE_WITHDRAWN: u32 = 0x7;
}

#[cfg(test)]
mod tests {
    use tresor_kmip::EnumKind;

    use super::*;

    #[test]
    fn constants_match_the_dictionary() {
        let checks: &[(EnumKind, &str, u32)] = &[
            (EnumKind::Operation, "Create", op::CREATE),
            (EnumKind::Operation, "CreateKeyPair", op::CREATE_KEY_PAIR),
            (EnumKind::Operation, "Register", op::REGISTER),
            (EnumKind::Operation, "ReKey", op::RE_KEY),
            (EnumKind::Operation, "ReKeyKeyPair", op::RE_KEY_KEY_PAIR),
            (EnumKind::Operation, "Check", op::CHECK),
            (EnumKind::LinkType, "PublicKeyLink", link::PUBLIC_KEY),
            (EnumKind::LinkType, "PrivateKeyLink", link::PRIVATE_KEY),
            (
                EnumKind::LinkType,
                "ReplacementObjectLink",
                link::REPLACEMENT_OBJECT,
            ),
            (
                EnumKind::LinkType,
                "ReplacedObjectLink",
                link::REPLACED_OBJECT,
            ),
            (
                EnumKind::BlockCipherMode,
                "NISTKeyWrap",
                wrapping::NIST_KEY_WRAP,
            ),
            (
                EnumKind::BlockCipherMode,
                "AESKeyWrapPadding",
                wrapping::AES_KEY_WRAP_PADDING,
            ),
            (
                EnumKind::WrappingMethod,
                "Encrypt",
                wrapping::METHOD_ENCRYPT,
            ),
            (
                EnumKind::EncodingOption,
                "NoEncoding",
                wrapping::NO_ENCODING,
            ),
            (
                EnumKind::EncodingOption,
                "TTLVEncoding",
                wrapping::TTLV_ENCODING,
            ),
            (EnumKind::PaddingMethod, "OAEP", wrapping::OAEP),
            (
                EnumKind::ResultReason,
                "EncodingOptionError",
                reason::ENCODING_OPTION_ERROR,
            ),
            (
                EnumKind::ResultReason,
                "IncompatibleCryptographicUsageMask",
                reason::INCOMPATIBLE_CRYPTOGRAPHIC_USAGE_MASK,
            ),
            (EnumKind::Operation, "Locate", op::LOCATE),
            (EnumKind::Operation, "Get", op::GET),
            (EnumKind::Operation, "GetAttributes", op::GET_ATTRIBUTES),
            (
                EnumKind::Operation,
                "GetAttributeList",
                op::GET_ATTRIBUTE_LIST,
            ),
            (EnumKind::Operation, "Activate", op::ACTIVATE),
            (EnumKind::Operation, "Revoke", op::REVOKE),
            (EnumKind::Operation, "Destroy", op::DESTROY),
            (EnumKind::Operation, "Query", op::QUERY),
            (
                EnumKind::Operation,
                "DiscoverVersions",
                op::DISCOVER_VERSIONS,
            ),
            (EnumKind::Operation, "Encrypt", op::ENCRYPT),
            (EnumKind::Operation, "Decrypt", op::DECRYPT),
            (EnumKind::Operation, "Sign", op::SIGN),
            (EnumKind::Operation, "SignatureVerify", op::SIGNATURE_VERIFY),
            (EnumKind::Operation, "MAC", op::MAC),
            (EnumKind::Operation, "MACVerify", op::MAC_VERIFY),
            (EnumKind::Operation, "RNGRetrieve", op::RNG_RETRIEVE),
            (EnumKind::Operation, "Certify", op::CERTIFY),
            (EnumKind::Operation, "AddAttribute", op::ADD_ATTRIBUTE),
            (EnumKind::Operation, "ModifyAttribute", op::MODIFY_ATTRIBUTE),
            (EnumKind::Operation, "DeleteAttribute", op::DELETE_ATTRIBUTE),
            (EnumKind::Operation, "SetAttribute", op::SET_ATTRIBUTE),
            (
                EnumKind::ResultReason,
                "ItemNotFound",
                reason::ITEM_NOT_FOUND,
            ),
            (
                EnumKind::ResultReason,
                "AuthenticationNotSuccessful",
                reason::AUTHENTICATION_NOT_SUCCESSFUL,
            ),
            (
                EnumKind::ResultReason,
                "InvalidMessage",
                reason::INVALID_MESSAGE,
            ),
            (
                EnumKind::ResultReason,
                "OperationNotSupported",
                reason::OPERATION_NOT_SUPPORTED,
            ),
            (EnumKind::ResultReason, "MissingData", reason::MISSING_DATA),
            (
                EnumKind::ResultReason,
                "InvalidField",
                reason::INVALID_FIELD,
            ),
            (
                EnumKind::ResultReason,
                "FeatureNotSupported",
                reason::FEATURE_NOT_SUPPORTED,
            ),
            (
                EnumKind::ResultReason,
                "CryptographicFailure",
                reason::CRYPTOGRAPHIC_FAILURE,
            ),
            (
                EnumKind::ResultReason,
                "PermissionDenied",
                reason::PERMISSION_DENIED,
            ),
            (
                EnumKind::ResultReason,
                "KeyFormatTypeNotSupported",
                reason::KEY_FORMAT_TYPE_NOT_SUPPORTED,
            ),
            (
                EnumKind::ResultReason,
                "NotExtractable",
                reason::NOT_EXTRACTABLE,
            ),
            (
                EnumKind::ResultReason,
                "ObjectAlreadyExists",
                reason::OBJECT_ALREADY_EXISTS,
            ),
            (
                EnumKind::ResultReason,
                "WrongKeyLifecycleState",
                reason::WRONG_KEY_LIFECYCLE_STATE,
            ),
            (
                EnumKind::ResultReason,
                "GeneralFailure",
                reason::GENERAL_FAILURE,
            ),
            (EnumKind::ObjectType, "SymmetricKey", object::SYMMETRIC_KEY),
            (EnumKind::ObjectType, "PublicKey", object::PUBLIC_KEY),
            (EnumKind::ObjectType, "PrivateKey", object::PRIVATE_KEY),
            (EnumKind::CryptographicAlgorithm, "AES", alg::AES),
            (EnumKind::CryptographicAlgorithm, "RSA", alg::RSA),
            (EnumKind::CryptographicAlgorithm, "ECDSA", alg::ECDSA),
            (EnumKind::CryptographicAlgorithm, "ECDH", alg::ECDH),
            (EnumKind::CryptographicAlgorithm, "EC", alg::EC),
            (
                EnumKind::CryptographicAlgorithm,
                "HMAC_SHA256",
                alg::HMAC_SHA256,
            ),
            (
                EnumKind::CryptographicAlgorithm,
                "HMAC_SHA512",
                alg::HMAC_SHA512,
            ),
            (
                EnumKind::CryptographicAlgorithm,
                "ChaCha20Poly1305",
                alg::CHACHA20_POLY1305,
            ),
            (EnumKind::CryptographicAlgorithm, "Ed25519", alg::ED25519),
            (EnumKind::RecommendedCurve, "P_256", curve::P_256),
            (EnumKind::RecommendedCurve, "P_384", curve::P_384),
            (EnumKind::RecommendedCurve, "P_521", curve::P_521),
            (EnumKind::KeyFormatType, "Raw", format::RAW),
            (EnumKind::KeyFormatType, "PKCS_1", format::PKCS_1),
            (EnumKind::KeyFormatType, "PKCS_8", format::PKCS_8),
            (EnumKind::KeyFormatType, "X_509", format::X_509),
            (
                EnumKind::KeyFormatType,
                "TransparentSymmetricKey",
                format::TRANSPARENT_SYMMETRIC_KEY,
            ),
            (EnumKind::State, "PreActive", state::PRE_ACTIVE),
            (
                EnumKind::State,
                "DestroyedCompromised",
                state::DESTROYED_COMPROMISED,
            ),
            (
                EnumKind::BatchErrorContinuationOption,
                "Undo",
                batch_error::UNDO,
            ),
            (
                EnumKind::QueryFunction,
                "QueryServerInformation",
                query::SERVER_INFORMATION,
            ),
            (EnumKind::PaddingMethod, "PSS", padding::PSS),
            (EnumKind::PaddingMethod, "PKCS1V1_5", padding::PKCS1V1_5),
            (EnumKind::HashingAlgorithm, "SHA_512", hash::SHA_512),
            (
                EnumKind::DigitalSignatureAlgorithm,
                "RSASSA_PSS",
                dsa::RSASSA_PSS,
            ),
            (
                EnumKind::DigitalSignatureAlgorithm,
                "ECDSAWithSHA512",
                dsa::ECDSA_SHA512,
            ),
            (
                EnumKind::RevocationReasonCode,
                "PrivilegeWithdrawn",
                revocation::PRIVILEGE_WITHDRAWN,
            ),
            (EnumKind::ValidityIndicator, "Invalid", INVALID),
        ];
        for &(kind, name, code) in checks {
            assert_eq!(kind.code_of(name), Some(code), "{kind:?} {name}");
        }
        let masks: &[(&str, i32)] = &[
            ("Sign", usage::SIGN),
            ("Export", usage::EXPORT),
            ("MACVerify", usage::MAC_VERIFY),
            ("KeyAgreement", usage::KEY_AGREEMENT),
            ("UnwrapKey", usage::UNWRAP_KEY),
        ];
        for &(name, bit) in masks {
            assert_eq!(
                EnumKind::CryptographicUsageMask.code_of(name),
                Some(bit as u32)
            );
        }
    }
}
