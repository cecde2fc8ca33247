//! Settings: one TOML file (`POSTERN_CONFIG`) overlaid with `POSTERN_<SECTION>__<KEY>`
//! environment variables. Unknown keys are errors, not silently ignored, so a typo in a
//! security setting cannot pass unnoticed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod delivery;
mod passwords;
mod theme;

pub use delivery::*;
pub use passwords::PasswordSettings;
pub use theme::ThemeSettings;

const ENV_PREFIX: &str = "POSTERN_";
const CONFIG_PATH_VAR: &str = "POSTERN_CONFIG";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Base of every link in a message and of every redirect; never taken from `Host`.
    pub public_url: Option<String>,
    /// `sqlite://PATH` (the embedded default) or `postgres://user:pass@host/db?sslmode=require`.
    pub database_url: SecretString,
    /// Apply pending migrations when `serve` starts (turn off when deploys run
    /// `postern migrate` as their own step).
    pub migrate_on_start: bool,
    /// Product name shown in messages and on the hosted pages.
    pub app_name: String,
    /// Logo, colours and support address of emails and hosted pages.
    pub theme: ThemeSettings,
    /// Language of messages and pages when neither the request, the account nor the
    /// browser names a supported one.
    pub default_locale: String,
    /// Directory of template overrides (`email/sign_in.html`, `email/sign_in.de.txt`, …).
    pub templates_dir: Option<PathBuf>,
    /// `open`: the first verified sign-in creates the account; `closed`: only existing
    /// accounts can sign in (unknown identifiers get the same answer and no message).
    pub signup: SignupPolicy,
    /// CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// Exact origins (`https://app.example.com`) that `redirect_to` may point to.
    pub redirect_allowlist: Vec<String>,
    pub log: LogSettings,
    pub http: HttpSettings,
    pub passwordless: PasswordlessSettings,
    pub passwords: PasswordSettings,
    pub sessions: SessionSettings,
    pub rate_limits: RateLimitSettings,
    pub delivery: DeliverySettings,
    pub audit: AuditSettings,
    pub tokens: TokenSettings,
    pub sqlite: SqliteSettings,
    pub postgres: PostgresSettings,
    pub metrics: MetricsSettings,
}

/// `[metrics]`: where `/metrics` is served. Counters say how many people sign in and
/// which providers fail, so they are not public by default (issue 10, finding 11).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// A separate address (e.g. `127.0.0.1:9464`) serving only `/metrics`; when set, the
    /// main listener does not serve it.
    pub listen: Option<SocketAddr>,
    /// When set, `/metrics` on the main listener needs `Authorization: Bearer <token>`.
    pub bearer_token: Option<SecretString>,
}

/// Where `/metrics` is answered on the main listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Open to anyone: only while the public URL is loopback (a developer's machine).
    Open,
    /// Behind `metrics.bearer_token`.
    Token,
    /// Not on the main listener (served on `metrics.listen`, or nowhere).
    Off,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostgresSettings {
    /// Connections per instance.
    pub max_connections: u32,
    /// Longest wait for a connection; past it a request is answered 503 `unavailable`.
    #[serde(with = "humantime_serde")]
    pub acquire_timeout: Duration,
    /// Live sessions each instance keeps in memory (0: none). A revocation reaches every
    /// instance's cache within 100 ms, or the cache stops answering
    /// (store/postgres/session_cache.rs).
    pub session_cache: usize,
}

