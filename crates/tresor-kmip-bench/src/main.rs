//! `tresor-kmip-bench`: KMIP over TLS, Tresor's listener side by side with
//! PyKMIP's own server on the same machine. Both get the same binary TTLV
//! requests (KMIP 1.2) from the same Rust load generator over TLS with a
//! client certificate: AES-256-GCM encrypt of 64 B and RSA-2048 PSS sign
//! (PyKMIP signs with RSA only), plus ECDSA P-256 sign on Tresor, at 1, 8
//! and 64 connections. Prints a table and rewrites the KMIP section of
//! docs/performance.md. Run through `bench/kmip`.

mod certs;
mod load;
mod servers;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio_rustls::TlsConnector;
use tresor_kmip::Tag;

/// A benchmark failure (setup, a server, or a failed KMIP operation).
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error(e.to_string())
    }
}

/// Command-line options.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "tresor-kmip-bench",
    about = "KMIP over TLS: Tresor vs pykmip-server"
)]
struct Args {
    /// The `tresor` binary (release build).
    #[arg(long, value_name = "PATH")]
    tresor_bin: PathBuf,
    /// Python with PyKMIP installed (skipped when absent).
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// Seconds per point.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Concurrent connections.
    #[arg(long, value_delimiter = ',', default_value = "1,8,64")]
    conns: Vec<usize>,
    /// Markdown file whose KMIP section is replaced.
    #[arg(long, default_value = "docs/performance.md")]
    doc: PathBuf,
    /// Do not touch the markdown file.
    #[arg(long)]
    no_doc: bool,
}

/// One workload's request on one server.
struct Workload {
    name: &'static str,
    request: Arc<Vec<u8>>,
}

