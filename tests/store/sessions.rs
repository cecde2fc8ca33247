//! `SessionStore`: sessions opened by a redemption, found, listed and revoked.

use postern::store::{CodeOutcome, Redeemed};

use crate::{MINUTE, NOW, actor, hash, redeem, session_of, start, store};

backend_test! {
async fn a_new_session_revokes_the_one_the_browser_held_when_its_secret_matches() {
    let f = store().await;
    let first = start(&f.store, "ada@example.com", NOW).await;
    let mut r = redeem(&first, first.code, NOW);
    let old_hash = session_of(&mut r).token_hash;
    let CodeOutcome::Redeemed(Redeemed::SignedIn(old)) = f.store.redeem_code(r, &actor()).await.unwrap() else { panic!("sign-in") };
    // A forged cookie naming the session with another secret revokes nothing.
    let second = start(&f.store, "grace@example.com", NOW + 1).await;
    let mut r = redeem(&second, second.code, NOW + 1);
    session_of(&mut r).replaces = Some(postern::store::ReplacedSession { id: old.session.id.clone(), token_hash: hash("forged") });
    assert!(matches!(f.store.redeem_code(r, &actor()).await.unwrap(), CodeOutcome::Redeemed(Redeemed::SignedIn(_))));
    assert!(f.store.session(&old.session.id, NOW + 2).await.unwrap().is_some());
    // The browser's real cookie does.
    let third = start(&f.store, "grace@example.com", NOW + 3).await;
    let mut r = redeem(&third, third.code, NOW + 3);
    session_of(&mut r).replaces = Some(postern::store::ReplacedSession { id: old.session.id.clone(), token_hash: old_hash });
    assert!(matches!(f.store.redeem_code(r, &actor()).await.unwrap(), CodeOutcome::Redeemed(Redeemed::SignedIn(_))));
    assert!(f.store.session(&old.session.id, NOW + 4).await.unwrap().is_none());
}
}

backend_test! {
async fn sessions_are_found_listed_and_revoked_by_scope() {
    let f = store().await;
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    let mut user_id = String::new();
    for i in 0..3 {
        let req = start(&f.store, "ada@example.com", NOW + i).await;
        let mut r = redeem(&req, req.code, NOW + i);
        let token_hash = session_of(&mut r).token_hash;
        let CodeOutcome::Redeemed(Redeemed::SignedIn(s)) = f.store.redeem_code(r, &actor()).await.unwrap() else { panic!("sign-in") };
        user_id = s.user.id.clone();
        ids.push(s.session.id.clone());
        tokens.push(token_hash);
    }
    assert_eq!(f.store.list_sessions(&user_id, NOW + 10).await.unwrap().len(), 3);
    let (s, u) = f.store.session(&ids[0], NOW + 10).await.unwrap().unwrap();
    assert_eq!((s.id.as_str(), u.id.as_str()), (ids[0].as_str(), user_id.as_str()));
    assert_eq!(s.token_hash, tokens[0].to_vec());
    assert!(f.store.session(&ids[0], NOW + 7 * 24 * 60 * MINUTE).await.unwrap().is_none(), "idle deadline");
    assert!(!f.store.revoke_session("someone-else", &ids[1], NOW, &actor()).await.unwrap(), "not theirs");
    assert_eq!(f.store.revoke_sessions(&user_id, Some(&ids[0]), NOW + 20, &actor()).await.unwrap(), 2);
    assert!(f.store.session(&ids[1], NOW + 21).await.unwrap().is_none());
    assert!(f.store.session(&ids[0], NOW + 21).await.unwrap().is_some());
    assert!(f.store.revoke_session(&user_id, &ids[0], NOW + 22, &actor()).await.unwrap());
    assert!(f.store.list_sessions(&user_id, NOW + 23).await.unwrap().is_empty());
}
}
