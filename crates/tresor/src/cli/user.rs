//! `tresor user ...`, `tresor session ...`, `tresor login` and
//! `tresor logout`: local accounts, their roles and sessions over the REST
//! API (`/v1/users`, `/v1/sessions`, `/v1/auth`). Passwords never come from
//! the command line itself (other users could read it from the process
//! list): they come from a file, stdin or an environment variable. See
//! docs/people.md.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};
use tresor_api::{
    LoginResponse, SessionListResponse, SessionResponse, UserListResponse, UserResponse,
};
use zeroize::Zeroizing;

use super::{GlobalArgs, parse_pair};
use crate::client::{Client, ClientOptions};
use crate::exit::{CliError, Exit};
use crate::output::{Output, fields, opt, print_json, table};

/// Where `user create` and `user reset-password` read the new password
/// when no `--password-file` is given.
pub const NEW_PASSWORD_ENV: &str = "TRESOR_NEW_PASSWORD";
/// Where `login` reads the password when no `--password-file` is given.
pub const PASSWORD_ENV: &str = "TRESOR_PASSWORD";

/// Local user accounts.
#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// List accounts (platform admins: all; tenant admins: those with a
    /// role in the tenant).
    List,
    /// Show an account.
    Show { name: String },
    /// Create an account (platform admins). The password comes from
    /// --password-file or the TRESOR_NEW_PASSWORD environment variable.
    Create {
        name: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Also a platform admin (manages tenants and every account).
        #[arg(long)]
        platform_admin: bool,
        /// A role in a tenant, TENANT=admin|user|readonly (repeatable).
        #[arg(long = "role", value_name = "TENANT=ROLE", value_parser = parse_pair)]
        roles: Vec<(String, String)>,
        /// File holding the password ("-": stdin); a trailing newline is
        /// dropped.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Set the account's role in the acting tenant (--tenant or the
    /// token's): admin, user, readonly, or none to remove access.
    SetRole {
        name: String,
        #[arg(value_name = "ROLE")]
        role: String,
    },
    /// Set another user's password (platform admins); their sessions end
    /// and a lockout is cleared. The password comes from --password-file
    /// or TRESOR_NEW_PASSWORD.
    ResetPassword {
        name: String,
        /// File holding the password ("-": stdin).
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Disable an account (platform admins); its sessions end.
    Disable { name: String },
    /// Enable a disabled account (platform admins).
    Enable { name: String },
    /// Clear a lockout after repeated failed sign-ins (platform admins).
    Unlock { name: String },
    /// Delete an account and its sessions (platform admins).
    Delete { name: String },
    /// Remove an account's TOTP second factor, e.g. after a lost phone
    /// (platform admins, or oneself); its sessions end.
    ResetTotp { name: String },
}

/// Sessions of people.
#[derive(Debug, Subcommand)]
pub enum SessionCmd {
    /// Your sessions; admins also see those of their tenant's users
    /// (`*` marks the session of the token in use).
    List,
    /// End a session by its id (from `session list`).
    Revoke { id: String },
}

/// `tresor login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The user name.
    #[arg(long)]
    pub user: String,
    /// File holding the password ("-": stdin); without it, the
    /// TRESOR_PASSWORD environment variable.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// A TOTP code (or a recovery code), for accounts with two-factor.
    #[arg(long, value_name = "CODE")]
    pub totp: Option<String>,
}

/// Reads a password from `file` (`-`: stdin) or else the environment
/// variable `env`; one trailing newline is dropped.
pub fn read_password(file: Option<&Path>, env: &str) -> Result<Zeroizing<String>, CliError> {
    let mut text = Zeroizing::new(String::new());
    match file {
        Some(p) if p.as_os_str() == "-" => {
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                CliError::usage(format!("cannot read the password from stdin: {e}"))
            })?;
        }
        Some(p) => {
            std::fs::File::open(p)
                .and_then(|mut f| f.read_to_string(&mut text))
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", p.display())))?;
        }
        None => match std::env::var(env) {
            Ok(v) => *text = v,
            Err(_) => {
                return Err(CliError::usage(format!(
                    "give the password with --password-file FILE (\"-\": stdin) or the {env} \
                     environment variable"
                )));
            }
        },
    }
    let len = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .map_or(text.len(), str::len);
    text.truncate(len);
    if text.is_empty() {
        return Err(CliError::usage("the password is empty"));
    }
    Ok(text)
}

