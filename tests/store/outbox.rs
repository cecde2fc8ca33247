//! `OutboxStore`: leasing, delivery results and the dev inbox.

use std::collections::HashSet;

use postern::store::{CodeOutcome, DeliveryResult, DeliveryStatus, Redeemed};

use crate::common::{Backend, backend};
use crate::{MINUTE, NOW, actor, redeem, request, start, store};

backend_test! {
async fn concurrent_outbox_claims_never_hand_out_a_message_twice() {
    let f = store().await;
    for i in 0..60 {
        start(&f.store, &format!("u{i}@example.com"), NOW).await;
    }
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_outbox(NOW, MINUTE, 7).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|m| m.seq));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 60);
    assert_eq!(unique.len(), 60);
}
}

backend_test! {
async fn a_message_whose_lease_ran_out_is_claimed_again() {
    let f = store().await;
    start(&f.store, "ada@example.com", NOW).await;
    let first = f.store.claim_outbox(NOW, 1000, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert!(f.store.claim_outbox(NOW + 500, 1000, 10).await.unwrap().is_empty(), "leased");
    let again = f.store.claim_outbox(NOW + 1000, 1000, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].seq, first[0].seq);
    assert_eq!(again[0].attempts, 2);
}
}

backend_test! {
async fn a_message_whose_secret_expired_is_never_sent() {
    let f = store().await;
    start(&f.store, "ada@example.com", NOW).await;
    assert!(f.store.claim_outbox(NOW + 10 * MINUTE, MINUTE, 10).await.unwrap().is_empty());
}
}

backend_test! {
async fn a_message_is_in_the_requests_locale_else_the_accounts_else_the_browsers() {
    let f = store().await;
    let (req, mut new, mut message) = request("ada@example.com", NOW);
    new.locale = Some("de".into());
    message.locale = Some("de".into());
    message.fallback_locale = Some("fr".into());
    f.store.start_auth_request(new, message, true, vec![], &actor()).await.unwrap();
    let first = f.store.claim_outbox(NOW, MINUTE, 10).await.unwrap();
    assert_eq!(first[0].locale.as_deref(), Some("de"));
    assert_eq!(first[0].expires_at, NOW + 10 * MINUTE);
    // Signing in keeps the request's locale on the account.
    assert!(matches!(f.store.redeem_code(redeem(&req, req.code, NOW + 1), &actor()).await.unwrap(), CodeOutcome::Redeemed(Redeemed::SignedIn(_))));
    let (_, new, mut message) = request("ada@example.com", NOW + 2);
    message.fallback_locale = Some("fr".into());
    f.store.start_auth_request(new, message, true, vec![], &actor()).await.unwrap();
    let (_, new, mut message) = request("bob@example.com", NOW + 3);
    message.fallback_locale = Some("fr".into());
    f.store.start_auth_request(new, message, true, vec![], &actor()).await.unwrap();
    let claimed = f.store.claim_outbox(NOW + 4, MINUTE, 10).await.unwrap();
    let locale = |to: &str| claimed.iter().find(|m| m.recipient == to).unwrap().locale.clone();
    assert_eq!(locale("ada@example.com").as_deref(), Some("de"), "the account's locale");
    assert_eq!(locale("bob@example.com").as_deref(), Some("fr"), "no account: the browser's");
}
}

