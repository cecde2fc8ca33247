//! The `postern` command line.

use std::sync::Arc;

use std::io::Write as _;

use clap::{Parser, Subcommand};

use crate::clock::{Clock as _, rfc3339};
use crate::config::Settings;
use crate::domain::scope::Scope;
use crate::error::AppError;
use crate::flows::users;
use crate::memory::Reclaim;
use crate::startup::Application;
use crate::store::{Account, Actor, Rotate, Store};
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
    /// Print the OpenAPI document of this configuration (what `/openapi.json` serves) as
    /// JSON; `clients/js` generates its types from it.
    Openapi,
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// API keys of the server-to-server API (`/admin/v1`).
    #[command(name = "api-keys")]
    ApiKeys {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Find, show, disable, enable and delete accounts.
    Users {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The keys that sign access tokens.
    Keys {
        #[command(subcommand)]
        command: KeyCommand,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Sign with a new key from now on (every instance within 30 s); the old key stays
    /// published until the last token it signed has expired.
    Rotate,
    /// The published keys: id, created, retired, leaves the JWKS.
    List,
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key and print it once (it is stored hashed and cannot be shown again).
    Create {
        #[arg(long)]
        name: String,
        /// Comma-separated: users:read, users:write, passwordless, messages:read,
        /// audit:read, proxy. Default: all but proxy.
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
    },
    /// List the keys: name, prefix, scopes, created, last used, revoked (never a secret).
    List,
    /// Revoke the live key of that name, at once on every instance.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Accounts, newest first.
    List {
        /// A prefix of the email, phone or name.
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One account, by id, email or phone (an id may start with '-': put it after `--`).
    Show {
        user: String,
    },
    /// Refuse every sign-in method and end every session.
    Disable {
        user: String,
    },
    Enable {
        user: String,
    },
    /// Delete the account with its sessions.
    Delete {
        user: String,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Load and validate the configuration, then print it with secrets redacted.
    Check,
}

/// `reclaim`: what the binary gives back to the system, once `serve` is ready and then
/// while it runs (`memory.rs`).
pub fn run(reclaim: Reclaim) -> anyhow::Result<()> {
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
        Command::Openapi => {
            let (_, doc) = crate::http::routes(&settings);
            // An error, not a panic, when the reader goes away (`postern openapi | head`).
            writeln!(std::io::stdout().lock(), "{}", doc.to_pretty_json()?)?;
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
        Command::ApiKeys { command } => {
            operator(&settings, async |store, now| api_keys_command(store.as_ref(), command, now).await)
        }
        Command::Users { command } => {
            operator(&settings, async |store, now| users_command(store.as_ref(), command, now).await)
        }
        Command::Keys { command } => {
            operator(&settings, async |store, now| keys_command(&settings, store.as_ref(), command, now).await)
        }
        Command::Serve => {
            telemetry::init(&settings.log);
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(async {
                let app = Application::build(settings).await?;
                (reclaim.started)();
                tokio::spawn(crate::memory::reclaim_periodically(reclaim.periodic, app.shutdown_token()));
                app.run_until_stopped().await
            })
        }
    }
}

/// Runs an operator command on the configured database (migrated first, like `serve`).
fn operator<F>(settings: &Settings, command: F) -> anyhow::Result<()>
where
    F: AsyncFnOnce(Arc<dyn Store>, i64) -> anyhow::Result<()>,
{
    telemetry::init(&settings.log);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = crate::startup::open_store(settings).await?;
        let now = crate::clock::SystemClock.now_ms();
        command(store, now).await
    })
}

async fn api_keys_command(store: &dyn Store, command: ApiKeyCommand, now: i64) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Create { name, scopes } => {
            let scopes = if scopes.is_empty() {
                Scope::DEFAULT.to_vec()
            } else {
                scopes
                    .iter()
                    .map(|s| Scope::parse(s.trim()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(anyhow::Error::msg)?
            };
            let (key, secret) = crate::flows::api_keys::create(store, &name, &scopes, now).await?;
            println!("{secret}");
            eprintln!(
                "created key {:?} (prefix {}, scopes: {}); it is shown only this once",
                key.name, key.prefix, key.scopes
            );
        }
        ApiKeyCommand::List => {
            println!("{:<24} {:<13} {:<21} {:<21} {:<21} scopes", "name", "prefix", "created", "last used", "revoked");
            for k in store.list_api_keys().await? {
                let time = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), rfc3339);
                println!(
                    "{:<24} {:<13} {:<21} {:<21} {:<21} {}",
                    k.name,
                    k.prefix,
                    rfc3339(k.created_at),
                    time(k.last_used_at),
                    time(k.revoked_at),
                    k.scopes
                );
            }
        }
        ApiKeyCommand::Revoke { name } => {
            if !store.revoke_api_key(&name, now, &Actor::cli()).await? {
                anyhow::bail!("no live key is named {name:?}");
            }
            println!("revoked {name:?}");
        }
    }
    Ok(())
}

