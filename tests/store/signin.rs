//! `SignInStore`: starting, resending and redeeming auth requests.

use std::sync::Arc;

use postern::crypto::Hash;
use postern::store::{
    AuthState, CodeOutcome, LinkAction, LinkOutcome, Purpose, RedeemCode, RedeemLink, Redeemed, RotatedSecrets,
    Rotation,
};

use crate::{MINUTE, NOW, Req, actor, hash, redeem, request, rows, session, sign_in_here, start, store};

backend_test! {
async fn a_start_commits_the_request_and_its_message_together() {
    let f = store().await;
    let req = start(&f.store, "ada@example.com", NOW).await;
    let stored = f.store.auth_request(&req.id).await.unwrap().unwrap();
    assert_eq!(stored.state, AuthState::Pending);
    assert_eq!(stored.identifier.as_str(), "ada@example.com");
    assert_eq!(stored.token_hash, req.token.to_vec());
    let claimed = f.store.claim_outbox(NOW, MINUTE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].recipient, "ada@example.com");
    assert_eq!(claimed[0].attempts, 1);
}
}

backend_test! {
async fn a_closed_signup_start_for_an_unknown_address_sends_nothing_and_holds_no_usable_secret() {
    let f = store().await;
    let (req, new, message) = request("nobody@example.com", NOW);
    let handed = f.store.start_auth_request(new, message, false, vec![], &actor()).await.unwrap();
    assert!(handed.is_none(), "nothing to hand to the worker");
    let stored = f.store.auth_request(&req.id).await.unwrap().expect("the request exists, as for anyone");
    assert_ne!(stored.token_hash, req.token.to_vec(), "the link's hash was not stored");
    assert!(f.store.claim_outbox(NOW, MINUTE, 10).await.unwrap().is_empty());
    // The code the flow made does not open it, even with sign-up open at verify.
    let outcome = f.store.redeem_code(redeem(&req, req.code, NOW + 1), &actor()).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::WrongCode { remaining: 4 }), "{outcome:?}");
    let link = sign_in_here(&req, NOW + 1, true);
    assert!(matches!(f.store.redeem_link(link, &actor()).await.unwrap(), LinkOutcome::Invalid));
    // A resend rotates to unusable secrets again.
    let rotated = RotatedSecrets { code_hash: hash("c2"), token_hash: hash("t2"), now: NOW + 2, expires_at: NOW + 10 * MINUTE };
    let (_, _, message) = request("nobody@example.com", NOW + 2);
    let Rotation::Rotated { message } = f.store.rotate_auth_request(&req.id, rotated, message, false, vec![]).await.unwrap()
    else {
        panic!("rotated")
    };
    assert!(message.is_none());
    let outcome = f.store.redeem_code(redeem(&req, hash("c2"), NOW + 3), &actor()).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::WrongCode { .. }), "{outcome:?}");
}
}

backend_test! {
async fn a_closed_signup_start_writes_the_same_rows_for_a_known_and_an_unknown_address() {
    let f = store().await;
    let known = start(&f.store, "known@example.com", NOW).await;
    let CodeOutcome::Redeemed(Redeemed::SignedIn(_)) = f.store.redeem_code(redeem(&known, known.code, NOW), &actor()).await.unwrap() else {
        panic!("sign-in")
    };
    let before = rows(&f, "SELECT count(*) FROM outbox").await;
    let (_, new, message) = request("known@example.com", NOW + 1);
    assert!(f.store.start_auth_request(new, message, false, vec![], &actor()).await.unwrap().is_some());
    let (_, new, message) = request("nobody@example.com", NOW + 1);
    assert!(f.store.start_auth_request(new, message, false, vec![], &actor()).await.unwrap().is_none());
    // One message row each (issue 10, finding 4: the same work, so the same time); the
    // unknown address's is suppressed and keeps no payload.
    assert_eq!(rows(&f, "SELECT count(*) FROM outbox").await, before + 2);
    assert_eq!(rows(&f, "SELECT count(*) FROM outbox WHERE status = 'suppressed' AND payload = ''").await, 1);
}
}

