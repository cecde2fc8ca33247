//! The hosted pages of accounts and passwords (`/signup`, the password option of `/login`,
//! `/forgot-password`, `/reset-password`, the forms of `/account`, `/account/confirm`):
//! translated, CSRF-protected, with the autocomplete attributes password managers and
//! one-time-code autofill rely on, and link pages that never spend their token.

use serde_json::{Value, json};

use crate::common::html_decoded;
use crate::helpers::{TestApp, csrf_of, new_browser, set_cookies, spawn_app, spawn_app_with};

const LOCALES: [&str; 6] = ["en", "de", "fr", "es", "pt", "nl"];
const PASSWORD: &str = "violet-harbour-trumpet-1987";
const NEW_PASSWORD: &str = "amber-glacier-pocket-2024";

/// `path` with `locale=…` added to its query.
fn localised(path: &str, locale: &str) -> String {
    let joint = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joint}locale={locale}")
}

/// Asserts that `path` renders in every locale with a CSRF token and each of `autocomplete`.
async fn assert_renders(app: &TestApp, client: &reqwest::Client, path: &str, autocomplete: &[&str]) {
    for locale in LOCALES {
        let (status, html) = app.page(client, &localised(path, locale)).await;
        assert_eq!(status, 200, "{path} in {locale}: {html}");
        assert!(html.contains(&format!("<html lang=\"{locale}\">")), "{path} in {locale}");
        assert!(!csrf_of(&html).is_empty(), "{path} in {locale}: a CSRF token");
        for value in autocomplete {
            assert!(html.contains(&format!("autocomplete=\"{value}\"")), "{path} in {locale}: autocomplete={value}");
        }
        // A missing string shows its id; every id is in every catalogue.
        assert!(!html.contains("page-"), "{path} in {locale}: an untranslated string");
    }
}

/// An account with a password, verified by the sign-up code; signed in in `client`.
async fn account_with_password(app: &TestApp, client: &reqwest::Client, email: &str) {
    let r = app.post_json(client, "/v1/signup", &json!({ "email": email, "password": PASSWORD })).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let id = r.json::<Value>().await.unwrap()["auth_request_id"].as_str().unwrap().to_owned();
    let code = app.latest_message(email).await.code();
    assert_eq!(app.verify(client, &id, &code).await.status(), 200);
    // Past the once-a-minute limit per address, for the next message.
    app.clock.advance(std::time::Duration::from_secs(61));
}

/// The reset link's token in the newest message to `email`.
async fn reset_token(app: &TestApp, email: &str, count: usize) -> String {
    let message = app.wait_for_messages(email, count).await.remove(0);
    let link = message.text.split_whitespace().find(|w| w.contains("/reset-password?token=")).expect("a reset link");
    link.split_once("token=").unwrap().1.to_owned()
}

/// Posts `fields` as a form from `client`, with the CSRF token of the page at `page`.
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, html) = app.page(client, page).await;
    let csrf = csrf_of(&html);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    client.post(app.url(action)).form(&form).send().await.unwrap()
}

backend_test! {
async fn every_new_page_renders_in_all_six_locales_with_its_csrf_token_and_autocomplete() {
    let app = spawn_app().await;
    let b = &app.browser;
    assert_renders(&app, b, "/signup", &["email", "tel", "new-password", "name"]).await;
    assert_renders(&app, b, "/login", &["username", "current-password"]).await;
    assert_renders(&app, b, "/forgot-password", &["username"]).await;
    assert_renders(&app, b, "/reset-password?auth_request_id=abc", &["one-time-code", "new-password"]).await;
    assert_renders(&app, b, "/reset-password?token=abc.def", &["new-password"]).await;
    account_with_password(&app, b, "ada@example.com").await;
    assert_renders(&app, b, "/account", &["name", "email", "tel", "current-password", "new-password"]).await;
    assert_renders(&app, b, "/account/confirm?id=abc", &["one-time-code"]).await;
    assert_renders(&app, b, "/account/confirm?token=abc.def", &[]).await;

    // The login page links to the new pages, carrying redirect_to along.
    let (_, login) = app.page(b, "/login?redirect_to=/account").await;
    assert!(login.contains("href=\"/forgot-password\""), "{login}");
    assert!(html_decoded(&login).contains("href=\"/signup?redirect_to=/account\""), "{login}");
}}

