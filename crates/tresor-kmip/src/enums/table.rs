//! Enumeration and bit-mask value tables of KMIP 1.0–1.4 and 2.0–2.1
//! (KMIP specification, "Enumerations" and "Bit Masks"), with the
//! normalized value names used by the XML and JSON profiles.

kmip_enums! {
    /// Adjustment Type (2.0).
    AdjustmentType { Increment = 0x1, Decrement = 0x2, Negate = 0x3 }
    /// Alternative Name Type.
    AlternativeNameType {
        UninterpretedTextString = 0x1, URI = 0x2, ObjectSerialNumber = 0x3, EmailAddress = 0x4,
        DNSName = 0x5, X_500DistinguishedName = 0x6, IPAddress = 0x7,
    }
    /// Asynchronous Indicator (2.0; a Boolean in 1.x).
    AsynchronousIndicator { Mandatory = 0x1, Optional = 0x2, Prohibited = 0x3 }
    /// Attestation Type.
    AttestationType { TPMQuote = 0x1, TCGIntegrityReport = 0x2, SAMLAssertion = 0x3 }
    /// Batch Error Continuation Option.
    BatchErrorContinuationOption { Continue = 0x1, Stop = 0x2, Undo = 0x3 }
    /// Block Cipher Mode.
    BlockCipherMode {
        CBC = 0x1, ECB = 0x2, PCBC = 0x3, CFB = 0x4, OFB = 0x5, CTR = 0x6, CMAC = 0x7, CCM = 0x8,
        GCM = 0x9, CBC_MAC = 0xA, XTS = 0xB, AESKeyWrapPadding = 0xC, NISTKeyWrap = 0xD,
        X9_102AESKW = 0xE, X9_102TDKW = 0xF, X9_102AKW1 = 0x10, X9_102AKW2 = 0x11, AEAD = 0x12,
    }
    /// Cancellation Result.
    CancellationResult {
        Canceled = 0x1, UnableToCancel = 0x2, Completed = 0x3, Failed = 0x4, Unavailable = 0x5,
    }
    /// Certificate Request Type.
    CertificateRequestType { CRMF = 0x1, PKCS_10 = 0x2, PEM = 0x3, PGP = 0x4 }
    /// Certificate Type.
    CertificateType { X_509 = 0x1, PGP = 0x2 }
    /// Client Registration Method.
    ClientRegistrationMethod {
        Unspecified = 0x1, ServerPreGenerated = 0x2, ServerOnDemand = 0x3, ClientGenerated = 0x4,
        ClientRegistered = 0x5,
    }
    /// Credential Type.
    CredentialType {
        UsernameAndPassword = 0x1, Device = 0x2, Attestation = 0x3, OneTimePassword = 0x4,
        HashedPassword = 0x5, Ticket = 0x6,
    }
    /// Cryptographic Algorithm.
    CryptographicAlgorithm {
        DES = 0x1, DES3 = 0x2, AES = 0x3, RSA = 0x4, DSA = 0x5, ECDSA = 0x6, HMAC_SHA1 = 0x7,
        HMAC_SHA224 = 0x8, HMAC_SHA256 = 0x9, HMAC_SHA384 = 0xA, HMAC_SHA512 = 0xB,
        HMAC_MD5 = 0xC, DH = 0xD, ECDH = 0xE, ECMQV = 0xF, Blowfish = 0x10, Camellia = 0x11,
        CAST5 = 0x12, IDEA = 0x13, MARS = 0x14, RC2 = 0x15, RC4 = 0x16, RC5 = 0x17,
        SKIPJACK = 0x18, Twofish = 0x19, EC = 0x1A, OneTimePad = 0x1B, ChaCha20 = 0x1C,
        Poly1305 = 0x1D, ChaCha20Poly1305 = 0x1E, SHA3_224 = 0x1F, SHA3_256 = 0x20,
        SHA3_384 = 0x21, SHA3_512 = 0x22, HMAC_SHA3_224 = 0x23, HMAC_SHA3_256 = 0x24,
        HMAC_SHA3_384 = 0x25, HMAC_SHA3_512 = 0x26, SHAKE_128 = 0x27, SHAKE_256 = 0x28,
        ARIA = 0x29, SEED = 0x2A, SM2 = 0x2B, SM3 = 0x2C, SM4 = 0x2D, GOSTR34_10_2012 = 0x2E,
        GOSTR34_11_2012 = 0x2F, GOSTR34_13_2015 = 0x30, GOST28147_89 = 0x31, XMSS = 0x32,
        SPHINCS_256 = 0x33, McEliece = 0x34, McEliece_6960119 = 0x35, McEliece_8192128 = 0x36,
        Ed25519 = 0x37, Ed448 = 0x38,
    }
    /// Derivation Method.
    DerivationMethod {
        PBKDF2 = 0x1, HASH = 0x2, HMAC = 0x3, ENCRYPT = 0x4, NIST800_108_C = 0x5,
        NIST800_108_F = 0x6, NIST800_108_DPI = 0x7, AsymmetricKey = 0x8,
        AWSSignatureVersion4 = 0x9, HKDF = 0xA,
    }
    /// Destroy Action.
    DestroyAction {
        Unspecified = 0x1, KeyMaterialDeleted = 0x2, KeyMaterialShredded = 0x3,
        MetaDataDeleted = 0x4, MetaDataShredded = 0x5, Deleted = 0x6, Shredded = 0x7,
    }
    /// Digital Signature Algorithm.
    DigitalSignatureAlgorithm {
        MD2WithRSAEncryption = 0x1, MD5WithRSAEncryption = 0x2, SHA_1WithRSAEncryption = 0x3,
        SHA_224WithRSAEncryption = 0x4, SHA_256WithRSAEncryption = 0x5,
        SHA_384WithRSAEncryption = 0x6, SHA_512WithRSAEncryption = 0x7, RSASSA_PSS = 0x8,
        DSAWithSHA_1 = 0x9, DSAWithSHA224 = 0xA, DSAWithSHA256 = 0xB, ECDSAWithSHA_1 = 0xC,
        ECDSAWithSHA224 = 0xD, ECDSAWithSHA256 = 0xE, ECDSAWithSHA384 = 0xF,
        ECDSAWithSHA512 = 0x10, SHA3_256WithRSAEncryption = 0x11,
        SHA3_384WithRSAEncryption = 0x12, SHA3_512WithRSAEncryption = 0x13,
    }
    /// DRBG Algorithm.
    DRBGAlgorithm { Unspecified = 0x1, DualEC = 0x2, Hash = 0x3, HMAC = 0x4, CTR = 0x5 }
    /// Encoding Option.
    EncodingOption { NoEncoding = 0x1, TTLVEncoding = 0x2 }
    /// Endpoint Role (2.0).
    EndpointRole { Client = 0x1, Server = 0x2 }
    /// FIPS186 Variation.
    FIPS186Variation {
        Unspecified = 0x1, GPXOriginal = 0x2, GPXChangeNotice = 0x3, XOriginal = 0x4,
        XChangeNotice = 0x5, KOriginal = 0x6, KChangeNotice = 0x7,
    }
    /// Hashing Algorithm (also Mask Generator Hashing Algorithm).
    HashingAlgorithm {
        MD2 = 0x1, MD4 = 0x2, MD5 = 0x3, SHA_1 = 0x4, SHA_224 = 0x5, SHA_256 = 0x6,
        SHA_384 = 0x7, SHA_512 = 0x8, RIPEMD_160 = 0x9, Tiger = 0xA, Whirlpool = 0xB,
        SHA_512_224 = 0xC, SHA_512_256 = 0xD, SHA3_224 = 0xE, SHA3_256 = 0xF, SHA3_384 = 0x10,
        SHA3_512 = 0x11,
    }
    /// Interop Function (2.0).
    InteropFunction { Begin = 0x1, End = 0x2, Reset = 0x3 }
    /// Key Compression Type.
    KeyCompressionType {
        ECPublicKeyTypeUncompressed = 0x1, ECPublicKeyTypeX9_62CompressedPrime = 0x2,
        ECPublicKeyTypeX9_62CompressedChar2 = 0x3, ECPublicKeyTypeX9_62Hybrid = 0x4,
    }
    /// Key Format Type.
    KeyFormatType {
        Raw = 0x1, Opaque = 0x2, PKCS_1 = 0x3, PKCS_8 = 0x4, X_509 = 0x5, ECPrivateKey = 0x6,
        TransparentSymmetricKey = 0x7, TransparentDSAPrivateKey = 0x8,
        TransparentDSAPublicKey = 0x9, TransparentRSAPrivateKey = 0xA,
        TransparentRSAPublicKey = 0xB, TransparentDHPrivateKey = 0xC,
        TransparentDHPublicKey = 0xD, TransparentECDSAPrivateKey = 0xE,
        TransparentECDSAPublicKey = 0xF, TransparentECDHPrivateKey = 0x10,
        TransparentECDHPublicKey = 0x11, TransparentECMQVPrivateKey = 0x12,
        TransparentECMQVPublicKey = 0x13, TransparentECPrivateKey = 0x14,
        TransparentECPublicKey = 0x15, PKCS_12 = 0x16, PKCS_10 = 0x17,
    }
    /// Key Role Type.
    KeyRoleType {
        BDK = 0x1, CVK = 0x2, DEK = 0x3, MKAC = 0x4, MKSMC = 0x5, MKSMI = 0x6, MKDAC = 0x7,
        MKDN = 0x8, MKCP = 0x9, MKOTH = 0xA, KEK = 0xB, MAC16609 = 0xC, MAC97971 = 0xD,
        MAC97972 = 0xE, MAC97973 = 0xF, MAC97974 = 0x10, MAC97975 = 0x11, ZPK = 0x12,
        PVKIBM = 0x13, PVKPVV = 0x14, PVKOTH = 0x15, DUKPT = 0x16, IV = 0x17, TRKBK = 0x18,
    }
    /// Key Value Location Type.
    KeyValueLocationType { UninterpretedTextString = 0x1, URI = 0x2 }
    /// Key Wrap Type.
    KeyWrapType { NotWrapped = 0x1, AsRegistered = 0x2 }
    /// Link Type.
    LinkType {
        CertificateLink = 0x101, PublicKeyLink = 0x102, PrivateKeyLink = 0x103,
        DerivationBaseObjectLink = 0x104, DerivedKeyLink = 0x105, ReplacementObjectLink = 0x106,
        ReplacedObjectLink = 0x107, ParentLink = 0x108, ChildLink = 0x109, PreviousLink = 0x10A,
        NextLink = 0x10B, PKCS_12CertificateLink = 0x10C, PKCS_12PasswordLink = 0x10D,
        WrappingKeyLink = 0x10E,
    }
    /// Mask Generator.
    MaskGenerator { MGF1 = 0x1 }
    /// Name Type.
    NameType { UninterpretedTextString = 0x1, URI = 0x2 }
    /// NIST Key Type (2.0).
    NISTKeyType {
        PrivateSignatureKey = 0x1, PublicSignatureVerificationKey = 0x2,
        SymmetricAuthenticationKey = 0x3, PrivateAuthenticationKey = 0x4,
        PublicAuthenticationKey = 0x5, SymmetricDataEncryptionKey = 0x6,
        SymmetricKeyWrappingKey = 0x7, SymmetricRandomNumberGenerationKey = 0x8,
        SymmetricMasterKey = 0x9, PrivateKeyTransportKey = 0xA, PublicKeyTransportKey = 0xB,
        SymmetricKeyAgreementKey = 0xC, PrivateStaticKeyAgreementKey = 0xD,
        PublicStaticKeyAgreementKey = 0xE, PrivateEphemeralKeyAgreementKey = 0xF,
        PublicEphemeralKeyAgreementKey = 0x10, SymmetricAuthorizationKey = 0x11,
        PrivateAuthorizationKey = 0x12, PublicAuthorizationKey = 0x13,
    }
    /// Object Group Member.
    ObjectGroupMember { GroupMemberFresh = 0x1, GroupMemberDefault = 0x2 }
    /// Object Type.
    ObjectType {
        Certificate = 0x1, SymmetricKey = 0x2, PublicKey = 0x3, PrivateKey = 0x4, SplitKey = 0x5,
        Template = 0x6, SecretData = 0x7, OpaqueObject = 0x8, PGPKey = 0x9,
        CertificateRequest = 0xA,
    }
    /// Operation.
    Operation {
        Create = 0x1, CreateKeyPair = 0x2, Register = 0x3, ReKey = 0x4, DeriveKey = 0x5,
        Certify = 0x6, ReCertify = 0x7, Locate = 0x8, Check = 0x9, Get = 0xA,
        GetAttributes = 0xB, GetAttributeList = 0xC, AddAttribute = 0xD, ModifyAttribute = 0xE,
        DeleteAttribute = 0xF, ObtainLease = 0x10, GetUsageAllocation = 0x11, Activate = 0x12,
        Revoke = 0x13, Destroy = 0x14, Archive = 0x15, Recover = 0x16, Validate = 0x17,
        Query = 0x18, Cancel = 0x19, Poll = 0x1A, Notify = 0x1B, Put = 0x1C,
        ReKeyKeyPair = 0x1D, DiscoverVersions = 0x1E, Encrypt = 0x1F, Decrypt = 0x20,
        Sign = 0x21, SignatureVerify = 0x22, MAC = 0x23, MACVerify = 0x24, RNGRetrieve = 0x25,
        RNGSeed = 0x26, Hash = 0x27, CreateSplitKey = 0x28, JoinSplitKey = 0x29, Import = 0x2A,
        Export = 0x2B, Log = 0x2C, Login = 0x2D, Logout = 0x2E, DelegatedLogin = 0x2F,
        AdjustAttribute = 0x30, SetAttribute = 0x31, SetEndpointRole = 0x32, PKCS_11 = 0x33,
        Interop = 0x34, ReProvision = 0x35, SetDefaults = 0x36, SetConstraints = 0x37,
        GetConstraints = 0x38, QueryAsynchronousRequests = 0x39, Process = 0x3A, Ping = 0x3B,
    }
    /// Padding Method.
    PaddingMethod {
        None = 0x1, OAEP = 0x2, PKCS5 = 0x3, SSL3 = 0x4, Zeros = 0x5, ANSIX9_23 = 0x6,
        ISO10126 = 0x7, PKCS1V1_5 = 0x8, X9_31 = 0x9, PSS = 0xA,
    }
    /// Processing Stage (2.1).
    ProcessingStage { Submitted = 0x1, InProcess = 0x2, Completed = 0x3 }
    /// Profile Name (1.x per-version names, then the 2.0 names).
    ProfileName {
        BaselineServerBasicKMIPV1_2 = 0x1, BaselineServerTLSV1_2KMIPV1_2 = 0x2,
        BaselineClientBasicKMIPV1_2 = 0x3, BaselineClientTLSV1_2KMIPV1_2 = 0x4,
        CompleteServerBasicKMIPV1_2 = 0x5, CompleteServerTLSV1_2KMIPV1_2 = 0x6,
        TapeLibraryClientKMIPV1_0 = 0x7, TapeLibraryClientKMIPV1_1 = 0x8,
        TapeLibraryClientKMIPV1_2 = 0x9, TapeLibraryServerKMIPV1_0 = 0xA,
        TapeLibraryServerKMIPV1_1 = 0xB, TapeLibraryServerKMIPV1_2 = 0xC,
        SymmetricKeyLifecycleClientKMIPV1_0 = 0xD, SymmetricKeyLifecycleClientKMIPV1_1 = 0xE,
        SymmetricKeyLifecycleClientKMIPV1_2 = 0xF, SymmetricKeyLifecycleServerKMIPV1_0 = 0x10,
        SymmetricKeyLifecycleServerKMIPV1_1 = 0x11, SymmetricKeyLifecycleServerKMIPV1_2 = 0x12,
        AsymmetricKeyLifecycleClientKMIPV1_0 = 0x13,
        AsymmetricKeyLifecycleClientKMIPV1_1 = 0x14,
        AsymmetricKeyLifecycleClientKMIPV1_2 = 0x15,
        AsymmetricKeyLifecycleServerKMIPV1_0 = 0x16,
        AsymmetricKeyLifecycleServerKMIPV1_1 = 0x17,
        AsymmetricKeyLifecycleServerKMIPV1_2 = 0x18, BasicCryptographicClientKMIPV1_2 = 0x19,
        BasicCryptographicServerKMIPV1_2 = 0x1A, AdvancedCryptographicClientKMIPV1_2 = 0x1B,
        AdvancedCryptographicServerKMIPV1_2 = 0x1C, RNGCryptographicClientKMIPV1_2 = 0x1D,
        RNGCryptographicServerKMIPV1_2 = 0x1E, BasicSymmetricKeyFoundryClientKMIPV1_0 = 0x1F,
        IntermediateSymmetricKeyFoundryClientKMIPV1_0 = 0x20,
        AdvancedSymmetricKeyFoundryClientKMIPV1_0 = 0x21,
        BasicSymmetricKeyFoundryClientKMIPV1_1 = 0x22,
        IntermediateSymmetricKeyFoundryClientKMIPV1_1 = 0x23,
        AdvancedSymmetricKeyFoundryClientKMIPV1_1 = 0x24,
        BasicSymmetricKeyFoundryClientKMIPV1_2 = 0x25,
        IntermediateSymmetricKeyFoundryClientKMIPV1_2 = 0x26,
        AdvancedSymmetricKeyFoundryClientKMIPV1_2 = 0x27,
        SymmetricKeyFoundryServerKMIPV1_0 = 0x28, SymmetricKeyFoundryServerKMIPV1_1 = 0x29,
        SymmetricKeyFoundryServerKMIPV1_2 = 0x2A, OpaqueManagedObjectStoreClientKMIPV1_0 = 0x2B,
        OpaqueManagedObjectStoreClientKMIPV1_1 = 0x2C,
        OpaqueManagedObjectStoreClientKMIPV1_2 = 0x2D,
        OpaqueManagedObjectStoreServerKMIPV1_0 = 0x2E,
        OpaqueManagedObjectStoreServerKMIPV1_1 = 0x2F,
        OpaqueManagedObjectStoreServerKMIPV1_2 = 0x30, SuiteBMinLOS_128ClientKMIPV1_0 = 0x31,
        SuiteBMinLOS_128ClientKMIPV1_1 = 0x32, SuiteBMinLOS_128ClientKMIPV1_2 = 0x33,
        SuiteBMinLOS_128ServerKMIPV1_0 = 0x34, SuiteBMinLOS_128ServerKMIPV1_1 = 0x35,
        SuiteBMinLOS_128ServerKMIPV1_2 = 0x36, SuiteBMinLOS_192ClientKMIPV1_0 = 0x37,
        SuiteBMinLOS_192ClientKMIPV1_1 = 0x38, SuiteBMinLOS_192ClientKMIPV1_2 = 0x39,
        SuiteBMinLOS_192ServerKMIPV1_0 = 0x3A, SuiteBMinLOS_192ServerKMIPV1_1 = 0x3B,
        SuiteBMinLOS_192ServerKMIPV1_2 = 0x3C,
        StorageArrayWithSelfEncryptingDriveClientKMIPV1_0 = 0x3D,
        StorageArrayWithSelfEncryptingDriveClientKMIPV1_1 = 0x3E,
        StorageArrayWithSelfEncryptingDriveClientKMIPV1_2 = 0x3F,
        StorageArrayWithSelfEncryptingDriveServerKMIPV1_0 = 0x40,
        StorageArrayWithSelfEncryptingDriveServerKMIPV1_1 = 0x41,
        StorageArrayWithSelfEncryptingDriveServerKMIPV1_2 = 0x42, HTTPSClientKMIPV1_0 = 0x43,
        HTTPSClientKMIPV1_1 = 0x44, HTTPSClientKMIPV1_2 = 0x45, HTTPSServerKMIPV1_0 = 0x46,
        HTTPSServerKMIPV1_1 = 0x47, HTTPSServerKMIPV1_2 = 0x48, JSONClientKMIPV1_0 = 0x49,
        JSONClientKMIPV1_1 = 0x4A, JSONClientKMIPV1_2 = 0x4B, JSONServerKMIPV1_0 = 0x4C,
        JSONServerKMIPV1_1 = 0x4D, JSONServerKMIPV1_2 = 0x4E, XMLClientKMIPV1_0 = 0x4F,
        XMLClientKMIPV1_1 = 0x50, XMLClientKMIPV1_2 = 0x51, XMLServerKMIPV1_0 = 0x52,
        XMLServerKMIPV1_1 = 0x53, XMLServerKMIPV1_2 = 0x54, BaselineServerBasicKMIPV1_3 = 0x55,
        BaselineServerTLSV1_2KMIPV1_3 = 0x56, BaselineClientBasicKMIPV1_3 = 0x57,
        BaselineClientTLSV1_2KMIPV1_3 = 0x58, CompleteServerBasicKMIPV1_3 = 0x59,
        CompleteServerTLSV1_2KMIPV1_3 = 0x5A, TapeLibraryClientKMIPV1_3 = 0x5B,
        TapeLibraryServerKMIPV1_3 = 0x5C, SymmetricKeyLifecycleClientKMIPV1_3 = 0x5D,
        SymmetricKeyLifecycleServerKMIPV1_3 = 0x5E, AsymmetricKeyLifecycleClientKMIPV1_3 = 0x5F,
        AsymmetricKeyLifecycleServerKMIPV1_3 = 0x60, BasicCryptographicClientKMIPV1_3 = 0x61,
        BasicCryptographicServerKMIPV1_3 = 0x62, AdvancedCryptographicClientKMIPV1_3 = 0x63,
        AdvancedCryptographicServerKMIPV1_3 = 0x64, RNGCryptographicClientKMIPV1_3 = 0x65,
        RNGCryptographicServerKMIPV1_3 = 0x66, BasicSymmetricKeyFoundryClientKMIPV1_3 = 0x67,
        IntermediateSymmetricKeyFoundryClientKMIPV1_3 = 0x68,
        AdvancedSymmetricKeyFoundryClientKMIPV1_3 = 0x69,
        SymmetricKeyFoundryServerKMIPV1_3 = 0x6A, OpaqueManagedObjectStoreClientKMIPV1_3 = 0x6B,
        OpaqueManagedObjectStoreServerKMIPV1_3 = 0x6C, SuiteBMinLOS_128ClientKMIPV1_3 = 0x6D,
        SuiteBMinLOS_128ServerKMIPV1_3 = 0x6E, SuiteBMinLOS_192ClientKMIPV1_3 = 0x6F,
        SuiteBMinLOS_192ServerKMIPV1_3 = 0x70,
        StorageArrayWithSelfEncryptingDriveClientKMIPV1_3 = 0x71,
        StorageArrayWithSelfEncryptingDriveServerKMIPV1_3 = 0x72, HTTPSClientKMIPV1_3 = 0x73,
        HTTPSServerKMIPV1_3 = 0x74, JSONClientKMIPV1_3 = 0x75, JSONServerKMIPV1_3 = 0x76,
        XMLClientKMIPV1_3 = 0x77, XMLServerKMIPV1_3 = 0x78, BaselineServerBasicKMIPV1_4 = 0x79,
        BaselineServerTLSV1_2KMIPV1_4 = 0x7A, BaselineClientBasicKMIPV1_4 = 0x7B,
        BaselineClientTLSV1_2KMIPV1_4 = 0x7C, CompleteServerBasicKMIPV1_4 = 0x7D,
        CompleteServerTLSV1_2KMIPV1_4 = 0x7E, TapeLibraryClientKMIPV1_4 = 0x7F,
        TapeLibraryServerKMIPV1_4 = 0x80, SymmetricKeyLifecycleClientKMIPV1_4 = 0x81,
        SymmetricKeyLifecycleServerKMIPV1_4 = 0x82, AsymmetricKeyLifecycleClientKMIPV1_4 = 0x83,
        AsymmetricKeyLifecycleServerKMIPV1_4 = 0x84, BasicCryptographicClientKMIPV1_4 = 0x85,
        BasicCryptographicServerKMIPV1_4 = 0x86, AdvancedCryptographicClientKMIPV1_4 = 0x87,
        AdvancedCryptographicServerKMIPV1_4 = 0x88, RNGCryptographicClientKMIPV1_4 = 0x89,
        RNGCryptographicServerKMIPV1_4 = 0x8A, BasicSymmetricKeyFoundryClientKMIPV1_4 = 0x8B,
        IntermediateSymmetricKeyFoundryClientKMIPV1_4 = 0x8C,
        AdvancedSymmetricKeyFoundryClientKMIPV1_4 = 0x8D,
        SymmetricKeyFoundryServerKMIPV1_4 = 0x8E, OpaqueManagedObjectStoreClientKMIPV1_4 = 0x8F,
        OpaqueManagedObjectStoreServerKMIPV1_4 = 0x90, SuiteBMinLOS_128ClientKMIPV1_4 = 0x91,
        SuiteBMinLOS_128ServerKMIPV1_4 = 0x92, SuiteBMinLOS_192ClientKMIPV1_4 = 0x93,
        SuiteBMinLOS_192ServerKMIPV1_4 = 0x94,
        StorageArrayWithSelfEncryptingDriveClientKMIPV1_4 = 0x95,
        StorageArrayWithSelfEncryptingDriveServerKMIPV1_4 = 0x96, HTTPSClientKMIPV1_4 = 0x97,
        HTTPSServerKMIPV1_4 = 0x98, JSONClientKMIPV1_4 = 0x99, JSONServerKMIPV1_4 = 0x9A,
        XMLClientKMIPV1_4 = 0x9B, XMLServerKMIPV1_4 = 0x9C, CompleteServerBasic = 0x104,
        CompleteServerTLSV1_2 = 0x105, TapeLibraryClient = 0x106, TapeLibraryServer = 0x107,
        SymmetricKeyLifecycleClient = 0x108, SymmetricKeyLifecycleServer = 0x109,
        AsymmetricKeyLifecycleClient = 0x10A, AsymmetricKeyLifecycleServer = 0x10B,
        BasicCryptographicClient = 0x10C, BasicCryptographicServer = 0x10D,
        AdvancedCryptographicClient = 0x10E, AdvancedCryptographicServer = 0x10F,
        RNGCryptographicClient = 0x110, RNGCryptographicServer = 0x111,
        BasicSymmetricKeyFoundryClient = 0x112, IntermediateSymmetricKeyFoundryClient = 0x113,
        AdvancedSymmetricKeyFoundryClient = 0x114, SymmetricKeyFoundryServer = 0x115,
        OpaqueManagedObjectStoreClient = 0x116, OpaqueManagedObjectStoreServer = 0x117,
        StorageArrayWithSelfEncryptingDriveClient = 0x11C,
        StorageArrayWithSelfEncryptingDriveServer = 0x11D, HTTPSClient = 0x11E,
        HTTPSServer = 0x11F, JSONClient = 0x120, JSONServer = 0x121, XMLClient = 0x122,
        XMLServer = 0x123, AESXTSClient = 0x124, AESXTSServer = 0x125,
        QuantumSafeClient = 0x126, QuantumSafeServer = 0x127, PKCS_11Client = 0x128,
        PKCS_11Server = 0x129, BaselineClient = 0x12A, BaselineServer = 0x12B,
        CompleteServer = 0x12C,
    }
    /// Protection Level (2.0).
    ProtectionLevel { High = 0x1, Low = 0x2 }
    /// Put Function.
    PutFunction { New = 0x1, Replace = 0x2 }
    /// Query Function.
    QueryFunction {
        QueryOperations = 0x1, QueryObjects = 0x2, QueryServerInformation = 0x3,
        QueryApplicationNamespaces = 0x4, QueryExtensionList = 0x5, QueryExtensionMap = 0x6,
        QueryAttestationTypes = 0x7, QueryRNGs = 0x8, QueryValidations = 0x9,
        QueryProfiles = 0xA, QueryCapabilities = 0xB, QueryClientRegistrationMethods = 0xC,
        QueryDefaultsInformation = 0xD, QueryStorageProtectionMasks = 0xE,
    }
    /// Recommended Curve.
    RecommendedCurve {
        P_192 = 0x1, K_163 = 0x2, B_163 = 0x3, P_224 = 0x4, K_233 = 0x5, B_233 = 0x6,
        P_256 = 0x7, K_283 = 0x8, B_283 = 0x9, P_384 = 0xA, K_409 = 0xB, B_409 = 0xC,
        P_521 = 0xD, K_571 = 0xE, B_571 = 0xF, SECP112R1 = 0x10, SECP112R2 = 0x11,
        SECP128R1 = 0x12, SECP128R2 = 0x13, SECP160K1 = 0x14, SECP160R1 = 0x15,
        SECP160R2 = 0x16, SECP192K1 = 0x17, SECP224K1 = 0x18, SECP256K1 = 0x19,
        SECT113R1 = 0x1A, SECT113R2 = 0x1B, SECT131R1 = 0x1C, SECT131R2 = 0x1D,
        SECT163R1 = 0x1E, SECT193R1 = 0x1F, SECT193R2 = 0x20, SECT239K1 = 0x21,
        ANSIX9P192V2 = 0x22, ANSIX9P192V3 = 0x23, ANSIX9P239V1 = 0x24, ANSIX9P239V2 = 0x25,
        ANSIX9P239V3 = 0x26, ANSIX9C2PNB163V1 = 0x27, ANSIX9C2PNB163V2 = 0x28,
        ANSIX9C2PNB163V3 = 0x29, ANSIX9C2PNB176V1 = 0x2A, ANSIX9C2TNB191V1 = 0x2B,
        ANSIX9C2TNB191V2 = 0x2C, ANSIX9C2TNB191V3 = 0x2D, ANSIX9C2PNB208W1 = 0x2E,
        ANSIX9C2TNB239V1 = 0x2F, ANSIX9C2TNB239V2 = 0x30, ANSIX9C2TNB239V3 = 0x31,
        ANSIX9C2PNB272W1 = 0x32, ANSIX9C2PNB304W1 = 0x33, ANSIX9C2TNB359V1 = 0x34,
        ANSIX9C2PNB368W1 = 0x35, ANSIX9C2TNB431R1 = 0x36, BRAINPOOLP160R1 = 0x37,
        BRAINPOOLP160T1 = 0x38, BRAINPOOLP192R1 = 0x39, BRAINPOOLP192T1 = 0x3A,
        BRAINPOOLP224R1 = 0x3B, BRAINPOOLP224T1 = 0x3C, BRAINPOOLP256R1 = 0x3D,
        BRAINPOOLP256T1 = 0x3E, BRAINPOOLP320R1 = 0x3F, BRAINPOOLP320T1 = 0x40,
        BRAINPOOLP384R1 = 0x41, BRAINPOOLP384T1 = 0x42, BRAINPOOLP512R1 = 0x43,
        BRAINPOOLP512T1 = 0x44, CURVE25519 = 0x45, CURVE448 = 0x46,
    }
    /// Result Reason.
    ResultReason {
        ItemNotFound = 0x1, ResponseTooLarge = 0x2, AuthenticationNotSuccessful = 0x3,
        InvalidMessage = 0x4, OperationNotSupported = 0x5, MissingData = 0x6,
        InvalidField = 0x7, FeatureNotSupported = 0x8, OperationCanceledByRequester = 0x9,
        CryptographicFailure = 0xA, IllegalOperation = 0xB, PermissionDenied = 0xC,
        ObjectArchived = 0xD, IndexOutOfBounds = 0xE, ApplicationNamespaceNotSupported = 0xF,
        KeyFormatTypeNotSupported = 0x10, KeyCompressionTypeNotSupported = 0x11,
        EncodingOptionError = 0x12, KeyValueNotPresent = 0x13, AttestationRequired = 0x14,
        AttestationFailed = 0x15, Sensitive = 0x16, NotExtractable = 0x17,
        ObjectAlreadyExists = 0x18, InvalidTicket = 0x19, UsageLimitExceeded = 0x1A,
        NumericRange = 0x1B, InvalidDataType = 0x1C, ReadOnlyAttribute = 0x1D,
        MultiValuedAttribute = 0x1E, UnsupportedAttribute = 0x1F,
        AttributeInstanceNotFound = 0x20, AttributeNotFound = 0x21, AttributeReadOnly = 0x22,
        AttributeSingleValued = 0x23, BadCryptographicParameters = 0x24, BadPassword = 0x25,
        CodecError = 0x26, IllegalObjectType = 0x28, IncompatibleCryptographicUsageMask = 0x29,
        InternalServerError = 0x2A, InvalidAsynchronousCorrelationValue = 0x2B,
        InvalidAttribute = 0x2C, InvalidAttributeValue = 0x2D, InvalidCorrelationValue = 0x2E,
        InvalidCSR = 0x2F, InvalidObjectType = 0x30, KeyWrapTypeNotSupported = 0x32,
        MissingInitializationVector = 0x34, NonUniqueNameAttribute = 0x35,
        ObjectDestroyed = 0x36, ObjectNotFound = 0x37, NotAuthorised = 0x39,
        ServerLimitExceeded = 0x3A, UnknownEnumeration = 0x3B, UnknownMessageExtension = 0x3C,
        UnknownTag = 0x3D, UnsupportedCryptographicParameters = 0x3E,
        UnsupportedProtocolVersion = 0x3F, WrappingObjectArchived = 0x40,
        WrappingObjectDestroyed = 0x41, WrappingObjectNotFound = 0x42,
        WrongKeyLifecycleState = 0x43, ProtectionStorageUnavailable = 0x44,
        PKCS_11CodecError = 0x45, PKCS_11InvalidFunction = 0x46, PKCS_11InvalidInterface = 0x47,
        PrivateProtectionStorageUnavailable = 0x48, PublicProtectionStorageUnavailable = 0x49,
        ConstraintViolation = 0x4B, DuplicateProcessRequest = 0x4C, GeneralFailure = 0x100,
    }
    /// Result Status.
    ResultStatus { Success = 0x0, OperationFailed = 0x1, OperationPending = 0x2, OperationUndone = 0x3 }
    /// Revocation Reason Code.
    RevocationReasonCode {
        Unspecified = 0x1, KeyCompromise = 0x2, CACompromise = 0x3, AffiliationChanged = 0x4,
        Superseded = 0x5, CessationOfOperation = 0x6, PrivilegeWithdrawn = 0x7,
    }
    /// RNG Algorithm.
    RNGAlgorithm {
        Unspecified = 0x1, FIPS186_2 = 0x2, DRBG = 0x3, NRBG = 0x4, ANSIX9_31 = 0x5,
        ANSIX9_62 = 0x6,
    }
    /// RNG Mode.
    RNGMode { Unspecified = 0x1, SharedInstantiation = 0x2, NonSharedInstantiation = 0x3 }
    /// Secret Data Type.
    SecretDataType { Password = 0x1, Seed = 0x2 }
    /// Shredding Algorithm.
    ShreddingAlgorithm { Unspecified = 0x1, Cryptographic = 0x2, Unsupported = 0x3 }
    /// Split Key Method.
    SplitKeyMethod {
        XOR = 0x1, PolynomialSharingGF2_16 = 0x2, PolynomialSharingPrimeField = 0x3,
        PolynomialSharingGF2_8 = 0x4,
    }
    /// State.
    State {
        PreActive = 0x1, Active = 0x2, Deactivated = 0x3, Compromised = 0x4, Destroyed = 0x5,
        DestroyedCompromised = 0x6,
    }
    /// Ticket Type (2.0).
    TicketType { Login = 0x1 }
    /// Unique Identifier as an Enumeration (2.0 ID placeholders).
    UniqueIdentifier {
        IDPlaceholder = 0x1, Certify = 0x2, Create = 0x3, CreateKeyPair = 0x4,
        CreateKeyPairPrivateKey = 0x5, CreateKeyPairPublicKey = 0x6, CreateSplitKey = 0x7,
        DeriveKey = 0x8, Import = 0x9, JoinSplitKey = 0xA, Locate = 0xB, Register = 0xC,
        ReKey = 0xD, ReCertify = 0xE, ReKeyKeyPair = 0xF, ReKeyKeyPairPrivateKey = 0x10,
        ReKeyKeyPairPublicKey = 0x11,
    }
    /// Unwrap Mode.
    UnwrapMode { Unspecified = 0x1, Processed = 0x2, NotProcessed = 0x3 }
    /// Usage Limits Unit.
    UsageLimitsUnit { Byte = 0x1, Object = 0x2 }
    /// Validation Authority Type.
    ValidationAuthorityType { Unspecified = 0x1, NISTCMVP = 0x2, CommonCriteria = 0x3 }
    /// Validation Type.
    ValidationType {
        Unspecified = 0x1, Hardware = 0x2, Software = 0x3, Firmware = 0x4, Hybrid = 0x5,
    }
    /// Validity Indicator.
    ValidityIndicator { Valid = 0x1, Invalid = 0x2, Unknown = 0x3 }
    /// Wrapping Method.
    WrappingMethod {
        Encrypt = 0x1, MACSign = 0x2, EncryptThenMACSign = 0x3, MACSignThenEncrypt = 0x4,
        TR_31 = 0x5,
    }
    /// Cryptographic Usage Mask bits (an Integer mask).
    CryptographicUsageMask {
        Sign = 0x1, Verify = 0x2, Encrypt = 0x4, Decrypt = 0x8, WrapKey = 0x10,
        UnwrapKey = 0x20, Export = 0x40, MACGenerate = 0x80, MACVerify = 0x100,
        DeriveKey = 0x200, ContentCommitment = 0x400, KeyAgreement = 0x800,
        CertificateSign = 0x1000, CRLSign = 0x2000, GenerateCryptogram = 0x4000,
        ValidateCryptogram = 0x8000, TranslateEncrypt = 0x10000, TranslateDecrypt = 0x20000,
        TranslateWrap = 0x40000, TranslateUnwrap = 0x80000, Authenticate = 0x100000,
        Unrestricted = 0x200000, FPEEncrypt = 0x400000, FPEDecrypt = 0x800000,
    }
    /// Storage Status Mask bits (an Integer mask).
    StorageStatusMask { OnLineStorage = 0x1, ArchivalStorage = 0x2, DestroyedStorage = 0x4 }
    /// Protection Storage Mask bits (an Integer mask, 2.0).
    ProtectionStorageMask {
        Software = 0x1, Hardware = 0x2, OnProcessor = 0x4, OnSystem = 0x8, OffSystem = 0x10,
        Hypervisor = 0x20, OperatingSystem = 0x40, Container = 0x80, OnPremises = 0x100,
        OffPremises = 0x200, SelfManaged = 0x400, Outsourced = 0x800, Validated = 0x1000,
        SameJurisdiction = 0x2000,
    }
}
