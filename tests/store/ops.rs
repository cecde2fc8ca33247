//! `OpsStore`: the server key and cleanup.

use postern::store::StoreError;

use crate::{DAY, MINUTE, NOW, actor, limit, request, start, store};

backend_test! {
async fn the_server_key_is_created_once_and_then_stable() {
    let f = store().await;
    let a = f.store.server_key(NOW).await.unwrap();
    let b = f.store.server_key(NOW + 1).await.unwrap();
    assert_eq!(a, b);
}
}

backend_test! {
async fn cleanup_removes_only_what_can_no_longer_matter() {
    let f = store().await;
    let old = start(&f.store, "old@example.com", NOW).await;
    let later = NOW + 8 * 24 * 60 * MINUTE;
    let fresh = start(&f.store, "fresh@example.com", later).await;
    let (_, new, message) = request("limited@example.com", later);
    f.store.start_auth_request(new, message, true, vec![limit("live", 5, later)], &actor()).await.unwrap();
    let mut deleted = 0;
    loop {
        let n = f.store.cleanup(later + 1, 2, 90 * DAY).await.unwrap();
        deleted += n;
        if n == 0 {
            break;
        }
    }
    assert!(deleted >= 1);
    assert!(f.store.auth_request(&old.id).await.unwrap().is_none(), "expired request removed");
    assert!(f.store.auth_request(&fresh.id).await.unwrap().is_some(), "live request kept");
    // The key's four other hits of its five: the next start is limited.
    for _ in 0..4 {
        f.store.hit_rate_limits(vec![limit("live", 5, later + 2)]).await.unwrap();
    }
    let (_, new, message) = request("limited@example.com", later + 3);
    assert!(matches!(
        f.store.start_auth_request(new, message, true, vec![limit("live", 5, later + 3)], &actor()).await,
        Err(StoreError::RateLimited { .. })
    ), "a live rate-limit key survives cleanup");
}
}
