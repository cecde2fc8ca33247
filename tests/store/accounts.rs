//! `AccountStore` and the account effects of the one redemption path: sign-up details,
//! claims over a squatter, password reset, identifier change, failures, deletion.

use postern::domain::{Channel, Identifier, PhoneNumber};
use postern::store::{
    CodeOutcome, Effect, EventType, Failure, Notice, PasswordChange, PasswordReset, PasswordSignIn, Purpose, Redeemed,
    SignUpDetails,
};

use crate::{MINUTE, NOW, Req, actor, email, redeem, request, rows, session, store};

fn details(password_hash: &str, phone: Option<&str>) -> SignUpDetails {
    SignUpDetails { password_hash: password_hash.into(), phone: phone.map(str::to_owned), ..SignUpDetails::default() }
}

fn notice(now: i64) -> Notice {
    Notice {
        kind: "password_changed".into(),
        payload: "{}".into(),
        channels: vec![Channel::Email, Channel::Sms],
        lease_until: None,
        fallback_locale: None,
        created_at: now,
        expires_at: now + 60 * MINUTE,
    }
}

/// Starts a request of `purpose` for `address`, optionally with sign-up details.
async fn start_for(
    f: &crate::Fixture,
    purpose: Purpose,
    address: &str,
    details: Option<SignUpDetails>,
    user_id: Option<String>,
    now: i64,
) -> Req {
    let (req, mut new, message) = request(address, now);
    new.purpose = purpose;
    new.details = details;
    new.user_id = user_id;
    f.store.start_auth_request(new, message, true, vec![], &actor()).await.unwrap();
    req
}

fn with_effect(req: &Req, effect: Effect, now: i64) -> postern::store::RedeemCode {
    let mut r = redeem(req, req.code, now);
    r.effect = effect;
    r
}

async fn password_session(f: &crate::Fixture, user_id: &str, address: &str, now: i64) -> String {
    let login = PasswordSignIn {
        user_id: user_id.into(),
        identifier: email(address),
        rehash: None,
        end_failures: false,
        session: session(now),
        redirect_to: "/account".into(),
    };
    f.store.password_signed_in(login, &actor()).await.unwrap().expect("signed in").session.id
}

backend_test! {
async fn a_sign_up_creates_an_unverified_account_and_the_owners_verification_replaces_a_squatter() {
    let f = store().await;
    start_for(&f, Purpose::SignUpVerification, "ada@example.com", Some(details("squatter-hash", Some("+447911123456"))), None, NOW).await;
    let account = f.store.account_by_identifier(&email("ada@example.com")).await.unwrap().expect("created");
    assert!(!account.any_verified());
    assert_eq!(account.password_hash.as_deref(), Some("squatter-hash"));
    assert_eq!(account.phone.as_deref(), Some("+447911123456"));
    let squatter_session = password_session(&f, &account.id, "ada@example.com", NOW).await;
    // The owner signs up too; the account is not touched until the address is verified.
    let owner = start_for(&f, Purpose::SignUpVerification, "ada@example.com", Some(details("owner-hash", None)), None, NOW + 1).await;
    let outcome = f.store.redeem_code(redeem(&owner, owner.code, NOW + 2), &actor()).await.unwrap();
    let CodeOutcome::Redeemed(Redeemed::SignedIn(signed_in)) = outcome else { panic!("{outcome:?}") };
    assert_eq!(signed_in.user.id, account.id);
    let account = f.store.account(&account.id).await.unwrap().unwrap();
    assert!(account.email_verified);
    assert_eq!(account.password_hash.as_deref(), Some("owner-hash"));
    assert_eq!(account.phone, None, "the squatter's number is gone");
    assert!(f.store.session(&squatter_session, NOW + 3).await.unwrap().is_none());
    assert_eq!(rows(&f, "SELECT count(*) FROM auth_requests WHERE details IS NOT NULL").await, 0, "details are cleared when spent");
}
}