fn roles_text(u: &UserResponse) -> String {
    let mut parts: Vec<String> = Vec::new();
    if u.platform_admin {
        parts.push("platform-admin".to_owned());
    }
    parts.extend(u.roles.iter().map(|(t, r)| format!("{t}={r}")));
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join(",")
    }
}

fn status_text(u: &UserResponse) -> String {
    if u.disabled {
        "disabled".to_owned()
    } else if let Some(until) = &u.locked_until {
        format!("locked until {until}")
    } else {
        "active".to_owned()
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn user_table(users: &[UserResponse]) {
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                u.name.clone(),
                opt(&u.display_name),
                roles_text(u),
                yes_no(u.totp_enabled),
                status_text(u),
                u.created_at.clone(),
            ]
        })
        .collect();
    table(
        &["NAME", "DISPLAY NAME", "ROLES", "TOTP", "STATUS", "CREATED"],
        &rows,
    );
}

fn show_user(u: UserResponse) {
    fields(&[
        ("name", u.name.clone()),
        ("display_name", opt(&u.display_name)),
        ("platform_admin", yes_no(u.platform_admin)),
        ("roles", roles_text(&u)),
        ("status", status_text(&u)),
        ("totp", yes_no(u.totp_enabled)),
        ("failed_logins", u.failed_logins.to_string()),
        ("created_at", u.created_at.clone()),
        ("password_changed_at", u.password_changed_at.clone()),
    ]);
}

/// Runs a user command.
pub async fn run_user(cmd: UserCmd, c: &Client, out: Output) -> Result<(), CliError> {
    let patch = |name: String, body: Value| async move {
        let v = c
            .json(Method::PATCH, &["v1", "users", &name], &[], Some(&body))
            .await?;
        out.emit(&v, show_user)
    };
    match cmd {
        UserCmd::List => {
            let v = c.get(&["v1", "users"], &[]).await?;
            out.emit(&v, |r: UserListResponse| user_table(&r.users))
        }
        UserCmd::Show { name } => {
            let v = c.get(&["v1", "users", &name], &[]).await?;
            out.emit(&v, show_user)
        }
        UserCmd::Create {
            name,
            display_name,
            platform_admin,
            roles,
            password_file,
        } => {
            let password = read_password(password_file.as_deref(), NEW_PASSWORD_ENV)?;
            let roles: BTreeMap<String, String> = roles.into_iter().collect();
            let body = json!({
                "name": name,
                "display_name": display_name,
                "password": password.as_str(),
                "platform_admin": platform_admin,
                "roles": roles,
            });
            let v = c.post(&["v1", "users"], &body).await?;
            out.emit(&v, show_user)
        }
        UserCmd::SetRole { name, role } => {
            let role = match role.as_str() {
                "none" => Value::Null,
                r => json!(r),
            };
            let v = c
                .json(
                    Method::PUT,
                    &["v1", "users", &name, "roles"],
                    &[],
                    Some(&json!({ "role": role })),
                )
                .await?;
            out.emit(&v, show_user)
        }
        UserCmd::ResetPassword {
            name,
            password_file,
        } => {
            let password = read_password(password_file.as_deref(), NEW_PASSWORD_ENV)?;
            c.post(
                &["v1", "users", &name, "password"],
                &json!({ "password": password.as_str() }),
            )
            .await?;
            eprintln!("password of {name} set; their sessions have ended");
            Ok(())
        }
        UserCmd::Disable { name } => patch(name, json!({ "disabled": true })).await,
        UserCmd::Enable { name } => patch(name, json!({ "disabled": false })).await,
        UserCmd::Unlock { name } => patch(name, json!({ "unlock": true })).await,
        UserCmd::Delete { name } => {
            c.json(Method::DELETE, &["v1", "users", &name], &[], None)
                .await?;
            eprintln!("user {name} deleted");
            Ok(())
        }
        UserCmd::ResetTotp { name } => {
            c.json(Method::DELETE, &["v1", "users", &name, "totp"], &[], None)
                .await?;
            eprintln!("two-factor of {name} removed; their sessions have ended");
            Ok(())
        }
    }
}

