//! The magic link. Opening it (GET) only shows a page: email scanners that prefetch links
//! must not spend them. Spending happens on a form post from that page: "continue here"
//! signs this browser in; "approve" (with number matching) signs in the browser that
//! asked, which is waiting and polling.

use crate::crypto::{self, Hash};
use crate::domain::user_agent;
use crate::error::{AppError, AppResult};
use crate::flows::sessions::new_session;
use crate::flows::{Client, DeviceBinding, Issued, signup_open};
use crate::state::AppState;
use crate::store::{AuthRequest, AuthState, Effect, LinkAction, LinkOutcome, Purpose, RedeemLink, Redeemed as Done};

/// What the link page shows.
pub struct LinkView {
    pub request: AuthRequest,
    /// Opened in the browser that asked: one click signs in.
    pub same_browser: bool,
    /// Three numbers, one of them the waiting browser's, fixed per request.
    pub choices: [u8; 3],
    pub requested_from: String,
}

pub enum Choice {
    ContinueHere,
    Approve { picked: u8 },
}

pub enum Redeemed {
    SignedIn(Issued),
    Approved,
}

/// `(request id, hash of the link's secret)`; a malformed token cannot match anything and
/// is not worth a database lookup.
pub fn parse_token(token: &str) -> AppResult<(&str, Hash)> {
    crypto::split_token(token).ok_or(AppError::InvalidCode { remaining: None })
}

pub async fn inspect_link(state: &AppState, token: &str, device: Option<DeviceBinding>) -> AppResult<LinkView> {
    let (id, hash) = parse_token(token)?;
    let request = state.store.auth_request(id).await?.ok_or(AppError::InvalidCode { remaining: None })?;
    if !crypto::constant_time_eq(&request.token_hash, &hash)
        || request.state != AuthState::Pending
        || !request.purpose.completes_like_sign_in()
    {
        return Err(AppError::InvalidCode { remaining: None });
    }
    // With sign-up closed, a link issued to an address that had no account (while sign-up
    // was open) leads nowhere; spending it is refused by the store's rule as well.
    if request.user_id.is_none() && !signup_open(state) {
        return Err(AppError::InvalidCode { remaining: None });
    }
    if state.now() >= request.expires_at {
        return Err(AppError::Expired);
    }
    // Cross-device approval is for sign-in; a sign-up's verification link simply
    // completes on whichever device opens it.
    let same_browser = request.purpose != Purpose::SignIn || device.is_some_and(|d| d.matches(&request.device_hash));
    let choices = number_choices(state, &request.id, request.match_number);
    let requested_from = user_agent::describe(&request.requester_agent);
    Ok(LinkView { request, same_browser, choices, requested_from })
}

/// The three numbers of the approval page: the real one and two decoys, in an order and
/// with decoys derived from the request (not from its link), so a reload and every
/// resent link show the same three: if each link drew its own decoys, the choices of
/// several links would intersect to the real number (issue 10, finding 6). Every draw
/// is uniform (rejection sampling), so no number is likelier to be a decoy than another.
fn number_choices(state: &AppState, request_id: &str, real: u8) -> [u8; 3] {
    let mut draws = UniformDraws::new(&state.server_key[..], request_id);
    let mut decoys: Vec<u8> = Vec::with_capacity(2);
    while decoys.len() < 2 {
        let n = 10 + draws.below(90);
        if n != real && !decoys.contains(&n) {
            decoys.push(n);
        }
    }
    let mut out = [decoys[0], decoys[1], decoys[1]];
    let pos = usize::from(draws.below(3));
    out[pos] = real;
    let mut rest = decoys.into_iter();
    for (i, slot) in out.iter_mut().enumerate() {
        if i != pos {
            *slot = rest.next().unwrap_or(*slot);
        }
    }
    out
}

/// A deterministic stream of uniform small numbers: bytes of HMAC(server key, request id,
/// block), each kept only below the largest multiple of the bound (no modulo bias).
struct UniformDraws<'a> {
    key: &'a [u8],
    request_id: &'a str,
    block: u64,
    bytes: Hash,
    at: usize,
}

impl<'a> UniformDraws<'a> {
    fn new(key: &'a [u8], request_id: &'a str) -> Self {
        let mut draws = Self { key, request_id, block: 0, bytes: [0; 32], at: 32 };
        draws.refill();
        draws
    }

    fn refill(&mut self) {
        self.bytes = crypto::hmac(self.key, &[b"match choices", self.request_id.as_bytes(), &self.block.to_be_bytes()]);
        self.block += 1;
        self.at = 0;
    }

    fn below(&mut self, bound: u8) -> u8 {
        let limit = 256 - (256 % u16::from(bound));
        loop {
            if self.at == self.bytes.len() {
                self.refill();
            }
            let b = self.bytes[self.at];
            self.at += 1;
            if u16::from(b) < limit {
                return b % bound;
            }
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn redeem_link(state: &AppState, token: &str, choice: Choice, client: &Client) -> AppResult<Redeemed> {
    let now = state.now();
    let (action, issued_token) = match choice {
        Choice::ContinueHere => {
            let (session, token) = new_session(state, client, now);
            (LinkAction::Redeem(Effect::SignIn(session)), Some(token))
        }
        Choice::Approve { picked } => (LinkAction::Approve { picked }, None),
    };
    match redeem(state, token, action, client).await? {
        Some(Done::SignedIn(signed_in)) => {
            tracing::info!(user_id = %signed_in.user.id, "signed in with a link");
            let token = issued_token.ok_or_else(|| anyhow::anyhow!("a link signed in without a session token"))?;
            Ok(Redeemed::SignedIn(Issued { token, signed_in }))
        }
        None => Ok(Redeemed::Approved),
        Some(_) => Err(AppError::InvalidCode { remaining: None }),
    }
}

/// Spends a link for `action`, whatever its purpose (the store's one redemption path).
/// `None`: the waiting browser was approved.
pub async fn redeem(state: &AppState, token: &str, action: LinkAction, client: &Client) -> AppResult<Option<Done>> {
    let (id, hash) = parse_token(token)?;
    let redeem = RedeemLink {
        request_id: id.to_owned(),
        token_hash: hash,
        action,
        now: state.now(),
        signup_open: signup_open(state),
    };
    match state.store.redeem_link(redeem, &client.actor()).await? {
        LinkOutcome::Redeemed(done) => Ok(Some(done)),
        LinkOutcome::Approved => Ok(None),
        LinkOutcome::WrongNumber => Err(AppError::TooManyAttempts { retry_after_secs: 1 }),
        LinkOutcome::Expired => Err(AppError::Expired),
        LinkOutcome::Invalid => Err(AppError::InvalidCode { remaining: None }),
    }
}

#[cfg(test)]
mod tests {
    use super::UniformDraws;

    #[test]
    fn uniform_draws_are_unbiased_and_deterministic() {
        let mut counts = [0u32; 90];
        for i in 0..2000 {
            let id = format!("request-{i}");
            let mut a = UniformDraws::new(b"key", &id);
            let mut b = UniformDraws::new(b"key", &id);
            for _ in 0..40 {
                let (x, y) = (a.below(90), b.below(90));
                assert_eq!(x, y, "the same request draws the same numbers");
                counts[usize::from(x)] += 1;
            }
        }
        // 80,000 draws over 90 values: about 889 each. With `b % 90` the values 0..75
        // would get 3/256 and the rest 2/256 of the draws (about 1,055 against 703).
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(*min > 760 && *max < 1020, "counts between {min} and {max}");
    }
}
