//! `AuditStore` and the events every area writes inside its units of work: present with
//! the change, absent when it rolled back, deduplicated, listed, and removed after the
//! retention.

use postern::store::{AuditFilter, CodeOutcome, Event, EventType, Purpose, StoreError};

use crate::{DAY, MINUTE, NOW, actor, hash, limit, redeem, request, rows, start, store};

async fn kinds(f: &crate::Fixture, filter: AuditFilter) -> Vec<String> {
    f.store.list_events(filter, 100).await.unwrap().into_iter().map(|e| e.kind).collect()
}

backend_test! {
async fn redemptions_and_failures_write_their_events_in_their_unit_of_work() {
    let f = store().await;
    let req = start(&f.store, "ada@example.com", NOW).await;
    assert!(kinds(&f, AuditFilter::default()).await.is_empty(), "a sign-in start records nothing");
    let wrong = f.store.redeem_code(redeem(&req, hash("nope"), NOW + 1), &actor()).await.unwrap();
    assert!(matches!(wrong, CodeOutcome::WrongCode { remaining: 4 }));
    let CodeOutcome::Redeemed(_) = f.store.redeem_code(redeem(&req, req.code, NOW + 2), &actor()).await.unwrap() else {
        panic!("the right code redeems");
    };
    let events = f.store.list_events(AuditFilter::default(), 100).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["sign_in.succeeded", "account.created", "code.failed"]);
    let user_id = events[0].user_id.clone().expect("the account");
    assert_eq!(events[1].user_id.as_deref(), Some(user_id.as_str()));
    assert_eq!(events[2].user_id, None, "the wrong code came before the account existed");
    assert!(events.iter().all(|e| e.ip == "203.0.113.7" && e.user_agent == "store-test" && e.api_key.is_none()));
    assert_eq!(events[2].created_at, NOW + 1);
    assert!(events[2].details.as_deref().unwrap().contains("\"attempts_left\":4"));
    // A redemption of a spent request changes nothing and records that it was refused.
    f.store.redeem_code(redeem(&req, req.code, NOW + 3), &actor()).await.unwrap();
    let filter = AuditFilter { kind: Some("code.failed".into()), ..AuditFilter::default() };
    assert_eq!(f.store.list_events(filter, 100).await.unwrap().len(), 2);
}
}

backend_test! {
async fn a_start_refused_by_a_rate_limit_leaves_no_event() {
    let f = store().await;
    let (_, mut new, message) = request("ada@example.com", NOW);
    new.purpose = Purpose::PasswordReset;
    let limits = vec![limit("send:min:ada@example.com", 1, NOW)];
    f.store.start_auth_request(new, message, true, limits.clone(), &actor()).await.unwrap();
    let (_, mut again, message) = request("ada@example.com", NOW + 1);
    again.purpose = Purpose::PasswordReset;
    let refused = f.store.start_auth_request(again, message, true, limits, &actor()).await;
    assert!(matches!(refused, Err(StoreError::RateLimited { .. })));
    assert_eq!(kinds(&f, AuditFilter::default()).await, vec!["password_reset.requested"], "one start, one event");
    assert_eq!(rows(&f, "SELECT COUNT(*) FROM auth_requests").await, 1);
}
}

backend_test! {
async fn rate_limit_events_are_written_once_per_key_and_minute() {
    let f = store().await;
    for at in [NOW, NOW + 1, NOW + 2] {
        let event = Event::rate_limited("send:ip:192.0.2.1", at);
        f.store.record_events(vec![event], &actor(), at).await.unwrap();
    }
    let other = Event::rate_limited("send:ip:192.0.2.2", NOW);
    f.store.record_events(vec![other], &actor(), NOW).await.unwrap();
    let next_minute = NOW + MINUTE;
    let event = Event::rate_limited("send:ip:192.0.2.1", next_minute);
    f.store.record_events(vec![event], &actor(), next_minute).await.unwrap();
    let events = f.store.list_events(AuditFilter::default(), 100).await.unwrap();
    assert_eq!(events.len(), 3, "two keys in the first minute, one in the next");
    assert!(events.iter().all(|e| e.details.as_deref() == Some(r#"{"limit":"send:ip"}"#)), "no address in a row");
}
}

backend_test! {
async fn events_are_listed_newest_first_by_account_type_time_and_cursor() {
    let f = store().await;
    for (i, user) in ["a", "b", "a", "a"].iter().enumerate() {
        let event = Event::new(EventType::ProfileUpdated, Some(user), None);
        f.store.record_events(vec![event], &actor(), NOW + i as i64).await.unwrap();
    }
    let f_a = AuditFilter { user_id: Some("a".into()), ..AuditFilter::default() };
    let of_a = f.store.list_events(f_a, 2).await.unwrap();
    assert_eq!(of_a.iter().map(|e| e.created_at).collect::<Vec<_>>(), vec![NOW + 3, NOW + 2]);
    let rest = AuditFilter { user_id: Some("a".into()), before: Some(of_a[1].seq), ..AuditFilter::default() };
    let rest = f.store.list_events(rest, 2).await.unwrap();
    assert_eq!(rest.iter().map(|e| e.created_at).collect::<Vec<_>>(), vec![NOW]);
    let since = AuditFilter { since: Some(NOW + 1), ..AuditFilter::default() };
    assert_eq!(f.store.list_events(since, 10).await.unwrap().len(), 3);
    let other_type = AuditFilter { kind: Some("password.changed".into()), ..AuditFilter::default() };
    assert!(f.store.list_events(other_type, 10).await.unwrap().is_empty());
}
}

backend_test! {
async fn cleanup_removes_events_past_the_retention_only() {
    let f = store().await;
    let old = Event::new(EventType::AccountEnabled, Some("a"), None);
    f.store.record_events(vec![old], &actor(), NOW).await.unwrap();
    let recent = Event::new(EventType::AccountDisabled, Some("a"), None);
    f.store.record_events(vec![recent], &actor(), NOW + 80 * DAY).await.unwrap();
    while f.store.cleanup(NOW + 91 * DAY, 10, 90 * DAY).await.unwrap() > 0 {}
    assert_eq!(kinds(&f, AuditFilter::default()).await, vec!["account.disabled"]);
}
}
