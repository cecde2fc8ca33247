//! Password hashing: argon2id with OWASP's parameters, off the async runtime, a bounded
//! number at a time.
//!
//! - Parameters: argon2id, m = 19 MiB, t = 2, p = 1, a random 16-byte salt, stored as a
//!   PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) — OWASP Password Storage
//!   cheat sheet, first recommendation for argon2id.
//! - One hash takes tens of milliseconds of one core. Hashes run on a fixed set of
//!   dedicated threads (one per core) that take the next job from a queue, never on a
//!   runtime worker, so a burst of logins queues for a core instead of starving every
//!   other request (DESIGN.md, security rules). A dedicated thread starts the next hash
//!   as soon as one ends; `spawn_blocking` behind a semaphore left the cores idle between
//!   hashes (two thread wake-ups each) and reached 80–85 % of the bare rate.
//! - An unknown account is verified against a dummy hash with the same parameters, so it
//!   costs as long as a known one and timing does not tell which addresses have accounts
//!   (OWASP Authentication cheat sheet: authentication responses; DESIGN.md: no enumeration).
//! - The comparison is argon2's own `verify_password`, which compares in constant time.
//!   Nothing here logs a password or a hash, and errors never quote a stored hash.

use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use base64::Engine as _;

use crate::domain::password::Password;

/// Memory cost in KiB (19 MiB; OWASP Password Storage cheat sheet).
pub const M_COST_KIB: u32 = 19_456;
/// Iterations (OWASP Password Storage cheat sheet).
pub const T_COST: u32 = 2;
/// Lanes (OWASP Password Storage cheat sheet).
pub const P_COST: u32 = 1;
/// Hash length in bytes.
pub const OUTPUT_LEN: usize = 32;

/// Stored hashes asking for more than this are refused as malformed: this server never
/// writes them, and a tampered or foreign row must not make one login allocate gigabytes
/// or run for seconds.
const MAX_STORED_M_COST_KIB: u32 = 256 * 1024;
const MAX_STORED_T_COST: u32 = 16;
const MAX_STORED_P_COST: u32 = 16;

const PARAMS: Params = match Params::new(M_COST_KIB, T_COST, P_COST, Some(OUTPUT_LEN)) {
    Ok(params) => params,
    Err(_) => panic!("the argon2 parameters are out of range"),
};

/// Argon2id with Postern's parameters (also what `examples/password_hash_rate.rs` measures).
pub fn argon2id() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
}

/// The outcome of [`PasswordHasher::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The password is the one the stored hash was made from.
    pub matches: bool,
    /// The stored hash uses another algorithm, version or parameters than the current
    /// ones: after a match, hash the password again and store the new hash.
    pub needs_rehash: bool,
}

