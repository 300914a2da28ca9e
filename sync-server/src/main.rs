//! `ocrotire-server`: see `ocrotire-server --help`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use ocrotire_server::cli::{self, Cli, Command, LogFormat};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.command {
        Command::Serve(_) => "info",
        Command::Admin(_) | Command::Export(_) => "warn",
        // The demo's devices sync thousands of times: the server's line
        // per session would bury the demo's own progress.
        Command::Demo(_) => "warn,ocrotire_server::demo=info",
    };
    init_logging(cli.log_format, default_level);
    // The ring provider is installed explicitly so TLS never depends on
    // which rustls providers other crates happen to enable. It fails only
    // when one is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli.command)) {
        Ok(outcome) => {
            if !outcome.note.is_empty() {
                eprintln!("{}", outcome.note);
            }
            if !outcome.result.is_empty() {
                println!("{}", outcome.result.trim_end_matches('\n'));
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard error; standard output is for command results.
fn init_logging(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    // Colour codes only for a person at a terminal, never in log files.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