backend_test! {
async fn a_sign_up_for_a_verified_account_changes_nothing_when_redeemed() {
    let f = store().await;
    let first = start_for(&f, Purpose::SignUpVerification, "ada@example.com", Some(details("first", None)), None, NOW).await;
    f.store.redeem_code(redeem(&first, first.code, NOW + 1), &actor()).await.unwrap();
    // A later sign-up's verification (an owner clicking a link someone else asked for)
    // signs in without replacing the verified account's password.
    let later = start_for(&f, Purpose::SignUpVerification, "ada@example.com", Some(details("later", None)), None, NOW + 2).await;
    f.store.redeem_code(redeem(&later, later.code, NOW + 3), &actor()).await.unwrap();
    let account = f.store.account_by_identifier(&email("ada@example.com")).await.unwrap().unwrap();
    assert_eq!(account.password_hash.as_deref(), Some("first"));
}
}

backend_test! {
async fn a_reset_sets_the_password_ends_sessions_and_secrets_and_queues_a_notice_per_identifier() {
    let f = store().await;
    let signup = start_for(&f, Purpose::SignUpVerification, "ada@example.com", Some(details("old", Some("+447911123456"))), None, NOW).await;
    f.store.redeem_code(redeem(&signup, signup.code, NOW + 1), &actor()).await.unwrap();
    let account = f.store.account_by_identifier(&email("ada@example.com")).await.unwrap().unwrap();
    let live = password_session(&f, &account.id, "ada@example.com", NOW + 1).await;
    let pending_sign_in = start_for(&f, Purpose::SignIn, "ada@example.com", None, None, NOW + 2).await;
    let reset = start_for(&f, Purpose::PasswordReset, "ada@example.com", None, None, NOW + 3).await;
    // A sign-in effect does not fit a reset request.
    let wrong = f.store.redeem_code(redeem(&reset, reset.code, NOW + 4), &actor()).await.unwrap();
    assert!(matches!(wrong, CodeOutcome::Invalid), "{wrong:?}");
    let effect = Effect::ResetPassword(PasswordReset { password_hash: "new".into(), notice: notice(NOW + 5), session: None });
    let outcome = f.store.redeem_code(with_effect(&reset, effect, NOW + 5), &actor()).await.unwrap();
    let CodeOutcome::Redeemed(Redeemed::PasswordReset(done)) = outcome else { panic!("{outcome:?}") };
    assert_eq!(done.user_id, account.id);
    assert!(done.signed_in.is_none());
    let mut to: Vec<String> = done.notices.iter().map(|m| m.recipient.clone()).collect();
    to.sort();
    assert_eq!(to, ["+447911123456", "ada@example.com"]);
    assert_eq!(f.store.account(&account.id).await.unwrap().unwrap().password_hash.as_deref(), Some("new"));
    assert!(f.store.session(&live, NOW + 6).await.unwrap().is_none());
    let killed = f.store.redeem_code(redeem(&pending_sign_in, pending_sign_in.code, NOW + 6), &actor()).await.unwrap();
    assert!(matches!(killed, CodeOutcome::Expired), "outstanding secrets died: {killed:?}");
}
}

backend_test! {
async fn a_reset_for_an_unknown_address_holds_no_usable_secret() {
    let f = store().await;
    let reset = start_for(&f, Purpose::PasswordReset, "nobody@example.com", None, None, NOW).await;
    let effect = Effect::ResetPassword(PasswordReset { password_hash: "x".into(), notice: notice(NOW), session: None });
    let outcome = f.store.redeem_code(with_effect(&reset, effect, NOW + 1), &actor()).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::WrongCode { .. }), "{outcome:?}");
    assert_eq!(rows(&f, "SELECT count(*) FROM outbox WHERE status = 'suppressed'").await, 1);
    assert_eq!(rows(&f, "SELECT count(*) FROM users").await, 0);
}
}

