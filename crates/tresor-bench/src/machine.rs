//! The machine description that goes with every result.

use std::process::Command;

fn cmd(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Number of cores the OS gives us.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// (name, value) pairs: cores, CPU model, memory, kernel, Rust version,
/// load average (other work on the machine skews every number).
pub fn describe() -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown", |(_, v)| v.trim())
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or("unknown".into(), |k| {
            format!("{:.1} GiB", k / 1024.0 / 1024.0)
        });
    vec![
        ("cores".into(), cores().to_string()),
        ("nproc".into(), cmd("nproc", &[])),
        ("cpu".into(), model),
        ("memory".into(), mem),
        ("kernel".into(), cmd("uname", &["-sr"])),
        ("rustc".into(), cmd("rustc", &["--version"])),
        (
            "load average at start".into(),
            std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ]
}
