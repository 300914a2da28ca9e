//! Child process for the lockout scenario: makes one wrong unlock attempt
//! and reports when it starts and ends, so the parent can kill it while the
//! key derivation runs.
//!
//! Usage: unlock_worker <store dir>

use ocrotire_core::store::Store;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: unlock_worker <store dir>");
        std::process::exit(2);
    };
    let Ok(mut store) = Store::open(dir.as_ref()) else {
        eprintln!("no store there");
        std::process::exit(1);
    };
    println!("ATTEMPT");
    let _ = store.unlock("000000", None);
    println!("DONE");
}