backend_test! {
async fn an_identifier_change_takes_a_free_address_and_tells_the_old_one() {
    let f = store().await;
    let signup = start_for(&f, Purpose::SignUpVerification, "old@example.com", Some(details("pw", None)), None, NOW).await;
    f.store.redeem_code(redeem(&signup, signup.code, NOW + 1), &actor()).await.unwrap();
    let account = f.store.account_by_identifier(&email("old@example.com")).await.unwrap().unwrap();
    let change = start_for(&f, Purpose::IdentifierChange, "new@example.com", None, Some(account.id.clone()), NOW + 2).await;
    // Another account's effect does not fit.
    let foreign = Effect::ChangeIdentifier { user_id: "someone-else".into(), notice: notice(NOW + 3) };
    assert!(matches!(f.store.redeem_code(with_effect(&change, foreign, NOW + 3), &actor()).await.unwrap(), CodeOutcome::Invalid));
    let effect = Effect::ChangeIdentifier { user_id: account.id.clone(), notice: notice(NOW + 3) };
    let outcome = f.store.redeem_code(with_effect(&change, effect, NOW + 3), &actor()).await.unwrap();
    let CodeOutcome::Redeemed(Redeemed::IdentifierChanged { notices, .. }) = outcome else { panic!("{outcome:?}") };
    assert_eq!(notices.iter().map(|m| m.recipient.as_str()).collect::<Vec<_>>(), ["old@example.com"]);
    let account = f.store.account(&account.id).await.unwrap().unwrap();
    assert_eq!((account.email.as_deref(), account.email_verified), (Some("new@example.com"), true));
    // A taken address: the request is written, no message is queued, nothing redeems.
    let other = start_for(&f, Purpose::SignIn, "taken@example.com", None, None, NOW + 4).await;
    f.store.redeem_code(redeem(&other, other.code, NOW + 5), &actor()).await.unwrap();
    let taken = start_for(&f, Purpose::IdentifierChange, "taken@example.com", None, Some(account.id.clone()), NOW + 6).await;
    let effect = Effect::ChangeIdentifier { user_id: account.id.clone(), notice: notice(NOW + 7) };
    let outcome = f.store.redeem_code(with_effect(&taken, effect, NOW + 7), &actor()).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::WrongCode { .. }), "{outcome:?}");
}
}

backend_test! {
async fn failures_count_per_identifier_and_a_password_success_ends_them() {
    let f = store().await;
    let phone = Identifier::Phone(PhoneNumber::parse("+447911123456").unwrap());
    for i in 0..3 {
        let failure = Failure { identifier: phone.clone(), event: EventType::SignInFailed, now: NOW + i, account_max_failures: 3, account_lockout_ms: MINUTE };
        f.store.record_failure(failure, &actor()).await.unwrap();
    }
    let candidate = f.store.login_candidate(&phone).await.unwrap();
    assert!(candidate.account.is_none());
    assert_eq!((candidate.failures, candidate.locked_until), (3, Some(NOW + 2 + MINUTE)));
    let signup = start_for(&f, Purpose::SignUpVerification, "ada@example.com", Some(details("pw", None)), None, NOW).await;
    let CodeOutcome::Redeemed(Redeemed::SignedIn(s)) = f.store.redeem_code(redeem(&signup, signup.code, NOW + 1), &actor()).await.unwrap() else {
        panic!("sign-up")
    };
    f.store
        .record_failure(Failure { identifier: email("ada@example.com"), event: EventType::SignInFailed, now: NOW, account_max_failures: 3, account_lockout_ms: MINUTE }, &actor())
        .await
        .unwrap();
    let login = PasswordSignIn {
        user_id: s.user.id.clone(),
        identifier: email("ada@example.com"),
        rehash: Some("rehashed".into()),
        end_failures: true,
        session: session(NOW + 2),
        redirect_to: "/".into(),
    };
    assert!(f.store.password_signed_in(login, &actor()).await.unwrap().is_some());
    let candidate = f.store.login_candidate(&email("ada@example.com")).await.unwrap();
    assert_eq!(candidate.failures, 0);
    assert_eq!(candidate.account.unwrap().password_hash.as_deref(), Some("rehashed"));
}
}

