//! `tresor serve`: loads the configuration (file < env < flags), starts the
//! server, prints a short banner (with the initial admin token on the first
//! start) and runs until SIGINT/SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use tresor_server::config::{Config, ConfigLayer};
use tresor_server::startup::RootKeySource;
use tresor_server::{RunningServer, logging, start};

use crate::exit::CliError;

/// `tresor serve` options; every other setting comes from the config file
/// or `TRESOR_*` variables (see tresor.example.toml).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Development mode: SQLite and software keys in the data dir; creates
    /// the root key file when missing. Not for production.
    #[arg(long)]
    pub dev: bool,
    /// Configuration file (TOML).
    #[arg(long, env = "TRESOR_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8095.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Data directory.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Root key file.
    #[arg(long, value_name = "FILE")]
    pub root_key_file: Option<PathBuf>,
    /// Store URL, e.g. sqlite:///var/lib/tresor/tresor.db.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// Runs the server until a signal.
pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    let flags = ConfigLayer {
        listen: args.listen,
        data_dir: args.data_dir,
        database_url: args.database_url,
        root_key_file: args.root_key_file,
        dev: args.dev.then_some(true),
        ..ConfigLayer::default()
    };
    let config = Config::load(args.config.as_deref(), |k| std::env::var(k).ok(), flags)
        .map_err(|e| CliError::usage(format!("configuration: {e}")))?;
    logging::init(config.log_format, &config.log_level)
        .map_err(|e| CliError::usage(format!("log filter: {e}")))?;
    let dev = config.dev;
    let server = start(config)
        .await
        .map_err(|e| CliError::other(format!("cannot start: {e}")))?;
    let setup = server.kms().setup_needed().await.unwrap_or(false);
    print!("{}", banner(&server, dev, setup));
    let _ = std::io::stdout().flush();
    server.wait().await;
    Ok(())
}

/// The text printed once the server listens.
/// `setup`: no user exists yet, so the console offers set-up.
pub fn banner(s: &RunningServer, dev: bool, setup: bool) -> String {
    let url = s.url();
    let mut b = format!("Tresor {} is running at {url}\n", env!("CARGO_PKG_VERSION"));
    b.push_str(&format!("  API docs (Swagger UI): {url}/v1/docs\n"));
    b.push_str(&format!("  Web console:           {url}/ui/\n"));
    if setup {
        b.push_str(
            "                         no user yet: open it to create the first administrator\n",
        );
    } else {
        b.push_str("                         sign in with your user name and password\n");
    }
    b.push_str(&format!(
        "  Data directory:        {}\n",
        s.data_dir.display()
    ));
    let root = match &s.root_key_source {
        RootKeySource::Environment => "from TRESOR_ROOT_KEY".to_owned(),
        RootKeySource::File(p) => format!("{}", p.display()),
        RootKeySource::Created(p) => format!("{} (NEW - back it up!)", p.display()),
        _ => "configured".to_owned(),
    };
    b.push_str(&format!(
        "  Root key:              {root}, check value {}\n",
        s.root_key_kcv
    ));
    if dev {
        b.push_str("  DEVELOPMENT MODE: not for production data.\n");
    }
    if let Some(token) = &s.initial_token {
        b.push_str(
            "\nFirst start: created the `default` tenant and an initial platform-admin API key.\n",
        );
        b.push_str(&format!("  Token: {token}\n"));
        match &s.initial_token_file {
            Some(p) => b.push_str(&format!(
                "  Also saved in {} (mode 0600): store it safely, then delete that file.\n",
                p.display()
            )),
            None => b.push_str("  It is shown only now: store it safely.\n"),
        }
        b.push_str("  Try it:\n");
        b.push_str(&format!("    export TOKEN={token}\n"));
        b.push_str(&format!(
            "    curl -H \"Authorization: Bearer $TOKEN\" {url}/v1/keys\n"
        ));
        b.push_str(&format!(
            "    TRESOR_ADDR={url} TRESOR_TOKEN=$TOKEN tresor key create --algorithm aes-256-gcm --alias demo\n"
        ));
    }
    b
}
