//! `tresor-bench`: Tresor's benchmark harness (issue 11). Starts the real
//! `tresor serve` binary, drives it over HTTP with its own load generator,
//! runs the same operations in-process through the service layer, measures
//! the raw aws-lc-rs rates, the behaviour with many keys, and reports a
//! table, a JSON file and the generated section of docs/performance.md.
//! `--scale-out` runs the scale-out benchmark of issue 3 instead
//! ([`scaleout`]). Usually run through `bench/run`.

mod dbs;
mod error;
mod http_load;
mod inproc;
mod lookup;
mod machine;
mod phases;
mod raw;
mod report;
mod scale;
mod scaleout;
mod scaleout_report;
mod seed;
mod server;
mod targets;
mod workloads;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

pub use error::Error;

/// Command-line options.
#[derive(Debug, Clone, Parser)]
#[command(name = "tresor-bench", about = "Tresor benchmark harness")]
pub struct Args {
    /// The `tresor` binary to benchmark (release build).
    #[arg(long, value_name = "PATH")]
    pub tresor_bin: PathBuf,
    /// Shorter points (2 s) and fewer concurrencies (1 and 64).
    #[arg(long)]
    pub quick: bool,
    /// Store URL for the HTTP server (default: SQLite in a temp data dir).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// JSON output file (default bench/results/<timestamp>.json).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Markdown file whose generated section is replaced.
    #[arg(long, default_value = "docs/performance.md")]
    pub doc: PathBuf,
    /// Do not touch the markdown file.
    #[arg(long)]
    pub no_doc: bool,
    /// Also run the scale test with 10^6 keys (slow).
    #[arg(long)]
    pub scale_full: bool,
    /// Skip the scale test.
    #[arg(long)]
    pub skip_scale: bool,
    /// Skip the in-process service benchmarks.
    #[arg(long)]
    pub skip_inproc: bool,
    /// Only workloads (with --scale-out: stores) whose name contains this
    /// text.
    #[arg(long)]
    pub only: Option<String>,
    /// Seconds per point (overrides the default 5 s / quick 2 s).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Concurrencies (default 1,16,64,256; quick 1,64).
    #[arg(long, value_delimiter = ',')]
    pub conns: Option<Vec<usize>>,
    /// Key counts for the scale test (default 1000,100000).
    #[arg(long, value_delimiter = ',')]
    pub scale_keys: Option<Vec<u64>>,
    /// Run only the scale-out benchmark: SQLite vs PostgreSQL (vs MariaDB),
    /// one node vs two, and lookup latency by store size.
    #[arg(long)]
    pub scale_out: bool,
    /// Key counts for the scale-out lookup latency.
    #[arg(long, value_delimiter = ',', default_value = "10000,1000000")]
    pub lookup_keys: Vec<u64>,
    /// Connections per scale-out point (split over the nodes).
    #[arg(long, default_value_t = 32)]
    pub scale_out_conns: usize,
    /// PostgreSQL admin URL: the scale-out run creates and drops its
    /// databases there.
    #[arg(long, env = "TRESOR_TEST_POSTGRES_URL", value_name = "URL")]
    pub postgres_admin_url: Option<String>,
    /// MySQL/MariaDB admin URL (as above).
    #[arg(long, env = "TRESOR_TEST_MYSQL_URL", value_name = "URL")]
    pub mysql_admin_url: Option<String>,
}

impl Args {
    fn point(&self) -> Duration {
        let secs = self.duration.unwrap_or(if self.quick { 2.0 } else { 5.0 });
        Duration::from_secs_f64(secs.clamp(0.2, 120.0))
    }

    fn concurrencies(&self) -> Vec<usize> {
        self.conns.clone().unwrap_or_else(|| {
            if self.quick {
                vec![1, 64]
            } else {
                vec![1, 16, 64, 256]
            }
        })
    }

    fn wants(&self, name: &str) -> bool {
        self.only.as_deref().is_none_or(|o| name.contains(o))
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tresor-bench: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let run = async {
        if args.scale_out {
            scaleout::run(&args).await
        } else {
            phases::run(args).await
        }
    };
    match rt.block_on(run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tresor-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
