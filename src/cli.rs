//! The `postern` command line.

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::startup::Application;
use crate::telemetry;

#[derive(Parser)]
#[command(name = "postern", version, about = "Self-hosted passwordless authentication server")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (migrations run first).
    Serve,
    /// Apply database migrations and exit.
    Migrate {
        /// Apply nothing; exit 1 when migrations are pending (for deploy pipelines).
        #[arg(long)]
        check: bool,
    },
    /// Send a sample sign-in message through the configured provider and report its answer.
    SendTest {
        /// An email address or an E.164 phone number.
        to: String,
        /// Use the channel's fallback provider instead of its primary.
        #[arg(long)]
        fallback: bool,
    },
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Load and validate the configuration, then print it with secrets redacted.
    Check,
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    match cli.command {
        Command::Config { command: ConfigCommand::Check } => {
            // The operator's template overrides too: a broken one fails here with its file
            // and line, not at the first message.
            crate::templates::Templates::load(&settings)?;
            // And the providers as `serve` builds them (webhook secrets, DKIM keys, URLs).
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async { crate::delivery::Senders::from_settings(&settings.delivery).map(drop) })?;
            print!("{}", settings.redacted_summary());
            println!("configuration OK");
            Ok(())
        }
        Command::SendTest { to, fallback } => {
            telemetry::init(&settings.log);
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            println!("{}", runtime.block_on(crate::delivery::send_test::send_test(&settings, &to, fallback))?);
            Ok(())
        }
        Command::Migrate { check } => {
            telemetry::init(&settings.log);
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let versions = runtime.block_on(crate::startup::migrate(&settings, check))?;
            match (check, versions.is_empty()) {
                (_, true) => println!("database is up to date"),
                (true, false) => anyhow::bail!("migrations pending: {versions:?}"),
                (false, false) => println!("applied migrations {versions:?}"),
            }
            Ok(())
        }
        Command::Serve => {
            telemetry::init(&settings.log);
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(async {
                let app = Application::build(settings).await?;
                app.run_until_stopped().await
            })
        }
    }
}