async fn keys_command(settings: &Settings, store: &dyn Store, command: KeyCommand, now: i64) -> anyhow::Result<()> {
    match command {
        KeyCommand::Rotate => {
            let server_key = store.server_key(now).await?;
            // The new key is sealed with the configured key; the old one need not open.
            let ring = crate::startup::key_ring(settings, &server_key)?;
            crate::flows::tokens::rotate(store, &ring, Rotate::Now, &Actor::cli(), now).await?;
            let active = store.signing_keys(now).await?.into_iter().find(|k| k.retired_at.is_none());
            println!("rotated: new tokens are signed with {}", active.map(|k| k.kid).unwrap_or_default());
        }
        KeyCommand::List => {
            println!("{:<24} {:<8} {:<25} {:<25} leaves the JWKS", "kid", "state", "created", "retired");
            for k in store.signing_keys(now).await? {
                let time = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), rfc3339);
                let state = if k.retired_at.is_none() { "active" } else { "retired" };
                println!(
                    "{:<24} {:<8} {:<25} {:<25} {}",
                    k.kid,
                    state,
                    rfc3339(k.created_at),
                    time(k.retired_at),
                    time(k.expires_at)
                );
            }
        }
    }
    Ok(())
}

async fn users_command(store: &dyn Store, command: UserCommand, now: i64) -> anyhow::Result<()> {
    let print = |a: &Account| {
        let channel = a.preferred_channel.map_or("-", |c| c.as_str());
        println!(
            "{}  email={} phone={} verified={}/{} name={} preferred={} password={} disabled={} created={}",
            a.id,
            a.email.as_deref().unwrap_or("-"),
            a.phone.as_deref().unwrap_or("-"),
            a.email_verified,
            a.phone_verified,
            a.name.as_deref().unwrap_or("-"),
            channel,
            a.has_password(),
            a.disabled,
            rfc3339(a.created_at)
        );
    };
    match command {
        UserCommand::List { query, limit } => {
            let page = users::list(store, query.as_deref(), None, Some(limit)).await.map_err(cli_error)?;
            page.items.iter().for_each(print);
            if page.next_cursor.is_some() {
                eprintln!("(more: raise --limit or narrow --query)");
            }
        }
        UserCommand::Show { user } => print(&users::find(store, &user).await.map_err(cli_error)?),
        UserCommand::Disable { user } => {
            let account = users::find(store, &user).await.map_err(cli_error)?;
            print(&users::set_disabled(store, &account.id, true, now, &Actor::cli()).await.map_err(cli_error)?);
        }
        UserCommand::Enable { user } => {
            let account = users::find(store, &user).await.map_err(cli_error)?;
            print(&users::set_disabled(store, &account.id, false, now, &Actor::cli()).await.map_err(cli_error)?);
        }
        UserCommand::Delete { user } => {
            let account = users::find(store, &user).await.map_err(cli_error)?;
            users::delete(store, &account.id, now, &Actor::cli()).await.map_err(cli_error)?;
            println!("deleted {}", account.id);
        }
    }
    Ok(())
}

/// An operator reads the message of a flow's error, not its HTTP status.
fn cli_error(e: AppError) -> anyhow::Error {
    match e {
        AppError::NotFound => anyhow::anyhow!("no such account"),
        AppError::Internal(e) | AppError::Unavailable(e) => e,
        other => anyhow::anyhow!(other.message()),
    }
}