backend_test! {
async fn a_right_secret_does_not_sign_up_an_unknown_address_once_signup_is_closed() {
    let f = store().await;
    let req = start(&f.store, "newcomer@example.com", NOW).await;
    let mut r = redeem(&req, req.code, NOW + 1);
    r.signup_open = false;
    let outcome = f.store.redeem_code(r, &actor()).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::WrongCode { .. }), "{outcome:?}");
    let link = sign_in_here(&req, NOW + 1, false);
    assert!(matches!(f.store.redeem_link(link, &actor()).await.unwrap(), LinkOutcome::Invalid));
    assert_eq!(rows(&f, "SELECT count(*) FROM users").await, 0);
}
}

backend_test! {
async fn wrong_codes_are_counted_per_identifier_across_requests_and_the_lock() {
    let f = store().await;
    let with = |req: &Req, code: Hash, now: i64| RedeemCode { account_max_failures: 3, ..redeem(req, code, now) };
    // No account: the identifier is counted all the same.
    let a = start(&f.store, "nobody@example.com", NOW).await;
    for _ in 0..2 {
        f.store.redeem_code(with(&a, hash("wrong"), NOW), &actor()).await.unwrap();
    }
    let b = start(&f.store, "nobody@example.com", NOW).await;
    let third = f.store.redeem_code(with(&b, hash("wrong"), NOW), &actor()).await.unwrap();
    assert!(matches!(third, CodeOutcome::WrongCode { .. }), "{third:?}");
    let locked = f.store.redeem_code(with(&b, b.code, NOW + 1), &actor()).await.unwrap();
    assert!(matches!(locked, CodeOutcome::AccountLocked { .. }), "even the right code waits: {locked:?}");
    // After the lock the count stands: one more failure locks again.
    let later = NOW + 61 * MINUTE;
    let c = start(&f.store, "nobody@example.com", later).await;
    f.store.redeem_code(with(&c, hash("wrong"), later), &actor()).await.unwrap();
    let again = f.store.redeem_code(with(&c, c.code, later + 1), &actor()).await.unwrap();
    assert!(matches!(again, CodeOutcome::AccountLocked { .. }), "{again:?}");
    // A success ends the run.
    let much_later = later + 61 * MINUTE;
    let d = start(&f.store, "nobody@example.com", much_later).await;
    assert!(matches!(f.store.redeem_code(with(&d, d.code, much_later), &actor()).await.unwrap(), CodeOutcome::Redeemed(Redeemed::SignedIn(_))));
    assert_eq!(rows(&f, "SELECT count(*) FROM auth_failures").await, 0);
}
}

backend_test! {
async fn concurrent_redemptions_spend_a_request_once() {
    let f = store().await;
    let req = Arc::new(start(&f.store, "ada@example.com", NOW).await);
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (store, req) = (f.store.clone(), req.clone());
        tasks.push(tokio::spawn(async move { store.redeem_code(redeem(&req, req.code, NOW + 1), &actor()).await.unwrap() }));
    }
    let mut signed_in = 0;
    for t in tasks {
        match t.await.unwrap() {
            CodeOutcome::Redeemed(Redeemed::SignedIn(_)) => signed_in += 1,
            CodeOutcome::Invalid => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(signed_in, 1);
}
}

backend_test! {
async fn concurrent_wrong_codes_are_all_counted() {
    // Each wrong code waits for the request's lock; none may read a count another has
    // already raised (OWASP: account lockout), on the request or on its identifier.
    let f = store().await;
    for round in 0..5 {
        let now = NOW + round * 61 * MINUTE;
        let req = Arc::new(start(&f.store, "ada@example.com", now).await);
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (store, req) = (f.store.clone(), req.clone());
            tasks.push(tokio::spawn(async move { store.redeem_code(redeem(&req, hash("wrong"), now), &actor()).await.unwrap() }));
        }
        let mut remaining = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                CodeOutcome::WrongCode { remaining: r } => remaining.push(r),
                other => panic!("{other:?}"),
            }
        }
        remaining.sort_unstable();
        assert_eq!(remaining, [1, 2, 3, 4], "round {round}");
        assert_eq!(f.store.auth_request(&req.id).await.unwrap().unwrap().failed_attempts, 4);
        assert_eq!(rows(&f, "SELECT sum(failed_count) FROM auth_failures").await, 4, "round {round}");
        // A success ends the run before the next round.
        let ok = f.store.redeem_code(redeem(&req, req.code, now + 1), &actor()).await.unwrap();
        assert!(matches!(ok, CodeOutcome::Redeemed(Redeemed::SignedIn(_))), "{ok:?}");
        assert_eq!(rows(&f, "SELECT count(*) FROM auth_failures").await, 0);
    }
}
}