backend_test! {
async fn the_reset_link_page_never_spends_the_token() {
    let app = spawn_app().await;
    account_with_password(&app, &app.browser, "ada@example.com").await;
    let r = app.post_json(&new_browser(), "/v1/password/forgot", &json!({ "email": "ada@example.com" })).await;
    assert_eq!(r.status(), 200);
    let token = reset_token(&app, "ada@example.com", 2).await;

    // Opened twice, by a mail scanner and by the person: nothing is spent.
    let visitor = new_browser();
    for _ in 0..2 {
        let r = visitor.get(app.url(&format!("/reset-password?token={token}"))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["referrer-policy"], "no-referrer", "the token must not leak in a Referer");
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("name=\"token\" value=\"{token}\"")), "the token in a hidden field");
        assert!(html.contains("autocomplete=\"new-password\""));
    }
    let r = app.post_json(&visitor, "/v1/password/reset", &json!({ "token": token, "new_password": NEW_PASSWORD })).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = app.post_json(&new_browser(), "/v1/login", &json!({ "email": "ada@example.com", "password": NEW_PASSWORD })).await;
    assert_eq!(r.status(), 200);
}}

backend_test! {
async fn the_identifier_confirmation_page_never_spends_the_token() {
    let app = spawn_app().await;
    account_with_password(&app, &app.browser, "ada@example.com").await;
    let r = post_form(&app, &app.browser, "/account", "/account/identifier", &[("email", "lovelace@example.com")]).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/account/confirm?id="));
    let message = app.latest_message("lovelace@example.com").await;
    let link = message.text.split_whitespace().find(|w| w.contains("/account/confirm?token=")).expect("a link");
    let path = &link[link.find("/account/confirm").unwrap()..];
    for _ in 0..2 {
        let r = app.browser.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    }
    // Without a session the page asks to sign in, and the token goes nowhere.
    let r = new_browser().get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let token = path.split_once("token=").unwrap().1;
    assert!(!r.text().await.unwrap().contains(token));

    let r = post_form(&app, &app.browser, path, "/account/confirm", &[("token", token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account?done=identifier");
    let account: Value = app.browser.get(app.url("/v1/account")).send().await.unwrap().json().await.unwrap();
    assert_eq!(account["email"], "lovelace@example.com");
}}

backend_test! {
async fn a_form_post_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    account_with_password(&app, &app.browser, "ada@example.com").await;
    // The browser holds a CSRF cookie (from a page) and a session, but the forms below
    // carry no token: each is refused and changes nothing.
    let _ = app.page(&app.browser, "/account").await;
    let posts: [(&str, &[(&str, &str)]); 9] = [
        ("/signup", &[("email", "grace@example.com"), ("password", PASSWORD)]),
        ("/login/password", &[("identifier", "ada@example.com"), ("password", PASSWORD)]),
        ("/forgot-password", &[("identifier", "ada@example.com")]),
        ("/reset-password", &[("token", "abc.def"), ("new_password", NEW_PASSWORD)]),
        ("/account/profile", &[("name", "Mallory")]),
        ("/account/password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)]),
        ("/account/identifier", &[("email", "mallory@example.com")]),
        ("/account/confirm", &[("auth_request_id", "abc"), ("code", "123456")]),
        ("/account/delete", &[("confirm", "yes"), ("current_password", PASSWORD)]),
    ];
    for (action, fields) in posts {
        let r = app.browser.post(app.url(action)).form(fields).send().await.unwrap();
        assert_eq!(r.status(), 403, "{action}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{action}: a page");
        // A token of another browser is refused as well.
        let (_, other) = app.page(&new_browser(), "/login").await;
        let mut forged = vec![("csrf", csrf_of(&other))];
        forged.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        let r = app.browser.post(app.url(action)).form(&forged).send().await.unwrap();
        assert_eq!(r.status(), 403, "{action} with another browser's token");
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(app.inbox("grace@example.com").await.is_empty());
    assert!(app.inbox("mallory@example.com").await.is_empty());
    assert_eq!(app.inbox("ada@example.com").await.len(), 1, "only the sign-up verification");
    let account: Value = app.browser.get(app.url("/v1/account")).send().await.unwrap().json().await.unwrap();
    assert_eq!(account["email"], "ada@example.com");
    assert!(account["name"].is_null());
    let r = app.post_json(&new_browser(), "/v1/login", &json!({ "email": "ada@example.com", "password": PASSWORD })).await;
    assert_eq!(r.status(), 200, "the password did not change");
}}

backend_test! {
async fn forgot_and_reset_by_code_through_the_forms_then_log_in_with_the_new_password() {
    let app = spawn_app().await;
    account_with_password(&app, &app.browser, "ada@example.com").await;
    let r = post_form(&app, &app.browser, "/forgot-password", "/forgot-password", &[("identifier", "ada@example.com")]).await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/reset-password?auth_request_id="), "{to}");
    // An address without an account gets the same answer.
    let other = new_browser();
    let r = post_form(&app, &other, "/forgot-password", "/forgot-password", &[("identifier", "nobody@example.com")]).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/reset-password?auth_request_id="));

    let id = to.split_once("auth_request_id=").unwrap().1.to_owned();
    let code = app.wait_for_messages("ada@example.com", 2).await.remove(0).code();
    let weak = post_form(&app, &app.browser, &to, "/reset-password", &[("auth_request_id", &id), ("code", &code), ("new_password", "password")]).await;
    assert_eq!(weak.status(), 400, "a weak password shows the form again");
    assert!(weak.text().await.unwrap().contains(&format!("name=\"auth_request_id\" value=\"{id}\"")));
    let wrong = crate::helpers::wrong_code(&code);
    let r = post_form(&app, &app.browser, &to, "/reset-password", &[("auth_request_id", &id), ("code", &wrong), ("new_password", NEW_PASSWORD)]).await;
    assert_eq!(r.status(), 400, "a wrong code shows the form again");
    let html = r.text().await.unwrap();
    assert!(html.contains("attempts left") && html.contains("autocomplete=\"one-time-code\""), "{html}");
    let r = post_form(&app, &app.browser, &to, "/reset-password", &[("auth_request_id", &id), ("code", &code), ("new_password", NEW_PASSWORD)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?done=reset");
    assert!(set_cookies(&r).iter().any(|c| c.starts_with("postern_session=;")), "this browser's session cookie goes");
    assert_eq!(app.session(&app.browser).await.status(), 401);

    let r = post_form(&app, &app.browser, "/login", "/login/password", &[("identifier", "ada@example.com"), ("password", PASSWORD), ("redirect_to", "")]).await;
    assert_eq!(r.status(), 401, "the old password");
    assert!(r.text().await.unwrap().contains("is not right"));
    let r = post_form(&app, &app.browser, "/login", "/login/password", &[("identifier", "ada@example.com"), ("password", NEW_PASSWORD), ("redirect_to", "/account")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account");
    assert_eq!(app.session(&app.browser).await.status(), 200);
}}

backend_test! {
async fn the_account_forms_change_the_profile_and_password_and_delete_the_account() {
    let app = spawn_app().await;
    account_with_password(&app, &app.browser, "ada@example.com").await;
    let fields = [("name", "Ada Lovelace"), ("preferred_channel", "email"), ("locale", "fr")];
    let r = post_form(&app, &app.browser, "/account", "/account/profile", &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account?done=profile");
    let account: Value = app.browser.get(app.url("/v1/account")).send().await.unwrap().json().await.unwrap();
    assert_eq!((account["name"].as_str(), account["locale"].as_str()), (Some("Ada Lovelace"), Some("fr")));

    // Long after signing in, a sensitive change needs the current password.
    app.clock.advance(std::time::Duration::from_secs(11 * 60));
    let change = [("current_password", ""), ("new_password", NEW_PASSWORD)];
    let r = post_form(&app, &app.browser, "/account", "/account/password", &change).await;
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"password-error\"") && html.contains("current password is not right"), "{html}");
    let weak = [("current_password", PASSWORD), ("new_password", "password")];
    let r = post_form(&app, &app.browser, "/account", "/account/password", &weak).await;
    assert_eq!(r.status(), 400, "a weak new password");
    let change = [("current_password", PASSWORD), ("new_password", NEW_PASSWORD)];
    let r = post_form(&app, &app.browser, "/account", "/account/password", &change).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account?done=password");
    assert_eq!(app.session(&app.browser).await.status(), 200, "this session stays");

    // Deletion: the box ticked and the (new) current password.
    let r = post_form(&app, &app.browser, "/account", "/account/delete", &[("current_password", NEW_PASSWORD)]).await;
    assert_eq!(r.status(), 400, "the box is not ticked");
    assert!(r.text().await.unwrap().contains("id=\"delete-error\""));
    let r = post_form(&app, &app.browser, "/account", "/account/delete", &[("confirm", "yes"), ("current_password", NEW_PASSWORD)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?done=deleted");
    assert!(set_cookies(&r).iter().any(|c| c.starts_with("postern_session=;")));
    assert_eq!(app.session(&app.browser).await.status(), 401);
    let r = app.post_json(&new_browser(), "/v1/login", &json!({ "email": "ada@example.com", "password": NEW_PASSWORD })).await;
    assert_eq!(r.status(), 401, "the account is gone");
}}

backend_test! {
async fn with_sign_up_closed_the_pages_do_not_offer_it() {
    let app = spawn_app_with(|s| s.signup = postern::config::SignupPolicy::Closed).await;
    let (_, login) = app.page(&app.browser, "/login").await;
    assert!(!login.contains("href=\"/signup"), "no link to a closed sign-up");
    assert!(login.contains("href=\"/forgot-password\""));
    let (status, html) = app.page(&app.browser, "/signup").await;
    assert_eq!(status, 404);
    assert!(html.contains("Sign-up is closed"), "{html}");
    let r = post_form(&app, &app.browser, "/login", "/signup", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), 400);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(app.inbox("ada@example.com").await.is_empty());
}}
