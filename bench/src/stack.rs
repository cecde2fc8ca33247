//! The servers of one scenario: a fresh database (a SQLite file or a PostgreSQL database),
//! one or more `postern serve` instances started from the run's copy of the binary
//! (through `postern-harness`, like the cluster tests), and an nginx in front of several.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use postern_harness::{Instance, Nginx};

use crate::Ctx;
use crate::procs;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// A database kind and a number of instances: "sqlite x1", "postgres x3".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub db: DbKind,
    pub instances: usize,
}

impl std::fmt::Display for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let db = match self.db {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgres",
        };
        write!(f, "{db} x{}", self.instances)
    }
}

#[derive(Clone)]
pub enum Db {
    Sqlite { dir: PathBuf, path: PathBuf, url: String },
    Postgres { name: String, url: String },
}

impl Db {
    pub fn url(&self) -> &str {
        match self {
            Db::Sqlite { url, .. } | Db::Postgres { url, .. } => url,
        }
    }

    pub fn pg_name(&self) -> Option<&str> {
        match self {
            Db::Postgres { name, .. } => Some(name),
            Db::Sqlite { .. } => None,
        }
    }
}

impl Ctx {
    /// A new, empty database of `kind` (nothing migrated yet).
    pub async fn new_db(&mut self, kind: DbKind) -> Result<Db> {
        self.servers += 1;
        match kind {
            DbKind::Sqlite => {
                let dir = self.work.join(format!("db{}", self.servers));
                std::fs::create_dir_all(&dir)?;
                let path = dir.join("postern.db");
                let url = format!("sqlite://{}", path.display());
                Ok(Db::Sqlite { dir, path, url })
            }
            DbKind::Postgres => {
                // postern_bench_<pid>_<n>: a later run drops it when this pid is gone.
                let name = format!("postern_bench_{}_{}_{:x}", std::process::id(), self.servers, random_u32());
                let url = postern_harness::create_database(&self.pg_admin, &name).await?;
                self.pg_created.push(name.clone());
                Ok(Db::Postgres { name, url: format!("{url}?sslmode=disable") })
            }
        }
    }

    /// Deletes a database and its data.
    pub async fn drop_db(&mut self, db: &Db) {
        match db {
            Db::Sqlite { dir, .. } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Db::Postgres { name, .. } => match postern_harness::drop_database(&self.pg_admin, name).await {
                Ok(()) => self.pg_created.retain(|n| n != name),
                Err(e) => eprintln!("WARNING: {e:#}"),
            },
        }
    }

    /// postgres.max_connections of each instance: POSTERN_POSTGRES__MAX_CONNECTIONS, else
    /// --pg-pool, else 16 in all split over the instances (rounded up).
    pub fn pg_pool(&self, instances: usize) -> String {
        std::env::var("POSTERN_POSTGRES__MAX_CONNECTIONS")
            .ok()
            .or_else(|| self.opts.pg_pool.map(|p| p.to_string()))
            .unwrap_or_else(|| 16usize.div_ceil(instances.max(1)).to_string())
    }

