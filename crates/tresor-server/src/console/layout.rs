//! The page frame: sidebar with navigation, the tenant switcher and the
//! signed-in user; flash messages; error pages.

use maud::{DOCTYPE, Markup, html};
use tresor_core::{Action, Caller};
use tresor_service::ServiceError;
use tresor_service::people::SessionView;

/// What every signed-in page knows.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub caller: Caller,
    pub session: SessionView,
    /// Tenants the switcher offers (id, display name).
    pub tenants: Vec<(String, String)>,
}

impl Ctx {
    /// Whether the caller's role allows `action` (the service decides
    /// anyway; this only hides buttons that would be refused).
    pub fn may(&self, action: Action) -> bool {
        self.caller.may(action)
    }
}

/// A flash message shown above the content.
#[derive(Debug, Clone)]
pub enum Flash {
    Ok(String),
    Error(String),
}

/// A stable colour for a tenant (its hue from a hash of the id).
pub fn tenant_colour(id: &str) -> String {
    let h = id.bytes().fold(2166136261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16777619)
    });
    format!("hsl({}, 65%, 50%)", h % 360)
}

const NAV: &[(&str, &str, Option<Action>)] = &[
    ("/ui/", "Dashboard", None),
    ("/ui/keys", "Keys", Some(Action::KeyList)),
    ("/ui/certificates", "Certificates", Some(Action::CertList)),
    ("/ui/secrets", "Secrets", Some(Action::SecretList)),
    ("/ui/approvals", "Approvals", Some(Action::ApprovalList)),
    ("/ui/audit", "Audit log", Some(Action::AuditList)),
    ("/ui/alerts", "Alerts", Some(Action::AlertList)),
    ("/ui/discovery", "Discovery", Some(Action::DiscoveryRead)),
    ("/ui/self-test", "Self-tests", Some(Action::SelfTest)),
    ("/ui/users", "Users", Some(Action::UserList)),
    ("/ui/api-keys", "API keys", Some(Action::ApiKeyList)),
    ("/ui/tenants", "Tenants", Some(Action::TenantList)),
    ("/ui/settings", "Settings", Some(Action::UserList)),
    ("/ui/account", "My account", None),
];

/// A whole signed-in page.
pub fn page(ctx: &Ctx, current: &str, title: &str, flash: Option<&Flash>, body: Markup) -> Markup {
    let s = &ctx.session;
    let colour = tenant_colour(&s.tenant);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Tresor" }
                link rel="stylesheet" href="/ui/assets/app.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                div.shell {
                    nav.side aria-label="Main" {
                        a.brand href="/ui/" { "Tresor" small { "Key management" } }
                        div class=(format!("tenant {colour}")) {
                            div { "Tenant: " strong data-testid="current-tenant" { (s.tenant) } }
                            @if ctx.tenants.len() > 1 {
                                form method="post" action="/ui/tenant" {
                                    input type="hidden" name="csrf" value=(s.csrf);
                                    label.skip for="tenant-switch" { "Switch tenant" }
                                    select id="tenant-switch" name="tenant" {
                                        @for (id, name) in &ctx.tenants {
                                            option value=(id) selected[*id == s.tenant] { (name) }
                                        }
                                    }
                                    button.secondary type="submit" data-testid="switch-tenant" { "Switch" }
                                }
                            }
                        }
                        div.nav {
                            @for (href, label, action) in NAV {
                                @if action.is_none_or(|a| ctx.may(a)) {
                                    a href=(href) aria-current=[(*href == current).then_some("page")] { (label) }
                                }
                            }
                        }
                        div.who {
                            "Signed in as " strong { (s.display_name.as_deref().unwrap_or(&s.user)) }
                            " (" (ctx.caller.role.as_str()) @if s.platform_admin { ", platform admin" } ")"
                            br;
                            form method="post" action="/ui/logout" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                    main id="main" {
                        h1 { (title) }
                        @if let Some(f) = flash { (flash_box(f)) }
                        (body)
                    }
                }
            }
        }
    }
}

/// A page without the frame (sign-in, set-up).
pub fn bare(title: &str, flash: Option<&Flash>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Tresor" }
                link rel="stylesheet" href="/ui/assets/app.css";
            }
            body {
                main.auth id="main" {
                    div.panel {
                        h1 { (title) }
                        @if let Some(f) = flash { (flash_box(f)) }
                        (body)
                    }
                }
            }
        }
    }
}

pub fn flash_box(f: &Flash) -> Markup {
    match f {
        Flash::Ok(m) => html! { div.flash.ok role="status" { (m) } },
        Flash::Error(m) => html! { div.flash.error role="alert" { (m) } },
    }
}

/// The message a person sees for a refused call: the service's own words,
/// except for internal failures (logged, not shown).
pub fn error_text(e: &ServiceError) -> String {
    use tresor_service::ErrorKind;
    match e.kind() {
        ErrorKind::Internal => {
            "Something went wrong on the server; the request id is in the log.".into()
        }
        ErrorKind::Unavailable => "A required component is unavailable; try again shortly.".into(),
        ErrorKind::Forbidden => format!("Not permitted: {e}"),
        _ => {
            let mut s = e.to_string();
            if let Some(first) = s.get(..1) {
                let up = first.to_uppercase();
                s.replace_range(..1, &up);
            }
            s
        }
    }
}

/// The hidden CSRF field of every form.
pub fn csrf(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.session.csrf); }
}

/// A state badge.
pub fn badge(text: &str) -> Markup {
    html! { span class=(format!("badge {text}")) { (text) } }
}

/// Percent-encodes a query-string value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A time as people read it: `2026-12-05 12:51:02 UTC`.
pub fn when(t: tresor_core::Timestamp) -> String {
    let s = t.to_rfc3339();
    let s = s.split('.').next().unwrap_or(&s).trim_end_matches('Z');
    format!("{} UTC", s.replacen('T', " ", 1))
}
