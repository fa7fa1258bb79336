//! Rebuilds the crate when an embedded migration changes (`sqlx::migrate!`).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