impl Default for PostgresSettings {
    fn default() -> Self {
        Self { max_connections: 16, acquire_timeout: Duration::from_secs(3), session_cache: 10_000 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupPolicy {
    Open,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// `human` (default) or `json`.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `postern=debug,tower_http=info`.
    pub level: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Longest time a request may take before it is answered 503.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Longest time shutdown waits for requests in flight.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordlessSettings {
    /// Lifetime of a sign-in link and code sent by email.
    #[serde(with = "humantime_serde")]
    pub link_lifetime: Duration,
    /// Lifetime of a sign-in code sent by SMS.
    #[serde(with = "humantime_serde")]
    pub sms_code_lifetime: Duration,
    /// Wrong codes accepted per request before it is dead.
    pub max_attempts: u32,
    /// Consecutive wrong codes per account before the account refuses codes for
    /// `account_lockout` (NIST 800-63B §5.2.2: no more than 100).
    pub account_max_failures: u32,
    #[serde(with = "humantime_serde")]
    pub account_lockout: Duration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionSettings {
    #[serde(with = "humantime_serde")]
    pub absolute_lifetime: Duration,
    #[serde(with = "humantime_serde")]
    pub idle_lifetime: Duration,
    /// How often the idle deadline of an active session is pushed back.
    #[serde(with = "humantime_serde")]
    pub refresh_interval: Duration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// `false` turns every rate limit off (benchmarks only; a warning is logged).
    pub enabled: bool,
    /// Shortest time between two messages to one address or number.
    #[serde(with = "humantime_serde")]
    pub per_identifier_interval: Duration,
    /// Messages per hour to one address or number.
    pub per_identifier_per_hour: u32,
    /// Messages per hour requested from one client IP.
    pub per_ip_per_hour: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SqliteSettings {
    /// Read-only connections (each on its own thread).
    pub readers: usize,
    /// Most writes folded into one transaction by the writer thread (group commit).
    pub max_batch: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            database_url: SecretString::from("sqlite://postern.db"),
            migrate_on_start: true,
            app_name: "Postern".to_owned(),
            theme: ThemeSettings::default(),
            default_locale: "en".to_owned(),
            templates_dir: None,
            signup: SignupPolicy::Open,
            trusted_proxies: Vec::new(),
            redirect_allowlist: Vec::new(),
            log: LogSettings::default(),
            http: HttpSettings::default(),
            passwordless: PasswordlessSettings::default(),
            passwords: PasswordSettings::default(),
            sessions: SessionSettings::default(),
            rate_limits: RateLimitSettings::default(),
            delivery: DeliverySettings::default(),
            audit: AuditSettings::default(),
            tokens: TokenSettings::default(),
            sqlite: SqliteSettings::default(),
            postgres: PostgresSettings::default(),
            metrics: MetricsSettings::default(),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { format: LogFormat::Human, level: "info".to_owned() }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            body_limit: 64 * 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl Default for PasswordlessSettings {
    fn default() -> Self {
        Self {
            link_lifetime: Duration::from_secs(10 * 60),
            sms_code_lifetime: Duration::from_secs(5 * 60),
            max_attempts: 5,
            account_max_failures: 100,
            account_lockout: Duration::from_secs(60 * 60),
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            absolute_lifetime: Duration::from_secs(30 * 24 * 3600),
            idle_lifetime: Duration::from_secs(7 * 24 * 3600),
            refresh_interval: Duration::from_secs(24 * 3600),
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            per_identifier_interval: Duration::from_secs(60),
            per_identifier_per_hour: 5,
            per_ip_per_hour: 30,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSettings {
    /// How long audit events are kept before cleanup removes them.
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenSettings {
    /// Lifetime of an access token (`POST /v1/session/token`), at most 15 minutes.
    #[serde(with = "humantime_serde")]
    pub lifetime: Duration,
    /// The `aud` claim; default: `public_url`.
    pub audience: Option<String>,
    /// A new signing key this often (the old one stays published until its tokens expired);
    /// `0s` rotates only by `postern keys rotate`.
    #[serde(with = "humantime_serde")]
    pub rotate_every: Duration,
    /// 32 bytes, base64: seals the signing keys' private parts in the database. Without
    /// it a key derived from the server key (in the same database) is used.
    pub encryption_key: Option<SecretString>,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            lifetime: Duration::from_secs(300),
            audience: None,
            rotate_every: Duration::from_secs(30 * 24 * 3600),
            encryption_key: None,
        }
    }
}

impl TokenSettings {
    /// The longest lifetime a token may be given (RFC 9068 §5: short-lived).
    pub const MAX_LIFETIME: Duration = Duration::from_secs(15 * 60);
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self { retention: Duration::from_secs(90 * 24 * 3600) }
    }
}

impl Default for SqliteSettings {
    fn default() -> Self {
        Self { readers: 3, max_batch: 512 }
    }
}

impl Settings {
    /// Reads `POSTERN_CONFIG` (if set) and the `POSTERN_…` environment.
    pub fn load() -> anyhow::Result<Self> {
        let path = std::env::var_os(CONFIG_PATH_VAR).map(PathBuf::from);
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::from_sources(path.as_deref(), &vars)
    }

    pub fn from_sources(path: Option<&std::path::Path>, env: &[(String, String)]) -> anyhow::Result<Self> {
        let mut root = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("failed to read the configuration file {}", path.display()))?;
                toml::from_str::<toml::Table>(&text).with_context(|| format!("{} is not valid TOML", path.display()))?
            }
            None => toml::Table::new(),
        };
        for (name, value) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else { continue };
            if name == CONFIG_PATH_VAR || rest.is_empty() {
                continue;
            }
            let keys: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            insert_path(&mut root, &keys, env_value(value)).with_context(|| format!("environment variable {name}"))?;
        }
        let settings: Settings = toml::Value::Table(root)
            .try_into()
            .map_err(|e: toml::de::Error| anyhow::anyhow!("invalid configuration: {}", e.message()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let public = self.public_url();
        if !(public.starts_with("http://") || public.starts_with("https://")) {
            bail!("public_url must start with http:// or https://");
        }
        if public.ends_with('/') {
            bail!("public_url must not end with /");
        }
        if public.contains(['?', '#']) {
            bail!("public_url must not carry a query or a fragment");
        }
        for origin in &self.redirect_allowlist {
            let scheme_ok = origin.starts_with("https://") || origin.starts_with("http://");
            let host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
            if !scheme_ok || host.is_empty() || host.contains('/') || host.contains('@') {
                bail!("redirect_allowlist entries must be origins like https://app.example.com, got {origin:?}");
            }
        }
        self.trusted_proxy_nets()?;
        self.database()?;
        if self.passwordless.max_attempts == 0 || self.passwordless.account_max_failures == 0 {
            bail!("passwordless.max_attempts and account_max_failures must be at least 1");
        }
        if self.passwordless.account_max_failures > 100 {
            bail!("passwordless.account_max_failures may not exceed 100 (NIST 800-63B §5.2.2)");
        }
        if self.rate_limits.per_identifier_per_hour == 0 || self.rate_limits.per_ip_per_hour == 0 {
            bail!(
                "rate limits must allow at least one message per hour (set rate_limits.enabled = false to turn them off)"
            );
        }
        if self.tokens.lifetime < Duration::from_secs(10) || self.tokens.lifetime > TokenSettings::MAX_LIFETIME {
            bail!("tokens.lifetime must be between 10s and 15m");
        }
        if !self.tokens.rotate_every.is_zero() && self.tokens.rotate_every < Duration::from_secs(3600) {
            bail!("tokens.rotate_every must be at least 1h (or 0s for manual rotation only)");
        }
        if let Some(key) = &self.tokens.encryption_key {
            match crate::crypto::unb64_any(key.expose_secret()) {
                Some(bytes) if bytes.len() == 32 => {}
                _ => bail!("tokens.encryption_key must be 32 bytes in base64 (openssl rand -base64 32)"),
            }
        }
        if self.audit.retention < Duration::from_secs(3600) {
            bail!("audit.retention must be at least 1h");
        }
        if self.sqlite.readers == 0 || self.sqlite.max_batch == 0 {
            bail!("sqlite.readers and sqlite.max_batch must be at least 1");
        }
        self.delivery.validate()?;
        self.passwords.validate()?;
        self.delivery.check_dev_provider(&self.public_url())?;
        if let Some(token) = &self.metrics.bearer_token
            && token.expose_secret().len() < 16
        {
            bail!("metrics.bearer_token must be at least 16 characters");
        }
        self.theme.validate()?;
        if crate::i18n::supported(&self.default_locale).is_none() {
            bail!("default_locale {:?} is not one of {:?}", self.default_locale, crate::i18n::LOCALES);
        }
        if self.app_name.trim().is_empty() || self.app_name.chars().any(char::is_control) {
            bail!("app_name must be a non-empty single line");
        }
        Ok(())
    }

    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None => format!("http://{}", self.listen),
        }
    }

    /// The path `public_url` puts Postern under: `""`, or `/auth` when a proxy serves
    /// Postern at `https://app.example.com/auth` (stripping the prefix, as an app's
    /// route handler does for `@postern/next`). Every page link, form and redirect of
    /// Postern's own starts with it.
    pub fn base_path(&self) -> String {
        crate::http::csrf::base_path(&self.public_url()).to_owned()
    }

    pub fn is_https(&self) -> bool {
        self.public_url().starts_with("https://")
    }

    pub fn trusted_proxy_nets(&self) -> anyhow::Result<Vec<IpNet>> {
        self.trusted_proxies
            .iter()
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                    .with_context(|| format!("trusted_proxies: {s:?} is not an IP address or CIDR range"))
            })
            .collect()
    }

    /// Which store `database_url` names.
    pub fn database(&self) -> anyhow::Result<Database> {
        let url = self.database_url.expose_secret();
        if let Some(path) = url.strip_prefix("sqlite://") {
            anyhow::ensure!(!path.is_empty(), "database_url sqlite:// needs a file path");
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_owned()));
        }
        bail!("database_url must start with sqlite:// or postgres://")
    }