    /// `postern migrate` on `db` (the grown scenario fills a migrated, empty database).
    pub fn migrate(&self, db: &Db) -> Result<()> {
        let out = postern_harness::postern(&self.bin, db.url())
            .arg("migrate")
            .output()
            .context("failed to run postern migrate")?;
        if !out.status.success() {
            bail!(
                "postern migrate failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }
}

fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.finish() as u32
}

/// The variables every instance gets: the caller's `POSTERN_*` (passed through, except the
/// ones the benchmark sets), rate limits off, log level warn, and per backend the pool,
/// who migrates, and behind nginx the proxy to trust.
fn instance_env(ctx: &Ctx, config: Config, first: bool) -> Vec<(String, String)> {
    let mut forced =
        vec!["POSTERN_LISTEN", "POSTERN_DATABASE_URL", "POSTERN_RATE_LIMITS__ENABLED", "POSTERN_LOG__LEVEL"];
    if config.db == DbKind::Postgres {
        forced.push("POSTERN_MIGRATE_ON_START");
    }
    if config.instances > 1 {
        forced.push("POSTERN_PUBLIC_URL");
    }
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("POSTERN_") && k != "POSTERN_CONFIG" && !forced.contains(&k.as_str()))
        .collect();
    env.push(("POSTERN_RATE_LIMITS__ENABLED".into(), "false".into()));
    env.push(("POSTERN_LOG__LEVEL".into(), "warn".into()));
    if config.db == DbKind::Postgres {
        env.push(("POSTERN_POSTGRES__MAX_CONNECTIONS".into(), ctx.pg_pool(config.instances)));
        // The first instance migrates the fresh database; the others find it done.
        env.push(("POSTERN_MIGRATE_ON_START".into(), first.to_string()));
    }
    if config.instances > 1 && std::env::var_os("POSTERN_TRUSTED_PROXIES").is_none() {
        env.push(("POSTERN_TRUSTED_PROXIES".into(), r#"["127.0.0.1/32"]"#.into()));
    }
    env
}

/// nginx in front of several instances: one process, round robin, and keepalive both ways
/// (wrk keeps its connections for the whole run; so does nginx towards the instances).
fn nginx_http(upstreams: &[u16], port: u16) -> String {
    let servers: String = upstreams.iter().map(|p| format!("        server 127.0.0.1:{p};\n")).collect();
    format!(
        "    keepalive_requests 10000000;
    keepalive_timeout 300s;
    upstream postern {{
{servers}        keepalive 64;
        keepalive_requests 10000000;
        keepalive_timeout 300s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://postern;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
"
    )
}

pub struct Stack {
    pub config: Config,
    pub instances: Vec<Instance>,
    pub nginx: Option<Nginx>,
    /// Where wrk connects: the instance, or nginx.
    pub base: String,
    /// VmRSS of each instance right after its /healthz answered, in kB.
    pub idle_kb: Vec<u64>,
    pub db: Db,
}

impl Stack {
    /// Starts the servers of `config` on `db` (migrated by the first instance, or already).
    pub async fn start(ctx: &mut Ctx, config: Config, db: Db) -> Result<Stack> {
        Stack::start_with(ctx, config, db, &[]).await
    }

    /// `start` with more variables for every instance (they win over the caller's).
    pub async fn start_with(ctx: &mut Ctx, config: Config, db: Db, extra: &[(String, String)]) -> Result<Stack> {
        let dir = ctx.work.join(format!("logs{}", ctx.servers));
        std::fs::create_dir_all(&dir)?;
        let within = Duration::from_secs(60);
        let reserved = postern_harness::reserve_port()?;
        let front = format!("http://127.0.0.1:{}", reserved.local_addr()?.port());
        let public = (config.instances > 1).then_some(front.as_str());
        let mut stack =
            Stack { config, instances: Vec::new(), nginx: None, base: String::new(), idle_kb: Vec::new(), db };
        for i in 0..config.instances {
            let mut env = instance_env(ctx, config, i == 0);
            env.extend(extra.iter().cloned());
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let name = format!("server{}", i + 1);
            let instance =
                Instance::start(&ctx.bin, &name, stack.db.url(), public, &dir, &env, within).await.with_context(
                    || format!("[{config}] starting {} serve on {}", ctx.bin.display(), redact(stack.db.url())),
                )?;
            stack.idle_kb.push(procs::status_kb(instance.pid(), "VmRSS").unwrap_or(0));
            eprintln!("==> [{config}] {name} up on {} (pid {})", instance.base, instance.pid());
            stack.instances.push(instance);
        }
        if config.instances > 1 {
            let ports: Vec<u16> = stack.instances.iter().map(|i| i.port).collect();
            let nginx = Nginx::start(reserved, &dir, 4096, &|port| nginx_http(&ports, port)).await?;
            eprintln!("==> [{config}] nginx on {} in front of ports {ports:?}", nginx.base);
            stack.base = nginx.base.clone();
            stack.nginx = Some(nginx);
        } else {
            stack.base = stack.instances.first().map(|i| i.base.clone()).unwrap_or_default();
        }
        Ok(stack)
    }

    /// A fresh database and the servers on it.
    pub async fn fresh(ctx: &mut Ctx, config: Config) -> Result<Stack> {
        let db = ctx.new_db(config.db).await?;
        match Stack::start(ctx, config, db.clone()).await {
            Ok(stack) => Ok(stack),
            Err(e) => {
                // The database of a stack that did not start is not needed either.
                ctx.drop_db(&db).await;
                Err(e)
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn bases(&self) -> Vec<String> {
        self.instances.iter().map(|i| i.base.clone()).collect()
    }

    /// Fails with the log of a server that died.
    pub fn alive(&mut self) -> Result<()> {
        for i in &mut self.instances {
            if !i.is_alive()? {
                bail!("[{}] {} died; its log:\n{}", self.config, i.name, i.log_tail(30));
            }
        }
        if let Some(n) = &mut self.nginx
            && !n.is_alive()?
        {
            bail!("[{}] nginx died; its log:\n{}", self.config, n.error_log());
        }
        Ok(())
    }

    pub fn pids(&self) -> Vec<u32> {
        self.instances.iter().map(|i| i.pid()).chain(self.nginx.iter().map(|n| n.pid())).collect()
    }

    /// Largest VmHWM of the instances so far, in kB.
    pub fn hwm_kb(&self) -> u64 {
        self.instances.iter().filter_map(|i| procs::status_kb(i.pid(), "VmHWM")).max().unwrap_or(0)
    }

    /// nginx, then the instances (SIGTERM, SIGKILL after 15 s); the database stays.
    pub async fn halt(&mut self) -> Result<()> {
        drop(self.nginx.take());
        for i in &mut self.instances {
            i.stop(Duration::from_secs(15)).await?;
        }
        self.instances.clear();
        Ok(())
    }

    /// `halt`, then the database goes too.
    pub async fn stop(mut self, ctx: &mut Ctx) -> Result<()> {
        let halted = self.halt().await;
        ctx.drop_db(&self.db).await;
        halted
    }
}

/// A database URL without its password (there is none in the defaults, but POSTERN_TEST_PG_URL
/// may carry one).
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if url[s + 3..at].contains(':') => {
            let user_end = s + 3 + url[s + 3..at].find(':').unwrap_or(0);
            format!("{}:***{}", &url[..user_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}