backend_test! {
async fn a_message_sent_by_a_real_provider_or_failed_keeps_no_secret() {
    let f = store().await;
    start(&f.store, "ada@example.com", NOW).await;
    start(&f.store, "bob@example.com", NOW + 1).await;
    let claimed = f.store.claim_outbox(NOW + 2, MINUTE, 10).await.unwrap();
    let seq = |to: &str| claimed.iter().find(|m| m.recipient == to).unwrap().seq;
    let sent = DeliveryStatus::Sent { provider: "resend".into(), provider_message_id: Some("re_1".into()) };
    let failed = DeliveryStatus::Failed { error: "rejected".into() };
    let results = vec![
        DeliveryResult { seq: seq("ada@example.com"), status: sent },
        DeliveryResult { seq: seq("bob@example.com"), status: failed },
    ];
    f.store.finish_outbox(results, NOW + 3).await.unwrap();
    assert!(f.store.dev_inbox(None, 10).await.unwrap().is_empty(), "not the dev provider");
    let payloads = match backend() {
        Backend::Sqlite => {
            let path = f._db.url.strip_prefix("sqlite://").unwrap();
            let c = rusqlite::Connection::open(path).unwrap();
            let mut stmt = c.prepare("SELECT payload FROM outbox").unwrap();
            stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&f._db.url).await.unwrap();
            sqlx::query_scalar::<_, String>("SELECT payload FROM outbox").fetch_all(&pool).await.unwrap()
        }
    };
    assert_eq!(payloads, vec![String::new(), String::new()]);
}
}

backend_test! {
async fn delivery_outcomes_are_recorded() {
    let f = store().await;
    start(&f.store, "ada@example.com", NOW).await;
    start(&f.store, "bob@example.com", NOW + 1).await;
    start(&f.store, "cy@example.com", NOW + 2).await;
    let claimed = f.store.claim_outbox(NOW + 3, MINUTE, 10).await.unwrap();
    let seq = |to: &str| claimed.iter().find(|m| m.recipient == to).unwrap().seq;
    f.store
        .finish_outbox(
            vec![
                DeliveryResult { seq: seq("ada@example.com"), status: DeliveryStatus::Sent { provider: "dev".into(), provider_message_id: None } },
                DeliveryResult { seq: seq("bob@example.com"), status: DeliveryStatus::Retry { error: "timeout".into(), next_attempt_at: NOW + 5000 } },
                DeliveryResult { seq: seq("cy@example.com"), status: DeliveryStatus::Failed { error: "rejected".into() } },
            ],
            NOW + 4,
        )
        .await
        .unwrap();
    let inbox = f.store.dev_inbox(None, 10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].recipient, "ada@example.com");
    assert!(f.store.claim_outbox(NOW + 4999, MINUTE, 10).await.unwrap().is_empty(), "retry waits");
    let retried = f.store.claim_outbox(NOW + 5000, MINUTE, 10).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].recipient, "bob@example.com");
}
}

backend_test! {
async fn the_dev_inbox_is_newest_first_and_filters_by_recipient() {
    let f = store().await;
    for (i, to) in ["ada@example.com", "bob@example.com", "ada@example.com"].iter().enumerate() {
        start(&f.store, to, NOW + i as i64).await;
    }
    let claimed = f.store.claim_outbox(NOW + 10, MINUTE, 10).await.unwrap();
    let results = claimed
        .iter()
        .map(|m| DeliveryResult { seq: m.seq, status: DeliveryStatus::Sent { provider: "dev".into(), provider_message_id: None } })
        .collect();
    f.store.finish_outbox(results, NOW + 11).await.unwrap();
    let ada = f.store.dev_inbox(Some("ada@example.com".into()), 10).await.unwrap();
    assert_eq!(ada.len(), 2);
    assert!(ada[0].seq > ada[1].seq, "newest first");
    assert_eq!(f.store.dev_inbox(None, 2).await.unwrap().len(), 2, "the limit holds");
}
}

backend_test! {
async fn a_message_handed_off_at_commit_is_leased_to_its_instance() {
    let f = store().await;
    let (_, new, mut message) = request("ada@example.com", NOW);
    message.lease_until = Some(NOW + MINUTE);
    let queued = f.store.start_auth_request(new, message, true, vec![], &actor()).await.unwrap().expect("queued");
    assert_eq!((queued.recipient.as_str(), queued.attempts), ("ada@example.com", 1));
    assert!(f.store.claim_outbox(NOW + 1, MINUTE, 10).await.unwrap().is_empty(), "no other worker takes it");
    let again = f.store.claim_outbox(NOW + MINUTE, MINUTE, 10).await.unwrap();
    assert_eq!(again.len(), 1, "once the lease runs out (the instance died), anyone takes it");
    assert_eq!((again[0].seq, again[0].attempts), (queued.seq, 2));
}
}
