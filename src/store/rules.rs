//! The decisions a unit of work takes from the rows it read, shared by every backend so
//! that SQLite and PostgreSQL differ only in SQL, never in rules.

use crate::crypto;
use crate::store::{AuthRequest, AuthState, CodeOutcome, LinkAction, LinkOutcome, RateLimit, RedeemCode};

/// An account's standing for code verification.
pub struct Account {
    pub id: String,
    pub failed_code_count: i64,
    pub code_locked_until: Option<i64>,
    pub disabled: bool,
}

/// GCRA (generic cell rate algorithm): one stored "theoretical arrival time" per key.
/// Returns the new TAT to store, or how long to wait.
pub fn gcra(stored_tat: Option<i64>, limit: &RateLimit) -> Result<i64, i64> {
    let now = limit.now;
    let base = stored_tat.unwrap_or(now).max(now);
    let tolerance = limit.interval_ms * i64::from(limit.burst.saturating_sub(1));
    if base - now > tolerance { Err(base - now - tolerance) } else { Ok(base + limit.interval_ms) }
}

pub enum CodeStep {
    /// Answer without writing.
    Done(CodeOutcome),
    /// Record a wrong code: the request's new failure count and state, and the account's
    /// new (count, locked_until) when there is an account.
    Wrong { failed: u32, state: AuthState, account: Option<(String, i64, Option<i64>)>, outcome: CodeOutcome },
    /// The code is right: spend the request and sign in.
    Consume,
}

pub fn decide_code(
    req: &AuthRequest,
    purpose: &str,
    stored_hash: &[u8],
    account: Option<&Account>,
    r: &RedeemCode,
) -> CodeStep {
    if purpose != "signin" {
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
    if let Some(a) = account {
        if a.disabled {
            return CodeStep::Done(CodeOutcome::Invalid);
        }
        if let Some(until) = a.code_locked_until.filter(|u| *u > r.now) {
            return CodeStep::Done(CodeOutcome::AccountLocked { retry_after_ms: until - r.now });
        }
    }
    if crypto::constant_time_eq(stored_hash, &r.code_hash) {
        return CodeStep::Consume;
    }
    let failed = req.failed_attempts + 1;
    let state = if failed >= r.max_attempts { AuthState::Dead } else { AuthState::Pending };
    // NIST 800-63B §5.2.2: at most 100 consecutive failures per account, then the account
    // refuses codes for a while (a throttle, not a permanent lock-out an attacker could
    // turn against the owner).
    let account = account.map(|a| {
        let count = a.failed_code_count + 1;
        if count >= i64::from(r.account_max_failures) {
            (a.id.clone(), 0, Some(r.now + r.account_lockout_ms))
        } else {
            (a.id.clone(), count, None)
        }
    });
    let outcome = if state == AuthState::Dead {
        CodeOutcome::TooManyAttempts
    } else {
        CodeOutcome::WrongCode { remaining: r.max_attempts - failed }
    };
    CodeStep::Wrong { failed, state, account, outcome }
}

pub enum LinkStep {
    Done(LinkOutcome),
    SignInHere,
    Approve,
    /// A wrong pick is what a phished approval looks like: the request dies.
    Kill,
}

pub fn decide_link(
    req: &AuthRequest,
    purpose: &str,
    disabled: bool,
    presented_token_hash: &[u8],
    action: &LinkAction,
    now: i64,
) -> LinkStep {
    if !crypto::constant_time_eq(&req.token_hash, presented_token_hash) {
        return LinkStep::Done(LinkOutcome::Invalid);
    }
    if purpose != "signin" || req.state != AuthState::Pending || disabled {
        return LinkStep::Done(LinkOutcome::Invalid);
    }
    if now >= req.expires_at {
        return LinkStep::Done(LinkOutcome::Expired);
    }
    match action {
        LinkAction::SignInHere(_) => LinkStep::SignInHere,
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
