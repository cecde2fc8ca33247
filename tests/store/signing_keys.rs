//! `SigningKeyStore`: one active key, rotation by rule (first start, schedule, operator),
//! one winner among concurrent rotations, retired keys published until their tokens
//! expired, then cleaned up.

use postern::store::{Rotate, SigningKey};

use crate::{DAY, MINUTE, NOW, actor, rows, store};

fn key(kid: &str, now: i64) -> SigningKey {
    SigningKey {
        kid: kid.into(),
        algorithm: "EdDSA".into(),
        sealed_private_key: vec![1, 2, 3],
        public_key: vec![4; 32],
        created_at: now,
        retired_at: None,
        expires_at: None,
    }
}

const KEEP: i64 = 17 * MINUTE;

backend_test! {
async fn keys_rotate_by_rule_and_stay_published_until_their_tokens_expired() {
    let f = store().await;
    let s = &f.store;
    assert!(s.rotate_signing_key(key("a", NOW), Rotate::IfNone, KEEP, &actor()).await.unwrap());
    assert!(!s.rotate_signing_key(key("b", NOW + 1), Rotate::IfNone, KEEP, &actor()).await.unwrap(), "one first key");
    let not_due = Rotate::IfOlderThan(NOW - 1);
    assert!(!s.rotate_signing_key(key("b", NOW + 2), not_due, KEEP, &actor()).await.unwrap());
    let due = Rotate::IfOlderThan(NOW + 10);
    assert!(s.rotate_signing_key(key("b", NOW + 20), due, KEEP, &actor()).await.unwrap());
    let keys = s.signing_keys(NOW + 21).await.unwrap();
    let kids: Vec<&str> = keys.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, vec!["b", "a"], "newest first, the retired one still published");
    assert_eq!(keys[0].retired_at, None);
    assert_eq!((keys[1].retired_at, keys[1].expires_at), (Some(NOW + 20), Some(NOW + 20 + KEEP)));
    assert_eq!(keys[0].sealed_private_key, vec![1, 2, 3]);
    assert!(s.rotate_signing_key(key("c", NOW + 30), Rotate::Now, KEEP, &actor()).await.unwrap());
    let later = s.signing_keys(NOW + 20 + KEEP + 1).await.unwrap();
    assert_eq!(later.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(), vec!["c", "b"], "a left the JWKS");
    while s.cleanup(NOW + 20 + KEEP + 1, 10, 90 * DAY).await.unwrap() > 0 {}
    assert_eq!(rows(&f, "SELECT COUNT(*) FROM signing_keys").await, 2, "an expired key is deleted");
    assert_eq!(rows(&f, "SELECT COUNT(*) FROM audit_events WHERE type = 'signing_key.rotated'").await, 3);
}
}

backend_test! {
async fn of_concurrent_scheduled_rotations_one_wins() {
    let f = store().await;
    f.store.rotate_signing_key(key("first", NOW), Rotate::IfNone, KEEP, &actor()).await.unwrap();
    let due = Rotate::IfOlderThan(NOW + DAY);
    let attempts = (0..6).map(|i| {
        let store = f.store.clone();
        tokio::spawn(async move {
            store.rotate_signing_key(key(&format!("k{i}"), NOW + DAY + 1), due, KEEP, &actor()).await.unwrap()
        })
    });
    let mut won = 0;
    for a in attempts {
        won += usize::from(a.await.unwrap());
    }
    assert_eq!(won, 1);
    assert_eq!(rows(&f, "SELECT COUNT(*) FROM signing_keys WHERE retired_at IS NULL").await, 1);
}
}