/// The session id (hex SHA-256) of a session token.
fn session_id(token: &str) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()).as_ref())
}

/// Runs a session command.
pub async fn run_session(cmd: SessionCmd, g: &GlobalArgs, out: Output) -> Result<(), CliError> {
    let c = g.client()?;
    match cmd {
        SessionCmd::List => {
            let own = g.token.as_deref().map(session_id);
            let v = c.get(&["v1", "sessions"], &[]).await?;
            out.emit(&v, |r: SessionListResponse| {
                let rows: Vec<Vec<String>> = r
                    .sessions
                    .iter()
                    .map(|s| {
                        let mark = if own.as_deref() == Some(s.id.as_str()) {
                            "*"
                        } else {
                            ""
                        };
                        vec![
                            format!("{mark}{}", s.id),
                            s.user.clone(),
                            s.tenant.clone(),
                            s.state.clone(),
                            s.created_at.clone(),
                            s.last_seen.clone(),
                            s.expires_at.clone(),
                            opt(&s.source),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ID",
                        "USER",
                        "TENANT",
                        "STATE",
                        "CREATED",
                        "LAST SEEN",
                        "EXPIRES",
                        "SOURCE",
                    ],
                    &rows,
                );
            })
        }
        SessionCmd::Revoke { id } => {
            let id = id.trim_start_matches('*');
            c.json(Method::DELETE, &["v1", "sessions", id], &[], None)
                .await?;
            eprintln!("session {id} revoked");
            Ok(())
        }
    }
}

/// Signs in and prints the session token on stdout (alone, so that
/// `export TRESOR_TOKEN=$(tresor login --user NAME ...)` works).
pub async fn login(a: LoginArgs, g: &GlobalArgs, out: Output) -> Result<(), CliError> {
    let password = read_password(a.password_file.as_deref(), PASSWORD_ENV)?;
    // Signing in takes no credential.
    let anonymous = Client::new(&ClientOptions {
        addr: g.addr.clone(),
        token: None,
        tenant: None,
        ca_file: g.ca_file.clone(),
    })?;
    let mut body = json!({ "name": a.user, "password": password.as_str() });
    if let Some(code) = &a.totp {
        body["totp"] = json!(code);
    }
    let v = anonymous.post(&["v1", "auth", "login"], &body).await?;
    let r: LoginResponse = crate::output::parse(&v)?;
    if r.session.state == "mfa_required" {
        // A half signed-in session is of no use to the CLI: end it.
        let pending = Client::new(&ClientOptions {
            addr: g.addr.clone(),
            token: Some(r.token.clone()),
            tenant: None,
            ca_file: g.ca_file.clone(),
        })?;
        let _ = pending
            .json(Method::POST, &["v1", "auth", "logout"], &[], None)
            .await;
        return Err(CliError::new(
            Exit::Auth,
            "mfa_required: this account has two-factor authentication; sign in with --totp CODE",
        ));
    }
    if out.json {
        print_json(&v);
        return Ok(());
    }
    println!("{}", r.token);
    describe_login(&r.session);
    Ok(())
}

fn describe_login(s: &SessionResponse) {
    let role = if s.platform_admin {
        "platform admin".to_owned()
    } else {
        s.role.clone().unwrap_or_else(|| "no role".to_owned())
    };
    eprintln!(
        "signed in as {} in tenant {} ({role}); the session expires at {} unless used \
         (each use extends it, up to 12 hours after sign-in).",
        s.user, s.tenant, s.expires_at
    );
    if s.state == "enrolment_required" {
        eprintln!(
            "two-factor authentication is mandatory: enrol an authenticator in the console \
             before this session can be used."
        );
    }
    eprintln!("use the token as TRESOR_TOKEN; `tresor logout` ends the session.");
}

/// Ends the session of the token in use.
pub async fn logout(g: &GlobalArgs) -> Result<(), CliError> {
    let token = g.token.as_deref().unwrap_or_default();
    if !token.starts_with("tses_") {
        return Err(CliError::usage(
            "logout ends a session: set TRESOR_TOKEN (or --token) to a token from `tresor login`",
        ));
    }
    g.client()?
        .json(Method::POST, &["v1", "auth", "logout"], &[], None)
        .await?;
    eprintln!("signed out");
    Ok(())
}
