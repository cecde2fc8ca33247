//! The decisions a unit of work takes from the rows it read, shared by every backend so
//! that SQLite and PostgreSQL differ only in SQL, never in rules.

use crate::crypto;
use crate::store::StoreError;
use crate::store::{
    AuthRequest, AuthState, CodeOutcome, Effect, LinkAction, LinkOutcome, Purpose, RateLimit, RedeemCode, RedeemLink,
};

/// What a unit of work knows about the identifier behind a request.
pub struct Holder {
    /// The account holding the identifier: `(id, disabled)`.
    pub account: Option<(String, bool)>,
    /// Consecutive wrong codes for the identifier (account or not) since its last success.
    pub failures: i64,
    /// Codes for the identifier are refused until then.
    pub locked_until: Option<i64>,
}

impl Holder {
    /// Whether a success has a run of failures to end (else there is nothing to delete).
    pub fn has_failures(&self) -> bool {
        self.failures > 0 || self.locked_until.is_some()
    }
}

/// Whether a verified request for this identifier may end in a session: an enabled
/// account, or no account while sign-up is open. Start uses it to decide whether a
/// message goes out, and verification to decide whether a right secret signs in, so
/// `signup = "closed"` holds at both ends (issue 10, finding 2).
pub fn may_sign_in(account: Option<&(String, bool)>, signup_open: bool) -> bool {
    match account {
        Some((_, disabled)) => !disabled,
        None => signup_open,
    }
}

/// The hash stored in place of a code or link that must not exist (a closed sign-up's
/// unknown identifier, a disabled account): 256 random bits that no secret hashes to, so
/// the request holds no usable secret at all, while start does the same work (same rows
/// written) as for a real one (issue 10, findings 2 and 4).
pub fn unusable_hash() -> crypto::Hash {
    crypto::random_key()
}

/// GCRA (generic cell rate algorithm): one stored "theoretical arrival time" per key.
/// Returns the new TAT to store, or how long to wait.
pub fn gcra(stored_tat: Option<i64>, limit: &RateLimit) -> Result<i64, i64> {
    let now = limit.now;
    let base = stored_tat.unwrap_or(now).max(now);
    let tolerance = tolerance(limit);
    if base - now > tolerance { Err(base - now - tolerance) } else { Ok(base + limit.interval_ms) }
}

/// How far ahead of now a key's theoretical arrival time may run: a burst of `burst` hits.
pub fn tolerance(limit: &RateLimit) -> i64 {
    limit.interval_ms * i64::from(limit.burst.saturating_sub(1))
}

/// The limits of one unit of work name each key once: a key hit twice would be one limit
/// counted twice (the flows build distinct keys; the PostgreSQL store hits them all in one
/// statement, which cannot update a row twice).
pub fn distinct_keys(limits: &[RateLimit]) -> Result<(), StoreError> {
    match (1..limits.len()).find(|&i| limits[..i].iter().any(|l| l.key == limits[i].key)) {
        Some(i) => {
            Err(StoreError::Other(anyhow::anyhow!("rate limit {} hit twice in one unit of work", limits[i].key)))
        }
        None => Ok(()),
    }
}

pub enum CodeStep {
    /// Answer without writing.
    Done(CodeOutcome),
    /// Record a wrong code: the request's new failure count and state, and the
    /// identifier's new consecutive-failure count and lock.
    Wrong { failed: u32, state: AuthState, failures: i64, locked_until: Option<i64>, outcome: CodeOutcome },
    /// The code is right: spend the request, apply its effect, end the run of failures.
    Consume,
}

/// Whether a new request of `purpose` for this identifier gets its secrets and its
/// message, or unusable hashes and a `suppressed` message row (the same rows written, so
/// the answer and its timing do not tell which). `account` is the account holding the
/// identifier. Sign-in: `may_sign_in`. Sign-up: any identifier but a disabled account's
/// (an existing account gets the flow's "account exists" message instead of a
/// verification). Reset: an enabled account. Identifier change: the identifier must be
/// free (the signed-in person learns nothing about whose it is).
pub fn may_start(purpose: Purpose, account: Option<&(String, bool)>, signup_open: bool) -> bool {
    match purpose {
        Purpose::SignIn | Purpose::Headless => may_sign_in(account, signup_open),
        Purpose::SignUpVerification => account.is_none_or(|(_, disabled)| !disabled),
        Purpose::PasswordReset => account.is_some_and(|(_, disabled)| !disabled),
        Purpose::IdentifierChange => account.is_none(),
    }
}

/// Whether a resend gives a request new, usable secrets: by `may_start`, except a sign-up
/// without details, which is the "account already exists" notice of a sign-up for a
/// verified address: it never turns into a secret, whoever asks for it again.
pub fn may_rotate(purpose: Purpose, account: Option<&(String, bool)>, signup_open: bool, has_details: bool) -> bool {
    may_start(purpose, account, signup_open) && (purpose != Purpose::SignUpVerification || has_details)
}

