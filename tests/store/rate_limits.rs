//! The rate limits start and resend consume in their own unit of work.

use postern::store::StoreError;

use crate::{MINUTE, NOW, actor, limit, request, store};

backend_test! {
async fn a_rate_limited_start_writes_nothing() {
    let f = store().await;
    let (_, new, message) = request("ada@example.com", NOW);
    f.store.start_auth_request(new, message, true, vec![limit("k", 1, NOW)], &actor()).await.unwrap();
    let (second, new, message) = request("ada@example.com", NOW);
    let err = f.store.start_auth_request(new, message, true, vec![limit("other", 9, NOW), limit("k", 1, NOW)], &actor()).await;
    match err {
        Err(StoreError::RateLimited { retry_after_ms, .. }) => assert_eq!(retry_after_ms, 60 * MINUTE),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(f.store.auth_request(&second.id).await.unwrap().is_none());
    assert_eq!(f.store.claim_outbox(NOW, MINUTE, 10).await.unwrap().len(), 1);
    // The refused unit of work did not consume the other limit either: nine more pass.
    for _ in 0..9 {
        let (_, new, message) = request("bob@example.com", NOW);
        f.store.start_auth_request(new, message, true, vec![limit("other", 9, NOW)], &actor()).await.unwrap();
    }
    let (_, new, message) = request("bob@example.com", NOW);
    let tenth = f.store.start_auth_request(new, message, true, vec![limit("other", 9, NOW)], &actor()).await;
    assert!(matches!(tenth, Err(StoreError::RateLimited { .. })), "{tenth:?}");
}
}

backend_test! {
async fn a_unit_of_work_names_each_limit_once() {
    let f = store().await;
    let (second, new, message) = request("ada@example.com", NOW);
    let twice = vec![limit("k", 9, NOW), limit("k", 9, NOW)];
    let refused = f.store.start_auth_request(new, message, true, twice, &actor()).await;
    assert!(matches!(refused, Err(StoreError::Other(_))), "{refused:?}");
    assert!(f.store.auth_request(&second.id).await.unwrap().is_none());
    // Nothing was consumed: "k" still has its whole burst of nine.
    for _ in 0..9 {
        f.store.hit_rate_limits(vec![limit("k", 9, NOW)]).await.unwrap();
    }
    assert!(matches!(f.store.hit_rate_limits(vec![limit("k", 9, NOW)]).await, Err(StoreError::RateLimited { .. })));
}
}

backend_test! {
async fn concurrent_hits_on_one_limit_admit_exactly_its_burst() {
    let f = store().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move {
            let (_, new, message) = request(&format!("u{i}@example.com"), NOW);
            store.start_auth_request(new, message, true, vec![limit("shared", 5, NOW)], &actor()).await
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => admitted += 1,
            Err(StoreError::RateLimited { .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(admitted, 5);
}
}