backend_test! {
async fn a_password_change_keeps_one_session_and_deleting_an_account_removes_everything() {
    let f = store().await;
    let signup = start_for(&f, Purpose::SignUpVerification, "ada@example.com", Some(details("pw", None)), None, NOW).await;
    let CodeOutcome::Redeemed(Redeemed::SignedIn(s)) = f.store.redeem_code(redeem(&signup, signup.code, NOW + 1), &actor()).await.unwrap() else {
        panic!("sign-up")
    };
    let other = password_session(&f, &s.user.id, "ada@example.com", NOW + 2).await;
    let change = PasswordChange {
        user_id: s.user.id.clone(),
        password_hash: "changed".into(),
        keep_session: s.session.id.clone(),
        notice: notice(NOW + 3),
        now: NOW + 3,
    };
    assert_eq!(f.store.change_password(change, &actor()).await.unwrap().unwrap().len(), 1);
    assert!(f.store.session(&s.session.id, NOW + 4).await.unwrap().is_some());
    assert!(f.store.session(&other, NOW + 4).await.unwrap().is_none());
    start_for(&f, Purpose::SignIn, "ada@example.com", None, None, NOW + 5).await;
    assert!(f.store.delete_account(&s.user.id, NOW, &actor()).await.unwrap());
    assert!(!f.store.delete_account(&s.user.id, NOW, &actor()).await.unwrap());
    for table in ["users", "sessions", "auth_requests"] {
        assert_eq!(rows(&f, &format!("SELECT count(*) FROM {table}")).await, 0, "{table}");
    }
}
}

backend_test! {
async fn concurrent_sign_ups_for_one_new_address_make_one_account() {
    let f = store().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move {
            let (_, mut new, message) = request("race@example.com", NOW + i);
            new.purpose = Purpose::SignUpVerification;
            new.details = Some(details(&format!("hash-{i}"), None));
            store.start_auth_request(new, message, true, vec![], &actor()).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(rows(&f, "SELECT count(*) FROM users").await, 1);
    assert_eq!(rows(&f, "SELECT count(*) FROM auth_requests WHERE state = 'pending'").await, 1, "one live sign-up");
}
}

backend_test! {
async fn accounts_are_listed_newest_first_by_prefix_and_disabling_ends_sessions_and_secrets() {
    let f = store().await;
    let mut ids = Vec::new();
    for (i, address) in ["ann@example.com", "bob@example.com", "bo_b@example.com"].iter().enumerate() {
        let req = start_for(&f, Purpose::SignIn, address, None, None, NOW + i as i64).await;
        let CodeOutcome::Redeemed(Redeemed::SignedIn(s)) = f.store.redeem_code(redeem(&req, req.code, NOW + 10), &actor()).await.unwrap() else {
            panic!("sign-in")
        };
        ids.push((s.user.id.clone(), s.session.id.clone()));
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let all = f.store.list_accounts(None, None, 10).await.unwrap();
    assert_eq!(all.iter().map(|a| a.email.clone().unwrap()).collect::<Vec<_>>(), ["bo_b@example.com", "bob@example.com", "ann@example.com"]);
    let page = f.store.list_accounts(None, Some(&all[0].id), 1).await.unwrap();
    assert_eq!(page[0].email.as_deref(), Some("bob@example.com"));
    assert_eq!(f.store.list_accounts(Some("bo_"), None, 10).await.unwrap().len(), 1, "_ is not a wildcard");
    assert_eq!(f.store.list_accounts(Some("bo"), None, 10).await.unwrap().len(), 2);
    let (user, session) = &ids[0];
    let pending = start_for(&f, Purpose::SignIn, "ann@example.com", None, None, NOW + 20).await;
    let disabled = f.store.set_disabled(user, true, NOW + 21, &actor()).await.unwrap().unwrap();
    assert!(disabled.disabled);
    assert!(f.store.session(session, NOW + 22).await.unwrap().is_none());
    assert!(!matches!(f.store.redeem_code(redeem(&pending, pending.code, NOW + 22), &actor()).await.unwrap(), CodeOutcome::Redeemed(_)));
    assert!(!f.store.set_disabled(user, false, NOW + 23, &actor()).await.unwrap().unwrap().disabled);
    assert!(f.store.set_disabled("no-such-id", true, NOW, &actor()).await.unwrap().is_none());
}
}