/// Whether a right secret may have its effect: the request's purpose takes this effect
/// (one redemption path for every purpose; the effect says what it does) and the
/// identifier's account may use it. A sign-in or sign-up verification needs
/// `may_sign_in`; a reset an enabled account; an identifier change a still-free identifier.
fn may_redeem(req: &AuthRequest, account: Option<&(String, bool)>, effect: &Effect, signup_open: bool) -> bool {
    effect.fits(req)
        && match req.purpose {
            Purpose::SignIn | Purpose::SignUpVerification | Purpose::Headless => may_sign_in(account, signup_open),
            Purpose::PasswordReset => account.is_some_and(|(_, disabled)| !disabled),
            Purpose::IdentifierChange => account.is_none(),
        }
}

/// NIST 800-63B §3.2.2 / 5.2.2: at most `max` (≤ 100) consecutive failures. They are
/// counted per identifier, so an unknown address locks exactly like a known account (no
/// enumeration), codes and passwords together, and the count is not reset by the lock:
/// once it is reached, every further failure locks again, so an attacker gets one guess
/// per lockout period until the owner signs in (a throttle, not a permanent lock-out an
/// attacker could turn against the owner). Issue 10, finding 3; issue 11.
/// Returns the new count and lock.
pub fn next_failure(failures: i64, now: i64, max: u32, lockout_ms: i64) -> (i64, Option<i64>) {
    let failures = failures + 1;
    (failures, (failures >= i64::from(max)).then(|| now + lockout_ms))
}

pub fn decide_code(req: &AuthRequest, stored_hash: &[u8], holder: &Holder, r: &RedeemCode) -> CodeStep {
    if !r.effect.fits(req) {
        return CodeStep::Done(CodeOutcome::Invalid);
    }
    match req.state {
        AuthState::Pending => {}
        // Dead by too many wrong codes, or cancelled by a wrong number on the approval page.
        AuthState::Dead if req.failed_attempts >= r.max_attempts => {
            return CodeStep::Done(CodeOutcome::TooManyAttempts);
        }
        AuthState::Dead => return CodeStep::Done(CodeOutcome::Expired),
        AuthState::Approved | AuthState::Consumed => return CodeStep::Done(CodeOutcome::Invalid),
    }
    if req.failed_attempts >= r.max_attempts {
        return CodeStep::Done(CodeOutcome::TooManyAttempts);
    }
    if r.now >= req.expires_at {
        return CodeStep::Done(CodeOutcome::Expired);
    }
    if let Some(until) = holder.locked_until.filter(|u| *u > r.now) {
        return CodeStep::Done(CodeOutcome::AccountLocked { retry_after_ms: until - r.now });
    }
    // A right code for an identifier that may not use it (closed sign-up, disabled
    // account, an identifier taken meanwhile) counts as a wrong one: the answer is the
    // same as for any wrong guess.
    let right = crypto::constant_time_eq(stored_hash, &r.code_hash);
    if right && may_redeem(req, holder.account.as_ref(), &r.effect, r.signup_open) {
        return CodeStep::Consume;
    }
    let failed = req.failed_attempts + 1;
    let state = if failed >= r.max_attempts { AuthState::Dead } else { AuthState::Pending };
    let (failures, locked_until) = next_failure(holder.failures, r.now, r.account_max_failures, r.account_lockout_ms);
    let outcome = if state == AuthState::Dead {
        CodeOutcome::TooManyAttempts
    } else {
        CodeOutcome::WrongCode { remaining: r.max_attempts - failed }
    };
    CodeStep::Wrong { failed, state, failures, locked_until, outcome }
}

pub enum LinkStep {
    Done(LinkOutcome),
    Redeem,
    Approve,
    /// A wrong pick is what a phished approval looks like: the request dies.
    Kill,
}

pub fn decide_link(req: &AuthRequest, account: Option<&(String, bool)>, r: &RedeemLink) -> LinkStep {
    let (action, now) = (&r.action, r.now);
    if !crypto::constant_time_eq(&req.token_hash, &r.token_hash) {
        return LinkStep::Done(LinkOutcome::Invalid);
    }
    let usable = match action {
        LinkAction::Redeem(effect) => may_redeem(req, account, effect, r.signup_open),
        // Cross-device approval exists for sign-in only.
        LinkAction::Approve { .. } => req.purpose == Purpose::SignIn && may_sign_in(account, r.signup_open),
    };
    if !usable || req.state != AuthState::Pending {
        return LinkStep::Done(LinkOutcome::Invalid);
    }
    if now >= req.expires_at {
        return LinkStep::Done(LinkOutcome::Expired);
    }
    match action {
        LinkAction::Redeem(_) => LinkStep::Redeem,
        LinkAction::Approve { picked } if *picked == req.match_number => LinkStep::Approve,
        LinkAction::Approve { .. } => LinkStep::Kill,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(now: i64) -> RateLimit {
        RateLimit { key: "k".into(), interval_ms: 720_000, burst: 5, now }
    }

    #[test]
    fn gcra_allows_a_burst_then_one_per_interval() {
        let mut tat = None;
        for _ in 0..5 {
            tat = Some(gcra(tat, &limit(0)).unwrap());
        }
        let wait = gcra(tat, &limit(0)).unwrap_err();
        assert_eq!(wait, 720_000);
        assert!(gcra(tat, &limit(720_000)).is_ok());
    }
}
