//! Who is calling and what each role may do. The service decides with these;
//! front doors only build the [`Caller`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{ApiKeyId, RequestId, TenantId};
use crate::time::Timestamp;

/// A role within one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Role {
    /// Read metadata, public keys and audit.
    Readonly,
    /// Create, manage and use keys.
    User,
    /// Everything in the tenant, including API keys.
    Admin,
}

impl Role {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Readonly => "readonly",
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "readonly" => Some(Role::Readonly),
            "user" => Some(Role::User),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role may perform `action` in its tenant.
    pub fn permits(self, action: Action) -> bool {
        match action.minimum_role() {
            Some(min) => self >= min,
            None => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the service can be asked to do. The wire name is the audit
/// record's `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    KeyCreate,
    KeyImport,
    KeyGet,
    KeyList,
    KeyUpdate,
    KeyRotate,
    /// A new key replacing an existing one (KMIP Re-key): the alias moves.
    KeyReplace,
    KeyEnable,
    KeyDisable,
    KeyRevoke,
    KeyScheduleDestroy,
    KeyCancelDestroy,
    KeyDestroy,
    KeyVersionEnable,
    KeyVersionDisable,
    KeyPublic,
    /// Plaintext export of an exportable key's material (KMIP Get).
    KeyExport,
    Encrypt,
    Decrypt,
    ReEncrypt,
    DataKey,
    Sign,
    Verify,
    Mac,
    MacVerify,
    Wrap,
    Unwrap,
    Agree,
    Encapsulate,
    Decapsulate,
    Random,
    JwksGet,
    WrappingKeyGet,
    TenantCreate,
    TenantList,
    TenantGet,
    ApiKeyCreate,
    ApiKeyList,
    ApiKeyRevoke,
    CertPrincipalCreate,
    CertPrincipalList,
    CertPrincipalDelete,
    AuditList,
    AuditVerify,
    AuditCheckpoint,
    AuditCheckpointList,
    AuditKeys,
    AuditExport,
    SelfTest,
    AuthFailed,
    SchedulerRotate,
    SchedulerDestroy,
    ProviderList,
    ProviderGet,
    ProviderCapabilities,
    ProviderQuery,
    ProviderManage,
    KeyRegister,
    InventoryRead,
    ComplianceReport,
    PqcReadiness,
    DiscoveryScan,
    DiscoveryComplete,
    DiscoveryRead,
    /// Status of the SIEM audit sinks (deployment-wide).
    AuditSinkStatus,
    AlertList,
    AlertAck,
    /// The evaluator opening or clearing an alert (system only).
    AlertRaise,
    AlertClear,
    CertCsr,
    CertSelfSign,
    CertIssue,
    CertList,
    CertGet,
    CertImport,
    CertRevoke,
    CaCreate,
    CaList,
    CaGet,
    CaSign,
    CaCrl,
    CaOcsp,
    SchedulerCrl,
    SecretPut,
    SecretGet,
    SecretList,
    SecretDelete,
    CertExportPkcs12,
    ContainerCreate,
    ContainerGet,
    ContainerList,
    /// Adding or removing a secret of a generic container.
    ContainerUpdate,
    ContainerDelete,
    OrderCreate,
    OrderGet,
    OrderList,
    OrderDelete,
    ConsumerRegister,
    ConsumerRemove,
    ConsumerList,
    AclGet,
    AclSet,
    QuotaGet,
    /// Reading or setting any tenant's quotas (platform admins).
    QuotaManage,
    SecretStoreList,
    SecretStorePrefer,
    /// Reading a key's (or the tenant default) dual-control policy.
    KeyPolicyGet,
    /// Changing a key's (or the tenant default) dual-control policy.
    KeyPolicySet,
    /// An operation parked for M-of-N approval.
    ApprovalRequest,
    /// Reading approval requests and approver tasks.
    ApprovalList,
    ApprovalApprove,
    ApprovalDeny,
    /// Running an approved request (once).
    ApprovalExecute,
    /// A pending request passing its timeout (system only).
    ApprovalExpire,
    ApproverGroupGet,
    ApproverGroupSet,
    /// Registering one's own approval-signing public key.
    ApproverKeySet,
    CryptoPolicyGet,
    CryptoPolicySet,
    /// Creating the first user (platform admin) of a new installation.
    UserSetup,
    UserCreate,
    UserList,
    UserGet,
    UserUpdate,
    UserDelete,
    /// Setting a user's role in the caller's tenant.
    UserRolesSet,
    /// An admin setting a user's password.
    UserPasswordReset,
    /// A user changing their own password.
    UserPasswordChange,
    UserTotpEnroll,
    UserTotpConfirm,
    UserTotpDisable,
    /// A password sign-in (success, refusal or lockout).
    UserLogin,
    /// The second factor of a sign-in (TOTP or recovery code).
    UserMfaVerify,
    /// Proving one's identity again in a session (before approving).
    UserReauth,
    UserLogout,
    /// An account locked after repeated failures.
    UserLockout,
    SessionList,
    SessionRevoke,
    /// A session changing the tenant it acts in.
    SessionSwitchTenant,
}

impl Action {
    /// The audit name, e.g. `key.create`.
    pub fn as_str(self) -> &'static str {
        use Action::*;
        match self {
            KeyCreate => "key.create",
            KeyImport => "key.import",
            KeyGet => "key.get",
            KeyList => "key.list",
            KeyUpdate => "key.update",
            KeyRotate => "key.rotate",
            KeyReplace => "key.replace",
            KeyEnable => "key.enable",
            KeyDisable => "key.disable",
            KeyRevoke => "key.revoke",
            KeyScheduleDestroy => "key.schedule_destroy",
            KeyCancelDestroy => "key.cancel_destroy",
            KeyDestroy => "key.destroy",
            KeyVersionEnable => "key.version_enable",
            KeyVersionDisable => "key.version_disable",
            KeyPublic => "key.public",
            KeyExport => "key.export",
            Encrypt => "crypto.encrypt",
            Decrypt => "crypto.decrypt",
            ReEncrypt => "crypto.reencrypt",
            DataKey => "crypto.datakey",
            Sign => "crypto.sign",
            Verify => "crypto.verify",
            Mac => "crypto.mac",
            MacVerify => "crypto.mac_verify",
            Wrap => "crypto.wrap",
            Unwrap => "crypto.unwrap",
            Agree => "crypto.agree",
            Encapsulate => "crypto.encapsulate",
            Decapsulate => "crypto.decapsulate",
            Random => "crypto.random",
            JwksGet => "jwks.get",
            WrappingKeyGet => "wrapping_key.get",
            TenantCreate => "tenant.create",
            TenantList => "tenant.list",
            TenantGet => "tenant.get",
            ApiKeyCreate => "api_key.create",
            ApiKeyList => "api_key.list",
            ApiKeyRevoke => "api_key.revoke",
            CertPrincipalCreate => "cert_principal.create",
            CertPrincipalList => "cert_principal.list",
            CertPrincipalDelete => "cert_principal.delete",
            AuditList => "audit.list",
            AuditVerify => "audit.verify",
            AuditCheckpoint => "audit.checkpoint",
            AuditCheckpointList => "audit.checkpoint_list",
            AuditKeys => "audit.keys",
            AuditExport => "audit.export",
            SelfTest => "self_test.run",
            AuthFailed => "auth.failed",
            SchedulerRotate => "scheduler.rotate",
            SchedulerDestroy => "scheduler.destroy",
            ProviderList => "provider.list",
            ProviderGet => "provider.get",
            ProviderCapabilities => "provider.capabilities",
            ProviderQuery => "provider.query",
            ProviderManage => "provider.manage",
            KeyRegister => "key.register",
            InventoryRead => "inventory.read",
            ComplianceReport => "compliance.report",
            PqcReadiness => "pqc.readiness",
            DiscoveryScan => "discovery.scan",
            DiscoveryComplete => "discovery.complete",
            DiscoveryRead => "discovery.read",
            AuditSinkStatus => "audit.sinks",
            AlertList => "alert.list",
            AlertAck => "alert.ack",
            AlertRaise => "alert.raise",
            AlertClear => "alert.clear",
            CertCsr => "cert.csr",
            CertSelfSign => "cert.self_sign",
            CertIssue => "cert.issue",
            CertList => "cert.list",
            CertGet => "cert.get",
            CertImport => "cert.import",
            CertRevoke => "cert.revoke",
            CaCreate => "ca.create",
            CaList => "ca.list",
            CaGet => "ca.get",
            CaSign => "ca.sign",
            CaCrl => "ca.crl",
            CaOcsp => "ca.ocsp",
            SchedulerCrl => "scheduler.crl",
            SecretPut => "secret.put",
            SecretGet => "secret.get",
            SecretList => "secret.list",
            SecretDelete => "secret.delete",
            ContainerCreate => "container.create",
            ContainerGet => "container.get",
            ContainerList => "container.list",
            ContainerUpdate => "container.update",
            ContainerDelete => "container.delete",
            OrderCreate => "order.create",
            OrderGet => "order.get",
            OrderList => "order.list",
            OrderDelete => "order.delete",
            ConsumerRegister => "consumer.register",
            ConsumerRemove => "consumer.remove",
            ConsumerList => "consumer.list",
            AclGet => "acl.get",
            AclSet => "acl.set",
            QuotaGet => "quota.get",
            QuotaManage => "quota.manage",
            SecretStoreList => "secret_store.list",
            SecretStorePrefer => "secret_store.prefer",
            CertExportPkcs12 => "cert.export_pkcs12",
            KeyPolicyGet => "key_policy.get",
            KeyPolicySet => "key_policy.set",
            ApprovalRequest => "approval.request",
            ApprovalList => "approval.list",
            ApprovalApprove => "approval.approve",
            ApprovalDeny => "approval.deny",
            ApprovalExecute => "approval.execute",
            ApprovalExpire => "approval.expire",
            ApproverGroupGet => "approver_group.get",
            ApproverGroupSet => "approver_group.set",
            ApproverKeySet => "approver_key.set",
            CryptoPolicyGet => "crypto_policy.get",
            CryptoPolicySet => "crypto_policy.set",
            UserSetup => "user.setup",
            UserCreate => "user.create",
            UserList => "user.list",
            UserGet => "user.get",
            UserUpdate => "user.update",
            UserDelete => "user.delete",
            UserRolesSet => "user.roles_set",
            UserPasswordReset => "user.password_reset",
            UserPasswordChange => "user.password_change",
            UserTotpEnroll => "user.totp_enroll",
            UserTotpConfirm => "user.totp_confirm",
            UserTotpDisable => "user.totp_disable",
            UserLogin => "user.login",
            UserMfaVerify => "user.mfa_verify",
            UserReauth => "user.reauth",
            UserLogout => "user.logout",
            UserLockout => "user.lockout",
            SessionList => "session.list",
            SessionRevoke => "session.revoke",
            SessionSwitchTenant => "session.switch_tenant",
        }
    }

    /// The least role that may perform this action in its tenant; `None` when
    /// only a platform admin (or the system itself) may.
    pub fn minimum_role(self) -> Option<Role> {
        use Action::*;
        match self {
            KeyGet | KeyList | KeyPublic | JwksGet | WrappingKeyGet | AuditList | TenantGet => {
                Some(Role::Readonly)
            }
            AuditCheckpointList | AuditKeys | SelfTest => Some(Role::Readonly),
            // Reports show metadata only (what a readonly user already sees).
            InventoryRead | ComplianceReport | PqcReadiness => Some(Role::Readonly),
            DiscoveryRead => Some(Role::Readonly),
            // Scanning opens connections from the server's network: admins.
            DiscoveryScan => Some(Role::Admin),
            DiscoveryComplete => None,
            AuditCheckpoint => Some(Role::Admin),
            // The chain is one log across tenants: exporting it whole is a
            // platform-admin action.
            AuditExport => None,
            ProviderList | ProviderGet | ProviderCapabilities | ProviderQuery => {
                Some(Role::Readonly)
            }
            // Registering adopts arbitrary provider-side objects (any HSM
            // label), so it is a platform-admin action like managing providers.
            ProviderManage | KeyRegister => None,
            KeyExport => Some(Role::User),
            KeyCreate | KeyImport | KeyUpdate | KeyRotate | KeyReplace | KeyEnable | KeyDisable
            | KeyRevoke | KeyScheduleDestroy | KeyCancelDestroy | KeyVersionEnable
            | KeyVersionDisable | Encrypt | Decrypt | ReEncrypt | DataKey | Sign | Verify | Mac
            | MacVerify | Wrap | Unwrap | Agree | Encapsulate | Decapsulate | Random => {
                Some(Role::User)
            }
            KeyDestroy | AuditVerify | ApiKeyCreate | ApiKeyList | ApiKeyRevoke
            | CertPrincipalCreate | CertPrincipalList | CertPrincipalDelete => Some(Role::Admin),
            TenantCreate | TenantList | AuthFailed | SchedulerRotate | SchedulerDestroy => None,
            // Sinks see every tenant's records: platform admins only.
            AuditSinkStatus | AlertRaise | AlertClear => None,
            AlertList => Some(Role::Readonly),
            AlertAck => Some(Role::Admin),
            CertList | CertGet | CaList | CaGet | CaCrl | CaOcsp => Some(Role::Readonly),
            CertCsr | CertSelfSign | CertIssue | CertRevoke | CaSign => Some(Role::User),
            // CAs and trust anchors shape what the whole tenant trusts.
            CaCreate | CertImport => Some(Role::Admin),
            SchedulerCrl => None,
            // Reading a payload hands out secret material: users, not readers.
            SecretList => Some(Role::Readonly),
            SecretPut | SecretGet | SecretDelete => Some(Role::User),
            // Like `key.export`: the private key leaves Tresor.
            CertExportPkcs12 => Some(Role::User),
            // Containers and orders hold references, never payloads.
            ContainerGet | ContainerList | OrderGet | OrderList | ConsumerList => {
                Some(Role::Readonly)
            }
            ContainerCreate | ContainerUpdate | ContainerDelete | OrderCreate | OrderDelete => {
                Some(Role::User)
            }
            ConsumerRegister | ConsumerRemove => Some(Role::User),
            // Setting an ACL is further limited to the object's creator and
            // admins by the service.
            AclGet | AclSet => Some(Role::User),
            QuotaGet | SecretStoreList => Some(Role::Readonly),
            QuotaManage => None,
            SecretStorePrefer => Some(Role::Admin),
            KeyPolicyGet | CryptoPolicyGet | ApproverGroupGet => Some(Role::Readonly),
            // Whoever manages a key may protect it; loosening needs the
            // current policy's quorum (the service checks).
            KeyPolicySet => Some(Role::User),
            // Being named in a policy is what authorizes an approver; any
            // member of the tenant may see and answer their tasks.
            ApprovalList | ApprovalApprove | ApprovalDeny | ApproverKeySet => Some(Role::Readonly),
            ApprovalRequest | ApprovalExecute => Some(Role::Readonly),
            ApprovalExpire => None,
            ApproverGroupSet | CryptoPolicySet => Some(Role::Admin),
            // People: tenant admins see and assign roles in their tenant;
            // accounts themselves (create, delete, passwords of others) are
            // deployment-wide, so platform admins manage them.
            UserList | UserGet | UserRolesSet => Some(Role::Admin),
            UserCreate | UserUpdate | UserDelete | UserPasswordReset | UserSetup => None,
            // One's own account and sessions.
            UserPasswordChange | UserTotpEnroll | UserTotpConfirm | UserTotpDisable | UserLogin
            | UserMfaVerify | UserReauth | UserLogout | UserLockout => Some(Role::Readonly),
            // Own sessions; an admin's list and revoke cover their tenant's
            // users (the service checks).
            SessionList | SessionRevoke | SessionSwitchTenant => Some(Role::Readonly),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated caller, acting in one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Stable principal name, e.g. `api-key:0190…` or `cert:CN=billing`.
    pub principal: String,
    /// The tenant this call acts in.
    pub tenant: TenantId,
    /// The caller's role in that tenant.
    pub role: Role,
    /// Platform admins manage tenants and may act as admin in any tenant.
    pub platform_admin: bool,
    /// Correlates the call across logs, responses and audit.
    pub request_id: RequestId,
    /// Network source, when known.
    pub source: Option<String>,
    /// When a person signed in through a session last proved who they are
    /// (password, plus the second factor when enrolled); `None` for
    /// machine credentials (API keys, certificates).
    pub auth_time: Option<Timestamp>,
}

impl Caller {
    /// The internal caller used by the scheduler.
    pub fn system(tenant: TenantId) -> Self {
        Self {
            principal: "system:scheduler".to_owned(),
            tenant,
            role: Role::Admin,
            platform_admin: true,
            request_id: RequestId::generate(),
            source: None,
            auth_time: None,
        }
    }

    /// Whether the caller may perform `action` in its tenant.
    pub fn may(&self, action: Action) -> bool {
        if self.platform_admin {
            return true;
        }
        self.role.permits(action)
    }
}

/// A tenant (partition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRecord {
    pub id: TenantId,
    pub display_name: String,
    pub created_at: Timestamp,
}

/// A machine credential. Only the SHA-256 of its secret token is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub tenant: TenantId,
    pub name: String,
    pub role: Role,
    pub platform_admin: bool,
    /// SHA-256 of the full token.
    pub token_hash: Vec<u8>,
    /// The token's first characters, to recognise it in listings.
    pub token_prefix: String,
    pub created_at: Timestamp,
    pub created_by: String,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A mapping from a TLS client certificate's subject CN to a principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertPrincipal {
    pub tenant: TenantId,
    pub subject_cn: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Readonly.permits(Action::KeyGet));
        assert!(!Role::Readonly.permits(Action::Encrypt));
        assert!(Role::User.permits(Action::Encrypt));
        assert!(!Role::User.permits(Action::ApiKeyCreate));
        assert!(Role::Admin.permits(Action::ApiKeyCreate));
        assert!(!Role::Admin.permits(Action::TenantCreate));
    }
}
