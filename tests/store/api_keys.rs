//! `ApiKeyStore`: keys created, found by prefix while live, listed, revoked by name.

use postern::crypto;
use postern::store::NewApiKey;

use crate::{NOW, actor, store};

fn key(name: &str, prefix: &str) -> NewApiKey {
    NewApiKey {
        id: crypto::new_id(),
        name: name.into(),
        prefix: prefix.into(),
        secret_hash: crypto::sha256(prefix.as_bytes()),
        scopes: "users:read".into(),
        created_at: NOW,
    }
}

backend_test! {
async fn a_key_is_found_while_live_and_its_name_is_free_again_once_revoked() {
    let f = store().await;
    assert!(f.store.create_api_key(key("ops", "aaaaaaaaaaaa"), &actor()).await.unwrap());
    assert!(!f.store.create_api_key(key("ops", "bbbbbbbbbbbb"), &actor()).await.unwrap(), "a live name is taken");
    let found = f.store.api_key("aaaaaaaaaaaa").await.unwrap().expect("live");
    assert_eq!((found.name.as_str(), found.last_used_at), ("ops", None));
    f.store.touch_api_key(&found.id, NOW + 5).await.unwrap();
    assert_eq!(f.store.api_key("aaaaaaaaaaaa").await.unwrap().unwrap().last_used_at, Some(NOW + 5));
    assert!(f.store.revoke_api_key("ops", NOW + 6, &actor()).await.unwrap());
    assert!(!f.store.revoke_api_key("ops", NOW + 7, &actor()).await.unwrap());
    assert!(f.store.api_key("aaaaaaaaaaaa").await.unwrap().is_none(), "a revoked key is not found");
    assert!(f.store.create_api_key(key("ops", "cccccccccccc"), &actor()).await.unwrap());
    let listed = f.store.list_api_keys().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|k| k.revoked_at.is_some()).count(), 1);
}
}
