//! The bare argon2id hash rate with Postern's parameters (m = 19 MiB, t = 2, p = 1) on this
//! machine: on one thread, then on every core at once. Each password login costs one
//! argon2id verify (a hash of the same cost), so the all-cores rate is the ceiling of
//! password logins per second; the login benchmark is compared with it.
//!
//! Usage: `cargo run --release --example password_hash_rate [seconds per run, default 3]`

use std::time::{Duration, Instant};

use argon2::PasswordHasher as _;
use postern::passwords::{M_COST_KIB, P_COST, T_COST, argon2id};

fn main() -> anyhow::Result<()> {
    let seconds: f64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 3.0,
    };
    let run = Duration::from_secs_f64(seconds);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    println!("argon2id m={M_COST_KIB} KiB, t={T_COST}, p={P_COST}; {cores} core(s) available");
    if cfg!(debug_assertions) {
        println!("warning: a debug build; run with --release for meaningful numbers");
    }

    // One hash first, so page faults of the first 19 MiB allocation are not counted.
    hash_for(Duration::ZERO)?;

    let (count, elapsed) = hash_for(run)?;
    let single = count as f64 / elapsed.as_secs_f64();
    println!(
        "1 thread:   {single:8.1} hashes/s ({count} in {:.2} s, {:.1} ms each)",
        elapsed.as_secs_f64(),
        1000.0 / single
    );

    let start = Instant::now();
    let counts = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores).map(|_| scope.spawn(|| hash_for(run))).collect();
        workers
            .into_iter()
            .map(|w| w.join().map_err(|_| anyhow::anyhow!("a hashing thread panicked"))?)
            .collect::<anyhow::Result<Vec<(u64, Duration)>>>()
    })?;
    let elapsed = start.elapsed();
    let total: u64 = counts.iter().map(|(n, _)| n).sum();
    let parallel = total as f64 / elapsed.as_secs_f64();
    println!(
        "{cores} threads: {parallel:8.1} hashes/s ({total} in {:.2} s, {:.2}x one thread)",
        elapsed.as_secs_f64(),
        parallel / single
    );
    println!("ceiling: about {parallel:.0} password logins/s on this machine (one argon2id verify each)");
    Ok(())
}

/// Hashes fresh random-salted passwords until `run` has passed (at least once); returns how
/// many and how long it took.
fn hash_for(run: Duration) -> anyhow::Result<(u64, Duration)> {
    let argon2 = argon2id();
    let start = Instant::now();
    let mut count = 0u64;
    loop {
        let password = format!("correct horse battery staple {count}");
        let hash = argon2.hash_password(password.as_bytes()).map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
        std::hint::black_box(hash);
        count += 1;
        if start.elapsed() >= run {
            return Ok((count, start.elapsed()));
        }
    }
}