    pub fn dev_inbox_enabled(&self) -> bool {
        self.delivery.dev_inbox_enabled()
    }

    /// How the main listener answers `/metrics`: a separate listener takes it away, a
    /// token guards it, and without either it is open only on a loopback public URL, so
    /// a production setup never publishes its counters by omission.
    pub fn metrics_access(&self) -> MetricsAccess {
        if self.metrics.listen.is_some() {
            MetricsAccess::Off
        } else if self.metrics.bearer_token.is_some() {
            MetricsAccess::Token
        } else if delivery::is_loopback_url(&self.public_url()) {
            MetricsAccess::Open
        } else {
            MetricsAccess::Off
        }
    }

    /// What `postern config check` prints: every setting, secrets redacted.
    pub fn redacted_summary(&self) -> String {
        let smtp = self.delivery.email.smtp_url.as_ref().map(|s| redact_url(s.expose_secret()));
        format!(
            "listen = {}\npublic_url = {}\ndatabase_url = {}\napp_name = {:?}\nsignup = {:?}\n\
             trusted_proxies = {:?}\nredirect_allowlist = {:?}\nlog = {:?}\nhttp = {:?}\n\
             passwordless = {:?}\npasswords = {}\nsessions = {:?}\nrate_limits = {:?}\n\
             {}delivery.email.smtp_url = {}\ntheme = {:?}\ndefault_locale = {}\ntemplates_dir = {:?}\n\
             sqlite = {:?}\npostgres = {:?}\nmigrate_on_start = {}\nmetrics.listen = {:?}\n\
             metrics.bearer_token = {}\nmetrics on the main listener = {:?}\n\
             tokens.encryption_key = {}\n",
            self.listen,
            self.public_url(),
            redact_url(self.database_url.expose_secret()),
            self.app_name,
            self.signup,
            self.trusted_proxies,
            self.redirect_allowlist,
            self.log,
            self.http,
            self.passwordless,
            self.passwords.summary(),
            self.sessions,
            self.rate_limits,
            self.delivery.summary(),
            smtp.as_deref().unwrap_or("(none)"),
            self.theme,
            self.default_locale,
            self.templates_dir,
            self.sqlite,
            self.postgres,
            self.migrate_on_start,
            self.metrics.listen,
            if self.metrics.bearer_token.is_some() { "(set, redacted)" } else { "(none)" },
            self.metrics_access(),
            if self.tokens.encryption_key.is_some() { "(set, redacted)" } else { "(derived from the server key)" },
        )
    }
}

pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

/// A URL with every credential replaced by `***`: the password of `user:pass@`, and the
/// value of every query parameter whose name says it holds a secret
/// (`postgres://host/db?user=u&password=…`, `sslpassword`, `?token=`, …) — issue 10,
/// finding 8: `config check` output ends up in tickets and chat.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match base.split_once("://") {
        Some((scheme, rest)) => {
            // The userinfo ends at the last `@` before the path.
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((cred, host)) if cred.contains(':') => {
                    let user = cred.split(':').next().unwrap_or("");
                    format!("{scheme}://{user}:***@{host}{path}")
                }
                _ => base.to_owned(),
            }
        }
        None => base.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if is_secret_param(name) => format!("{name}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// Parameter names that carry credentials, compared after percent-decoding and
/// lowercasing so `Pass%77ord` is caught too.
fn is_secret_param(name: &str) -> bool {
    let mut decoded = Vec::with_capacity(name.len());
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                decoded.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    let name = String::from_utf8_lossy(&decoded).to_ascii_lowercase();
    ["pass", "pwd", "secret", "token", "key", "auth", "credential"].iter().any(|s| name.contains(s))
}

/// Environment values are typed like TOML scalars when they parse as one (`true`, `30`),
/// and are strings otherwise (`10m`, `127.0.0.1:8080`).
fn env_value(raw: &str) -> toml::Value {
    // `+15005550006` (a sender number) is a valid TOML integer, but no numeric setting is
    // ever written with a sign: keep it the string it is.
    if raw.starts_with('+') {
        return toml::Value::String(raw.to_owned());
    }
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => match t.remove("v") {
            Some(v @ (toml::Value::Boolean(_) | toml::Value::Integer(_) | toml::Value::Array(_))) => v,
            _ => toml::Value::String(raw.to_owned()),
        },
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}

fn insert_path(table: &mut toml::Table, keys: &[String], value: toml::Value) -> anyhow::Result<()> {
    let Some((last, parents)) = keys.split_last() else { return Ok(()) };
    let mut current = table;
    for key in parents {
        let entry = current.entry(key.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(t) => t,
            _ => bail!("{key} is not a section"),
        };
    }
    // A string setting given a number-looking value stays a string where the file has one.
    let value = match (current.get(last), value) {
        (Some(toml::Value::String(_)), toml::Value::Integer(i)) => toml::Value::String(i.to_string()),
        (_, v) => v,
    };
    current.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_match_the_design() {
        let s = Settings::from_sources(None, &[]).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url(), "http://127.0.0.1:8080");
        assert_eq!(s.database_url.expose_secret(), "sqlite://postern.db");
        assert!(s.rate_limits.enabled);
        assert_eq!(s.passwordless.link_lifetime, Duration::from_secs(600));
        assert_eq!(s.passwordless.sms_code_lifetime, Duration::from_secs(300));
        assert_eq!(s.sessions.absolute_lifetime, Duration::from_secs(30 * 86400));
    }

    #[test]
    fn environment_overrides_nested_keys() {
        let s = Settings::from_sources(
            None,
            &env(&[
                ("POSTERN_LISTEN", "0.0.0.0:9000"),
                ("POSTERN_PUBLIC_URL", "http://localhost:9000"),
                ("POSTERN_RATE_LIMITS__ENABLED", "false"),
                ("POSTERN_PASSWORDLESS__LINK_LIFETIME", "15m"),
                ("POSTERN_DATABASE_URL", "sqlite:///tmp/x.db"),
                ("POSTERN_CONFIG", "ignored-here"),
                ("OTHER", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert!(!s.rate_limits.enabled);
        assert_eq!(s.passwordless.link_lifetime, Duration::from_secs(900));
        assert_eq!(s.database_url.expose_secret(), "sqlite:///tmp/x.db");
    }

    #[test]
    fn a_phone_number_in_the_environment_stays_a_string() {
        let s = Settings::from_sources(
            None,
            &env(&[
                ("POSTERN_DELIVERY__SMS__PROVIDER", "twilio"),
                ("POSTERN_DELIVERY__SMS__TWILIO__ACCOUNT_SID", "AC0"),
                ("POSTERN_DELIVERY__SMS__TWILIO__AUTH_TOKEN", "t"),
                ("POSTERN_DELIVERY__SMS__TWILIO__FROM", "+15005550006"),
            ]),
        )
        .unwrap();
        assert_eq!(s.delivery.sms.twilio.unwrap().from.as_deref(), Some("+15005550006"));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = Settings::from_sources(None, &env(&[("POSTERN_RATE_LIMITS__ENABLD", "false")])).unwrap_err();
        assert!(format!("{err:#}").contains("enabld"), "{err:#}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("postern.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\nsignup_mode = \"open\"\n").unwrap();
        assert!(Settings::from_sources(Some(&path), &[]).is_err());
    }

    #[test]
    fn the_summary_never_prints_a_password() {
        let s = Settings::from_sources(
            None,
            &env(&[("POSTERN_DELIVERY__EMAIL__SMTP_URL", "smtps://me:hunter2@mail.example.com")]),
        )
        .unwrap();
        let out = s.redacted_summary();
        assert!(!out.contains("hunter2"));
        assert!(out.contains("smtps://me:***@mail.example.com"));
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn every_credential_form_in_a_url_is_redacted() {
        let cases = [
            ("postgres://host/db?user=u&password=hunter2", "postgres://host/db?user=u&password=***"),
            ("postgres://u:hunter2@host:5432/db?sslmode=require", "postgres://u:***@host:5432/db?sslmode=require"),
            (
                "postgres://host/db?sslpassword=hunter2&sslmode=verify-full",
                "postgres://host/db?sslpassword=***&sslmode=verify-full",
            ),
            ("postgres://host/db?Pass%77ord=hunter2", "postgres://host/db?Pass%77ord=***"),
            ("smtp://relay:25?auth_token=hunter2", "smtp://relay:25?auth_token=***"),
            ("postgres://u:p%40ss:hunter2@host/db", "postgres://u:***@host/db"),
            ("sqlite://postern.db", "sqlite://postern.db"),
        ];
        for (url, want) in cases {
            assert_eq!(redact_url(url), want, "{url}");
            assert!(!redact_url(url).contains("hunter2"), "{url}");
        }
    }

    #[test]
    fn bad_values_are_explained() {
        for (k, v) in [
            ("POSTERN_PUBLIC_URL", "ftp://x"),
            ("POSTERN_REDIRECT_ALLOWLIST", "[\"https://a.example/path\"]"),
            ("POSTERN_TRUSTED_PROXIES", "[\"not-an-ip\"]"),
            ("POSTERN_SIGNUP", "maybe"),
            ("POSTERN_DELIVERY__EMAIL__PROVIDER", "carrier-pigeon"),
        ] {
            assert!(Settings::from_sources(None, &env(&[(k, v)])).is_err(), "{k}={v} was accepted");
        }
    }
}
