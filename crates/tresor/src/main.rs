//! `tresor`: the server (`tresor serve`) and its command-line client
//! (`tresor key ...`, `tresor audit verify`, ...). See docs/cli.md.

mod cli;
mod client;
mod exit;
mod output;
mod serve;

use std::process::ExitCode;

use clap::Parser;

use crate::exit::Exit;

/// mimalloc instead of glibc malloc: the request path allocates many small
/// short-lived buffers (JSON, headers, audit records), and the server
/// profile showed glibc's free-list consolidation at ~15 % of its CPU.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap uses 2 for usage errors; ours is 1 (2 means "not found").
            return if e.use_stderr() {
                Exit::Other.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Other.into();
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit.into()
        }
    }
}