/// A hash or verification waiting for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords on `max_concurrent` dedicated threads. Cheap to clone:
/// clones share the threads, which stop when the last clone is dropped.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: crossbeam_channel::Sender<Job>,
    max_concurrent: usize,
    /// Verified against when there is no stored hash (see [`PasswordHasher::verify`]).
    dummy: Arc<PasswordHash>,
    #[cfg(test)]
    in_flight: Arc<tests::InFlight>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("max_concurrent", &self.max_concurrent).finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher running at most `max_concurrent` hashes at once, on as many threads. Size
    /// it to the CPU cores ([`PasswordHasher::default_concurrency`]): each hash keeps one
    /// core busy, so more threads than cores only make every login slower, and fewer
    /// leave cores idle; a burst of logins past that waits in the queue instead of
    /// starving the runtime.
    pub fn new(max_concurrent: usize) -> anyhow::Result<Self> {
        if max_concurrent == 0 || max_concurrent > 1024 {
            bail!("password hashing concurrency must be between 1 and 1024, got {max_concurrent}");
        }
        // The dummy is a random salt and a random output with the current parameters: a
        // verification against it runs argon2id exactly as against a real, current hash,
        // and no password matches it. It is written, not computed, so starting the server
        // costs no hash (and none of its 19 MiB of memory) until someone logs in.
        let mut random = [0u8; 16 + OUTPUT_LEN];
        getrandom::fill(&mut random).map_err(|e| anyhow!("failed to draw random bytes: {e}"))?;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
        let phc = format!(
            "$argon2id$v=19$m={M_COST_KIB},t={T_COST},p={P_COST}${}${}",
            b64(&random[..16]),
            b64(&random[16..])
        );
        let dummy = parse_stored(&phc)?;
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        for i in 0..max_concurrent {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("postern-hash-{i}"))
                .spawn(move || queue.iter().for_each(|job| job()))
                .context("failed to start a password hashing thread")?;
        }
        Ok(Self {
            jobs,
            max_concurrent,
            dummy: Arc::new(dummy),
            #[cfg(test)]
            in_flight: Arc::default(),
        })
    }

    /// One thread per CPU core (`std::thread::available_parallelism`, 1 if unknown).
    pub fn default_concurrency() -> usize {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }

    /// The PHC string of `password` with a fresh random salt.
    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let password = password.clone();
        self.run(move || {
            argon2id()
                .hash_password(password.expose_secret().as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| anyhow!("failed to hash a password: {e}"))
        })
        .await
    }

    /// Checks `password` against `stored`, the account's PHC string.
    ///
    /// `None` (no such account, or an account without a password) verifies against the
    /// dummy hash and answers `matches: false`: the same work as a real verify, so the
    /// response time does not reveal whether the account exists (OWASP Authentication
    /// cheat sheet). Only hashes with older, cheaper parameters are faster than that, and
    /// `needs_rehash` retires them at the next login.
    ///
    /// A stored value that is not an argon2 PHC string (corrupt, truncated, another
    /// algorithm) or asks for absurd costs is an error, not a mismatch: answering "wrong
    /// password" would lock its owner out with nothing in the logs to say why, and would
    /// let a broken migration pass unnoticed. The error never quotes the stored value.
    pub async fn verify(&self, password: &Password, stored: Option<&str>) -> anyhow::Result<Verified> {
        let (hash, known) = match stored {
            Some(stored) => (Arc::new(parse_stored(stored)?), true),
            None => (Arc::clone(&self.dummy), false),
        };
        let needs_rehash = known && needs_rehash(&hash)?;
        let password = password.clone();
        let matches = self
            .run(move || {
                // The parameters come from the stored hash, not from this instance.
                match argon2id().verify_password(password.expose_secret().as_bytes(), hash.as_ref()) {
                    Ok(()) => Ok(true),
                    Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
                    Err(e) => Err(anyhow!("failed to verify a password against its stored hash: {e}")),
                }
            })
            .await?;
        Ok(Verified { matches: known && matches, needs_rehash })
    }

    /// Runs `job` on the next free hashing thread. A job whose caller gave up before it
    /// started (a request timeout dropped this future) is skipped: an abandoned login
    /// costs no hash. One that started runs to its end and holds its thread meanwhile, so
    /// the bound counts real work on the cores, not waiting callers.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        #[cfg(test)]
        let in_flight = Arc::clone(&self.in_flight);
        let job: Job = Box::new(move || {
            if done.is_closed() {
                return;
            }
            #[cfg(test)]
            let _counted = in_flight.enter();
            let _ = done.send(job());
        });
        self.jobs.send(job).map_err(|_| anyhow!("the password hashing threads stopped"))?;
        result.await.context("the password hashing thread stopped")?
    }
}

/// Parses a stored PHC string as an argon2 hash within sane costs.
fn parse_stored(stored: &str) -> anyhow::Result<PasswordHash> {
    let hash = PasswordHash::new(stored).map_err(|e| anyhow!("the stored password hash is malformed: {e}"))?;
    Algorithm::try_from(hash.algorithm.as_str())
        .map_err(|_| anyhow!("the stored password hash is not an argon2 hash"))?;
    if hash.salt.is_none() || hash.hash.is_none() {
        bail!("the stored password hash is malformed: no salt or no hash");
    }
    let params = Params::try_from(&hash).map_err(|e| anyhow!("the stored password hash is malformed: {e}"))?;
    if params.m_cost() > MAX_STORED_M_COST_KIB
        || params.t_cost() > MAX_STORED_T_COST
        || params.p_cost() > MAX_STORED_P_COST
    {
        bail!("the stored password hash asks for more memory, time or lanes than this server allows");
    }
    Ok(hash)
}