/// Creates (and activates) the keys a server needs; the workloads.
async fn setup(
    tls: &TlsConnector,
    addr: SocketAddr,
    with_ec: bool,
) -> Result<Vec<Workload>, Error> {
    let mut c = load::Client::connect(tls, addr).await?;
    let attr = |name: &str, value: &str| {
        format!(
            r#"<Attribute><AttributeName type="TextString" value="{name}"/><AttributeValue {value}/></Attribute>"#
        )
    };
    let uid = |id: &str| format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#);
    let aes = format!(
        r#"<ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>{}{}{}</TemplateAttribute>"#,
        attr(
            "Cryptographic Algorithm",
            r#"type="Enumeration" value="AES""#
        ),
        attr("Cryptographic Length", r#"type="Integer" value="256""#),
        attr(
            "Cryptographic Usage Mask",
            r#"type="Integer" value="Encrypt Decrypt""#
        ),
    );
    let aes_id = load::text(
        &c.call(&load::request("Create", &aes)?).await?,
        Tag::UniqueIdentifier,
    )?;
    c.call(&load::request("Activate", &uid(&aes_id))?).await?;

    let mut pairs = vec![(
        "RSA",
        attr("Cryptographic Length", r#"type="Integer" value="2048""#),
    )];
    if with_ec {
        pairs.push((
            "EC",
            attr("Recommended Curve", r#"type="Enumeration" value="P_256""#),
        ));
    }
    let mut private = Vec::new();
    for (alg, extra) in pairs {
        let req = format!(
            r#"<CommonTemplateAttribute>{}{extra}</CommonTemplateAttribute>
            <PrivateKeyTemplateAttribute>{}</PrivateKeyTemplateAttribute>
            <PublicKeyTemplateAttribute>{}</PublicKeyTemplateAttribute>"#,
            attr(
                "Cryptographic Algorithm",
                &format!(r#"type="Enumeration" value="{alg}""#)
            ),
            attr("Cryptographic Usage Mask", r#"type="Integer" value="Sign""#),
            attr(
                "Cryptographic Usage Mask",
                r#"type="Integer" value="Verify""#
            ),
        );
        let made = c.call(&load::request("CreateKeyPair", &req)?).await?;
        let priv_id = load::text(&made, Tag::PrivateKeyUniqueIdentifier)?;
        let pub_id = load::text(&made, Tag::PublicKeyUniqueIdentifier)?;
        c.call(&load::request("Activate", &uid(&priv_id))?).await?;
        c.call(&load::request("Activate", &uid(&pub_id))?).await?;
        private.push(priv_id);
    }
    let data64 = "ab".repeat(64);
    let data32 = "cd".repeat(32);
    let mut out = vec![
        Workload {
            name: "encrypt 64 B (AES-256-GCM)",
            request: Arc::new(load::request(
                "Encrypt",
                &format!(
                    r#"{}<CryptographicParameters><BlockCipherMode type="Enumeration" value="GCM"/><CryptographicAlgorithm type="Enumeration" value="AES"/><TagLength type="Integer" value="16"/></CryptographicParameters><Data type="ByteString" value="{data64}"/>"#,
                    uid(&aes_id)
                ),
            )?),
        },
        Workload {
            name: "sign RSA-2048 PSS SHA-256",
            request: Arc::new(load::request(
                "Sign",
                &format!(
                    r#"{}<CryptographicParameters><PaddingMethod type="Enumeration" value="PSS"/><HashingAlgorithm type="Enumeration" value="SHA_256"/><CryptographicAlgorithm type="Enumeration" value="RSA"/></CryptographicParameters><Data type="ByteString" value="{data32}"/>"#,
                    uid(&private[0])
                ),
            )?),
        },
    ];
    if with_ec {
        out.push(Workload {
            name: "sign ECDSA P-256 SHA-256",
            request: Arc::new(load::request(
                "Sign",
                &format!(
                    r#"{}<Data type="ByteString" value="{data32}"/>"#,
                    uid(&private[1])
                ),
            )?),
        });
    }
    // Each request once, so a failure shows before the timed runs.
    for w in &out {
        c.call(&w.request)
            .await
            .map_err(|e| Error(format!("{}: {e}", w.name)))?;
    }
    Ok(out)
}

/// A row of the result table.
struct Row {
    workload: &'static str,
    server: &'static str,
    point: load::Point,
}

async fn measure(
    server: &'static str,
    tls: &TlsConnector,
    addr: SocketAddr,
    with_ec: bool,
    args: &Args,
    rows: &mut Vec<Row>,
) -> Result<(), Error> {
    let duration = Duration::from_secs_f64(args.duration.clamp(0.5, 120.0));
    for w in setup(tls, addr, with_ec).await? {
        for &n in &args.conns {
            let point =
                load::run_point(tls, addr, w.request.clone(), n.clamp(1, 1024), duration).await?;
            eprintln!(
                "{server:>6}  {:<28} {:>3} conns  {:>9.0} ops/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
                w.name, point.conns, point.ops_per_sec, point.p50_ms, point.p99_ms
            );
            rows.push(Row {
                workload: w.name,
                server,
                point,
            });
        }
    }
    Ok(())
}

fn table(rows: &[Row], args: &Args) -> String {
    let mut s = String::new();
    let now = time::OffsetDateTime::now_utc();
    let _ = writeln!(
        s,
        "Run {now}, {} s per point, load generator on the same {} cores.\n",
        args.duration,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    s.push_str("| workload | server | conns | ops/s | p50 ms | p99 ms | Tresor ÷ PyKMIP |\n|---|---|--:|--:|--:|--:|--:|\n");
    for r in rows {
        let other = rows.iter().find(|o| {
            o.workload == r.workload && o.point.conns == r.point.conns && o.server == "pykmip"
        });
        let ratio = match other {
            Some(o) if r.server == "tresor" && o.point.ops_per_sec > 0.0 => {
                format!("{:.1}×", r.point.ops_per_sec / o.point.ops_per_sec)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {ratio} |",
            r.workload,
            r.server,
            r.point.conns,
            r.point.ops_per_sec,
            r.point.p50_ms,
            r.point.p99_ms
        );
    }
    s
}

const BEGIN: &str = "<!-- BEGIN GENERATED BY bench/kmip -->";
const END: &str = "<!-- END GENERATED BY bench/kmip -->";

fn update_doc(args: &Args, body: &str) -> Result<(), Error> {
    let text = std::fs::read_to_string(&args.doc)?;
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        return Err(Error(format!(
            "{} has no {BEGIN} / {END} markers",
            args.doc.display()
        )));
    };
    let new = format!("{}{BEGIN}\n\n{body}\n{}", &text[..b], &text[e..]);
    std::fs::write(&args.doc, new)?;
    Ok(())
}

async fn run(args: Args) -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let certs = certs::make(dir.path())?;
    let tls = load::connector(&certs)?;
    let mut rows = Vec::new();
    let tresor = servers::tresor(&args.tresor_bin, dir.path(), &certs).await?;
    measure("tresor", &tls, tresor.kmip, true, &args, &mut rows).await?;
    drop(tresor);
    match &args.python {
        Some(py) => {
            let pykmip = servers::pykmip(py, dir.path(), &certs).await?;
            measure("pykmip", &tls, pykmip.kmip, false, &args, &mut rows).await?;
        }
        None => eprintln!("no --python: pykmip-server skipped"),
    }
    let body = table(&rows, &args);
    println!("{body}");
    if !args.no_doc {
        update_doc(&args, &body)?;
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tresor-kmip-bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tresor-kmip-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