backend_test! {
async fn wrong_codes_count_and_the_fifth_kills_the_request() {
    let f = store().await;
    let req = start(&f.store, "ada@example.com", NOW).await;
    for remaining in (1..5).rev() {
        match f.store.redeem_code(redeem(&req, hash("wrong"), NOW), &actor()).await.unwrap() {
            CodeOutcome::WrongCode { remaining: r } => assert_eq!(r, remaining),
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(f.store.redeem_code(redeem(&req, hash("wrong"), NOW), &actor()).await.unwrap(), CodeOutcome::TooManyAttempts));
    assert!(matches!(f.store.redeem_code(redeem(&req, req.code, NOW), &actor()).await.unwrap(), CodeOutcome::TooManyAttempts));
    assert_eq!(f.store.auth_request(&req.id).await.unwrap().unwrap().state, AuthState::Dead);
}
}

backend_test! {
async fn an_expired_request_is_not_redeemed() {
    let f = store().await;
    let req = start(&f.store, "ada@example.com", NOW).await;
    assert!(matches!(f.store.redeem_code(redeem(&req, req.code, NOW + 10 * MINUTE), &actor()).await.unwrap(), CodeOutcome::Expired));
}
}

backend_test! {
async fn rotation_keeps_the_failure_count_and_kills_the_old_link() {
    let f = store().await;
    let req = start(&f.store, "ada@example.com", NOW).await;
    f.store.redeem_code(redeem(&req, hash("wrong"), NOW), &actor()).await.unwrap();
    let (_, _, message) = request("ada@example.com", NOW + 1);
    let rotated = RotatedSecrets { code_hash: hash("new code"), token_hash: hash("new token"), now: NOW + 1, expires_at: NOW + 11 * MINUTE };
    assert!(matches!(
        f.store.rotate_auth_request(&req.id, rotated, message, true, vec![]).await.unwrap(),
        Rotation::Rotated { message: Some(_) }
    ));
    assert_ne!(f.store.auth_request(&req.id).await.unwrap().unwrap().token_hash, req.token.to_vec(), "old link dead");
    let stored = f.store.auth_request(&req.id).await.unwrap().unwrap();
    assert_eq!(stored.failed_attempts, 1);
    assert!(matches!(f.store.redeem_code(redeem(&req, req.code, NOW + 2), &actor()).await.unwrap(), CodeOutcome::WrongCode { remaining: 3 }));
    assert!(matches!(f.store.redeem_code(redeem(&req, hash("new code"), NOW + 2), &actor()).await.unwrap(), CodeOutcome::Redeemed(Redeemed::SignedIn(_))));
}
}

backend_test! {
async fn approval_needs_the_right_number_and_is_claimed_once() {
    let f = store().await;
    let wrong = start(&f.store, "ada@example.com", NOW).await;
    let forged = f.store.redeem_link(RedeemLink { request_id: wrong.id.clone(), token_hash: hash("forged"), action: LinkAction::Approve { picked: 42 }, now: NOW, signup_open: true }, &actor()).await.unwrap();
    assert!(matches!(forged, LinkOutcome::Invalid), "the link's secret must match");
    let outcome = f.store.redeem_link(RedeemLink { request_id: wrong.id.clone(), token_hash: wrong.token, action: LinkAction::Approve { picked: 41 }, now: NOW, signup_open: true }, &actor()).await.unwrap();
    assert!(matches!(outcome, LinkOutcome::WrongNumber));
    assert_eq!(f.store.auth_request(&wrong.id).await.unwrap().unwrap().state, AuthState::Dead);

    let right = start(&f.store, "ada@example.com", NOW).await;
    let outcome = f.store.redeem_link(RedeemLink { request_id: right.id.clone(), token_hash: right.token, action: LinkAction::Approve { picked: 42 }, now: NOW, signup_open: true }, &actor()).await.unwrap();
    assert!(matches!(outcome, LinkOutcome::Approved));
    let first = f.store.claim_approved(&right.id, session(NOW), NOW + 1, &actor()).await.unwrap();
    assert_eq!(first.unwrap().user.email.as_deref(), Some("ada@example.com"));
    assert!(f.store.claim_approved(&right.id, session(NOW), NOW + 2, &actor()).await.unwrap().is_none());
}
}

backend_test! {
async fn a_reset_or_change_secret_does_not_sign_in() {
    let f = store().await;
    let signin = start(&f.store, "ada@example.com", NOW).await;
    assert_eq!(f.store.auth_request(&signin.id).await.unwrap().unwrap().purpose, Purpose::SignIn);
    let done = f.store.redeem_code(redeem(&signin, signin.code, NOW + 1), &actor()).await.unwrap();
    assert!(matches!(done, CodeOutcome::Redeemed(Redeemed::SignedIn(_))), "ada has an account now");
    for purpose in [Purpose::PasswordReset, Purpose::IdentifierChange] {
        let (req, mut new, message) = request("ada@example.com", NOW + 2);
        new.purpose = purpose;
        f.store.start_auth_request(new, message, true, vec![], &actor()).await.unwrap();
        assert_eq!(f.store.auth_request(&req.id).await.unwrap().unwrap().purpose, purpose);
        let outcome = f.store.redeem_code(redeem(&req, req.code, NOW + 3), &actor()).await.unwrap();
        assert!(matches!(outcome, CodeOutcome::Invalid), "{purpose:?}: {outcome:?}");
        let link = sign_in_here(&req, NOW + 3, true);
        assert!(matches!(f.store.redeem_link(link, &actor()).await.unwrap(), LinkOutcome::Invalid), "{purpose:?}");
    }
    assert_eq!(rows(&f, "SELECT count(*) FROM sessions").await, 1, "only the sign-in opened a session");
}
}

backend_test! {
async fn a_second_start_for_an_identifier_kills_the_first_requests_code_and_link() {
    let f = store().await;
    let first = start(&f.store, "ada@example.com", NOW).await;
    let other = start(&f.store, "grace@example.com", NOW).await;
    let second = start(&f.store, "ada@example.com", NOW + 1).await;
    assert_eq!(f.store.auth_request(&first.id).await.unwrap().unwrap().state, AuthState::Dead);
    let outcome = f.store.redeem_code(redeem(&first, first.code, NOW + 2), &actor()).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::Expired), "the first code is dead: {outcome:?}");
    assert!(matches!(f.store.redeem_link(sign_in_here(&first, NOW + 2, true), &actor()).await.unwrap(), LinkOutcome::Invalid));
    assert!(matches!(f.store.redeem_code(redeem(&second, second.code, NOW + 2), &actor()).await.unwrap(), CodeOutcome::Redeemed(Redeemed::SignedIn(_))));
    assert!(
        matches!(f.store.redeem_code(redeem(&other, other.code, NOW + 2), &actor()).await.unwrap(), CodeOutcome::Redeemed(Redeemed::SignedIn(_))),
        "another identifier's request is not touched"
    );
}
}
