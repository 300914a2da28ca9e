//! The command line. Kept out of `run` so the scenarios see only the
//! sizes they need, whichever of `--quick` or the full run chose them.

use std::time::Duration;

use crate::Res;

pub struct Options {
    pub quick: bool,
    pub database_url: Option<String>,
    pub threads: usize,
    pub seconds: Option<u64>,
    /// Scenarios to run (empty: all); 2 runs on 1's device, so with 1.
    pub scenarios: Vec<u32>,
    /// Run the soak (issue 7) instead of the scenarios.
    pub soak: bool,
    pub soak_minutes: Option<u64>,
    /// Sessions started per second, all devices together.
    pub soak_rate: Option<f64>,
    /// Leave SQLite out (scenario 4 and the soak): PostgreSQL only.
    pub skip_sqlite: bool,
}

pub struct Sizes {
    pub big_caseload: usize,
    pub week_edits: usize,
    pub week_cases: usize,
    pub new_device_cases: usize,
    pub creators: usize,
    pub devices: usize,
    pub cases_per_device: usize,
    pub phase: Duration,
}

pub fn parse_args() -> Res<Options> {
    let mut options = Options {
        quick: false,
        database_url: std::env::var("OCROTIRE_BENCH_DATABASE_URL").ok(),
        threads: 4,
        seconds: None,
        scenarios: Vec::new(),
        soak: false,
        soak_minutes: None,
        soak_rate: None,
        skip_sqlite: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--database-url" => {
                options.database_url = Some(args.next().ok_or("--database-url URL")?)
            }
            "--threads" => options.threads = args.next().ok_or("--threads N")?.parse()?,
            "--seconds" => options.seconds = Some(args.next().ok_or("--seconds S")?.parse()?),
            "--scenario" => options
                .scenarios
                .push(args.next().ok_or("--scenario N")?.parse()?),
            "--soak" => options.soak = true,
            "--soak-minutes" => {
                options.soak_minutes = Some(args.next().ok_or("--soak-minutes M")?.parse()?)
            }
            "--soak-rate" => options.soak_rate = Some(args.next().ok_or("--soak-rate R")?.parse()?),
            "--skip-sqlite" => options.skip_sqlite = true,
            "-h" | "--help" => {
                println!(
                    "usage: sync_bench [--quick] [--database-url postgres://...] [--threads N] [--seconds S] [--scenario N]...\n\
                     \x20      sync_bench --soak [--quick] [--soak-minutes M] [--soak-rate R] [--threads N] [--database-url ...] [--skip-sqlite]\n\
                     --quick         small sizes, for a smoke run\n\
                     --database-url  also measure scenario 4 on this PostgreSQL database\n\
                     \x20               (or OCROTIRE_BENCH_DATABASE_URL; its tables are created there)\n\
                     --threads       client threads of scenario 4 (default 4)\n\
                     --seconds       length of each timed phase of scenario 4 (default 30, quick 4)\n\
                     --scenario      run only this scenario (1-4; repeatable; 2 runs with 1)\n\
                     --soak          instead of the scenarios, the soak of issue 7: the devices of\n\
                     \x20               scenario 4 hold a mix of sessions at a fixed rate for M minutes\n\
                     --soak-minutes  length of the soak (default 10, quick 2)\n\
                     --soak-rate     sessions started per second, all devices together (default 100, quick 20)\n\
                     --skip-sqlite   measure scenario 4 or the soak on PostgreSQL only"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}; see --help").into()),
        }
    }
    options.threads = options.threads.max(1);
    Ok(options)
}