/// Whether `hash` was made with anything but the current algorithm, version and parameters.
fn needs_rehash(hash: &PasswordHash) -> anyhow::Result<bool> {
    let params = Params::try_from(hash).map_err(|e| anyhow!("the stored password hash is malformed: {e}"))?;
    let current = hash.algorithm.as_str() == Algorithm::Argon2id.as_ref()
        && hash.version == Some(Version::V0x13.into())
        && params.m_cost() == M_COST_KIB
        && params.t_cost() == T_COST
        && params.p_cost() == P_COST
        && params.output_len() == Some(OUTPUT_LEN)
        && params.keyid().is_empty()
        && params.data().is_empty();
    Ok(!current)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use super::*;

    /// Counts the jobs running on blocking threads, and the most seen at once. A test
    /// holding `gate` for writing stops every job right after it is counted, so what is
    /// in flight can be looked at without racing the hashes.
    #[derive(Default)]
    pub(super) struct InFlight {
        now: AtomicUsize,
        max: AtomicUsize,
        total: AtomicUsize,
        gate: tokio::sync::RwLock<()>,
    }

    pub(super) struct Counted<'a>(&'a InFlight);

    impl InFlight {
        pub(super) fn enter(&self) -> Counted<'_> {
            let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.max.fetch_max(now, Ordering::SeqCst);
            self.total.fetch_add(1, Ordering::SeqCst);
            drop(self.gate.blocking_read());
            Counted(self)
        }

        /// Waits (10 s at most) until `n` jobs are in flight.
        async fn reach(&self, n: usize) {
            let deadline = Instant::now() + Duration::from_secs(10);
            while self.now.load(Ordering::SeqCst) < n {
                assert!(Instant::now() < deadline, "{n} jobs never ran at once");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }

    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            self.0.now.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn password(s: &str) -> Password {
        Password::parse(s).unwrap()
    }

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(2).unwrap()
    }

    /// A PHC string made with other parameters or another variant, as an older release
    /// or another system would have stored.
    fn legacy_hash(algorithm: Algorithm, m: u32, t: u32, secret: &str) -> String {
        let params = Params::new(m, t, 1, None).unwrap();
        Argon2::new(algorithm, Version::V0x13, params).hash_password(secret.as_bytes()).unwrap().to_string()
    }

    #[tokio::test]
    async fn a_hash_verifies_its_own_password() {
        let hasher = hasher();
        let hash = hasher.hash(&password("correct horse battery staple")).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        let verified = hasher.verify(&password("correct horse battery staple"), Some(&hash)).await.unwrap();
        assert_eq!(verified, Verified { matches: true, needs_rehash: false });
    }

    #[tokio::test]
    async fn each_hash_has_its_own_salt() {
        let hasher = hasher();
        let a = hasher.hash(&password("same password twice")).await.unwrap();
        let b = hasher.hash(&password("same password twice")).await.unwrap();
        assert_ne!(a, b);
        let salt = PasswordHash::new(&a).unwrap().salt.unwrap();
        assert_eq!(salt.len(), 16);
    }

    #[tokio::test]
    async fn a_wrong_password_does_not_match() {
        let hasher = hasher();
        let hash = hasher.hash(&password("correct horse battery staple")).await.unwrap();
        let verified = hasher.verify(&password("correct horse battery stapler"), Some(&hash)).await.unwrap();
        assert_eq!(verified, Verified { matches: false, needs_rehash: false });
    }

    #[tokio::test]
    async fn the_same_password_normalised_matches() {
        let hasher = hasher();
        let hash = hasher.hash(&password("ﬁne ligature")).await.unwrap();
        assert!(hasher.verify(&password("fine ligature"), Some(&hash)).await.unwrap().matches);
    }

    #[tokio::test]
    async fn no_stored_hash_never_matches_and_costs_about_as_much_as_a_real_verify() {
        let hasher = hasher();
        let guess = password("correct horse battery staple");
        let hash = hasher.hash(&guess).await.unwrap();
        // Warm up both paths once, then time a few of each, alternating.
        hasher.verify(&guess, Some(&hash)).await.unwrap();
        hasher.verify(&guess, None).await.unwrap();
        let (mut real, mut dummy) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..4 {
            let start = Instant::now();
            assert!(hasher.verify(&guess, Some(&hash)).await.unwrap().matches);
            real += start.elapsed();
            let start = Instant::now();
            let verified = hasher.verify(&guess, None).await.unwrap();
            dummy += start.elapsed();
            assert_eq!(verified, Verified { matches: false, needs_rehash: false });
        }
        // Only a robust bound: the dummy path really runs argon2 with the same cost.
        assert!(dummy * 10 > real, "unknown accounts answer {dummy:?} vs {real:?} for known ones");
    }

    #[tokio::test]
    async fn a_hash_with_older_parameters_matches_and_asks_for_a_rehash() {
        let hasher = hasher();
        let old = legacy_hash(Algorithm::Argon2id, 4096, 1, "correct horse battery staple");
        assert!(old.starts_with("$argon2id$v=19$m=4096,t=1,p=1$"), "{old}");
        let verified = hasher.verify(&password("correct horse battery staple"), Some(&old)).await.unwrap();
        assert_eq!(verified, Verified { matches: true, needs_rehash: true });
        let upgraded = hasher.hash(&password("correct horse battery staple")).await.unwrap();
        let verified = hasher.verify(&password("correct horse battery staple"), Some(&upgraded)).await.unwrap();
        assert_eq!(verified, Verified { matches: true, needs_rehash: false });
    }

    #[tokio::test]
    async fn another_argon2_variant_matches_and_asks_for_a_rehash() {
        let hasher = hasher();
        let argon2i = legacy_hash(Algorithm::Argon2i, M_COST_KIB, T_COST, "correct horse battery staple");
        assert!(argon2i.starts_with("$argon2i$"), "{argon2i}");
        let verified = hasher.verify(&password("correct horse battery staple"), Some(&argon2i)).await.unwrap();
        assert_eq!(verified, Verified { matches: true, needs_rehash: true });
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_that_does_not_quote_it() {
        let hasher = hasher();
        let real = hasher.hash(&password("correct horse battery staple")).await.unwrap();
        // 43 base64 digits of hash cut to 41: not a whole number of bytes.
        let truncated = &real[..real.len() - 2];
        let bad_salt = real.replacen("$argon2id$v=19$m=19456,t=2,p=1$", "$argon2id$v=19$m=19456,t=2,p=1$!!", 1);
        let cases = [
            ("", "empty"),
            ("hunter2-plain-text-in-the-column", "a password stored in clear"),
            ("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "bcrypt"),
            ("$pbkdf2-sha256$i=600000,l=32$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "another PHC algorithm"),
            ("$argon2id$v=19$m=19456,t=2,p=1", "no salt nor hash"),
            (truncated, "truncated"),
            (bad_salt.as_str(), "bad salt encoding"),
            ("$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA", "4 GiB"),
            ("$argon2id$v=19$m=19456,t=1000,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA", "t=1000"),
        ];
        for (stored, what) in cases {
            let result = hasher.verify(&password("correct horse battery staple"), Some(stored)).await;
            let err = format!("{:#}", result.expect_err(what));
            assert!(err.contains("stored password hash"), "{what}: {err}");
            if !stored.is_empty() {
                assert!(!err.contains(stored), "{what}: the error quotes the stored value: {err}");
            }
        }
    }

    #[tokio::test]
    async fn eight_hashes_through_two_permits_all_succeed_never_more_than_two_at_once() {
        let hasher = hasher();
        let gate = hasher.in_flight.gate.write().await;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..8 {
            let hasher = hasher.clone();
            tasks.spawn(async move { hasher.hash(&password(&format!("password number {i}"))).await });
        }
        // Two jobs start and are held at the gate; the six others wait in the queue.
        hasher.in_flight.reach(2).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(hasher.in_flight.now.load(Ordering::SeqCst), 2);
        drop(gate);
        let mut hashes = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            hashes.push(joined.unwrap().unwrap());
        }
        assert_eq!(hashes.len(), 8);
        assert!(hashes.iter().all(|h| h.starts_with("$argon2id$")));
        assert_eq!(hasher.in_flight.total.load(Ordering::SeqCst), 8);
        assert_eq!(hasher.in_flight.max.load(Ordering::SeqCst), 2, "never more than 2 hashes at once");
    }

    #[tokio::test]
    async fn a_started_hash_whose_caller_left_runs_to_its_end_and_a_queued_one_is_skipped() {
        let hasher = PasswordHasher::new(1).unwrap();
        let gate = hasher.in_flight.gate.write().await;
        let (a, b) = (hasher.clone(), hasher.clone());
        let started = tokio::spawn(async move { a.hash(&password("cancelled midway")).await });
        // The first job is on the thread (held at the gate); the second waits behind it.
        hasher.in_flight.reach(1).await;
        let queued = tokio::spawn(async move { b.hash(&password("cancelled in the queue")).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        started.abort();
        queued.abort();
        assert!(started.await.unwrap_err().is_cancelled());
        assert!(queued.await.unwrap_err().is_cancelled());
        drop(gate);
        let next = hasher.hash(&password("the next one runs")).await.unwrap();
        assert!(next.starts_with("$argon2id$"));
        assert_eq!(hasher.in_flight.max.load(Ordering::SeqCst), 1);
        assert_eq!(
            hasher.in_flight.total.load(Ordering::SeqCst),
            2,
            "the started job and the next; not the queued one"
        );
    }

    #[test]
    fn zero_permits_is_refused() {
        assert!(PasswordHasher::new(0).is_err());
        assert!(PasswordHasher::default_concurrency() >= 1);
    }

    #[test]
    fn debug_shows_neither_hash_nor_salt() {
        let hasher = PasswordHasher::new(3).unwrap();
        let shown = format!("{hasher:?}");
        assert_eq!(shown, "PasswordHasher { max_concurrent: 3, .. }");
    }
}
