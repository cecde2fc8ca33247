//! Languages and theme: messages in the request's or the browser's language, hosted pages
//! in the browser's language, the operator's theme on pages and emails, and template
//! overrides checked by `postern config check`.

use std::process::Command;

use serde_json::json;

use crate::common::html_decoded;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Starts a sign-in for ada@example.com from a browser that speaks `accept_language`.
async fn start_from(app: &TestApp, accept_language: &str) -> reqwest::Response {
    let start = app.browser.post(app.url("/v1/passwordless/start")).header("accept-language", accept_language);
    start.json(&json!({ "email": "ada@example.com" })).send().await.unwrap()
}

backend_test! {
async fn a_sign_in_started_with_locale_de_sends_a_german_message() {
    let app = spawn_app().await;
    let r = app.post_json(&app.browser, "/v1/passwordless/start", &json!({ "email": "ada@example.com", "locale": "de" })).await;
    assert_eq!(r.status(), 200);
    let m = app.latest_message("ada@example.com").await;
    let code = m.code();
    assert_eq!(m.subject, format!("Ihr Anmeldecode für Postern: {code}"));
    assert!(m.text.contains("laufen in 10 Minuten ab"), "{}", m.text);
    let html = m.html_decoded();
    assert!(html.contains("lang=\"de\"") && html.contains("Bei Postern anmelden"), "the HTML part is German too");
    assert!(html.contains(&m.link()) && html.contains(&code), "with the same link and code");
}}

backend_test! {
async fn a_resent_message_keeps_the_language_the_sign_in_named() {
    let app = spawn_app().await;
    let r = app.post_json(&app.browser, "/v1/passwordless/start", &json!({ "email": "ada@example.com", "locale": "de" })).await;
    let id = r.json::<serde_json::Value>().await.unwrap()["auth_request_id"].as_str().unwrap().to_owned();
    app.latest_message("ada@example.com").await;
    app.clock.advance(std::time::Duration::from_secs(61));
    // The resend comes from a client without Accept-Language (a server, say).
    assert_eq!(app.resend(&app.browser, &id).await.status(), 200);
    let resent = app.wait_for_messages("ada@example.com", 2).await.remove(0);
    assert!(resent.subject.starts_with("Ihr Anmeldecode für Postern"), "{}", resent.subject);
}}

backend_test! {
async fn an_account_keeps_the_language_it_signed_in_with() {
    let app = spawn_app().await;
    let r = app.post_json(&app.browser, "/v1/passwordless/start", &json!({ "email": "ada@example.com", "locale": "es" })).await;
    let id = r.json::<serde_json::Value>().await.unwrap()["auth_request_id"].as_str().unwrap().to_owned();
    let code = app.latest_message("ada@example.com").await.code();
    assert_eq!(app.verify(&app.browser, &id, &code).await.status(), 200);
    // A later sign-in without a locale, from a French browser: the account's Spanish wins.
    app.clock.advance(std::time::Duration::from_secs(61));
    let r = start_from(&app, "fr").await;
    assert_eq!(r.status(), 200);
    let later = app.wait_for_messages("ada@example.com", 2).await.remove(0);
    assert!(later.subject.starts_with("Tu código para iniciar sesión en Postern"), "{}", later.subject);
}}

backend_test! {
async fn without_a_locale_the_message_follows_the_browsers_accept_language() {
    let app = spawn_app().await;
    let r = start_from(&app, "fr-CH, fr;q=0.9, en;q=0.5").await;
    assert_eq!(r.status(), 200);
    let m = app.latest_message("ada@example.com").await;
    assert!(m.subject.starts_with("Votre code de connexion à Postern"), "{}", m.subject);
    assert!(m.text.contains("expirent dans 10 minutes"), "{}", m.text);
}}

backend_test! {
async fn an_unsupported_browser_language_gets_the_default_locale() {
    let app = spawn_app_with(|s| s.default_locale = "nl".to_owned()).await;
    let r = start_from(&app, "ja").await;
    assert_eq!(r.status(), 200);
    let m = app.latest_message("ada@example.com").await;
    assert!(m.subject.starts_with("Je inlogcode voor Postern"), "{}", m.subject);
    let (_, login) = app.page(&app.browser, "/login").await;
    assert!(login.contains("<html lang=\"nl\">"), "the pages follow the default locale too");
}}

backend_test! {
async fn the_login_page_speaks_the_browsers_language_unless_the_query_names_one() {
    let app = spawn_app().await;
    let r = app.browser.get(app.url("/login")).header("accept-language", "de-DE,de;q=0.9").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\">"), "lang attribute");
    assert!(html.contains("<h1>Anmelden</h1>") && html.contains("E-Mail-Adresse oder Telefonnummer"), "{html}");
    assert!(html.contains(">Weiter</button>"));
    assert!(!html.contains("Email address or phone number"), "no English left");

    let r = app.browser.get(app.url("/login?locale=es")).header("accept-language", "de").send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"es\">") && html.contains("Iniciar sesión"), "?locale= wins");
    assert!(html_decoded(&html).contains("action=\"/login?locale=es\""), "and is carried to the form");

    let (_, html) = app.page(&app.browser, "/login?locale=xx").await;
    assert!(html.contains("<html lang=\"en\">") && html.contains("Email address or phone number"));
}}

backend_test! {
async fn a_sign_in_from_a_page_in_a_chosen_language_stays_in_that_language() {
    let app = spawn_app().await;
    let (_, login) = app.page(&app.browser, "/login?locale=pt").await;
    let csrf = crate::helpers::csrf_of(&login);
    let r = app
        .browser
        .post(app.url("/login?locale=pt"))
        .form(&[("csrf", csrf.as_str()), ("identifier", "ada@example.com"), ("redirect_to", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/login/code?id=") && to.ends_with("&locale=pt"), "{to}");
    let m = app.latest_message("ada@example.com").await;
    assert!(m.subject.starts_with("Seu código de acesso ao Postern"), "{}", m.subject);
    let (_, code_page) = app.page(&app.browser, &to).await;
    assert!(code_page.contains("<html lang=\"pt\">") && code_page.contains("Confira sua caixa de entrada"));

    // A wrong code: the error on the page is in the page's language.
    let csrf = crate::helpers::csrf_of(&code_page);
    let id = to.split_once("id=").unwrap().1.split('&').next().unwrap().to_owned();
    let wrong = crate::helpers::wrong_code(&m.code());
    let r = app
        .browser
        .post(app.url("/login/code?locale=pt"))
        .form(&[("csrf", csrf.as_str()), ("auth_request_id", id.as_str()), ("code", wrong.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("Esse código não está certo. Restam 4 tentativas."), "{html}");
}}

backend_test! {
async fn the_theme_colours_are_served_as_css_custom_properties() {
    let app = spawn_app_with(|s| {
        s.theme.brand_color = "#ff6600".to_owned();
        s.theme.button_text_color = "#111".to_owned();
    })
    .await;
    let r = app.browser.get(app.url("/assets/theme.css")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    let css = r.text().await.unwrap();
    assert!(css.contains("--brand: #ff6600;") && css.contains("--button-text: #111;"), "{css}");
    let app_css = app.browser.get(app.url("/assets/app.css")).send().await.unwrap().text().await.unwrap();
    assert!(app_css.contains("background: var(--brand)") && app_css.contains("color: var(--button-text)"));
    let (_, login) = app.page(&app.browser, "/login").await;
    assert!(html_decoded(&login).contains("<link rel=\"stylesheet\" href=\"/assets/theme.css\">"));
}}

backend_test! {
async fn the_logo_is_on_the_pages_and_in_the_email_and_allowed_by_the_csp() {
    let app = spawn_app_with(|s| {
        s.theme.logo_url = Some("https://cdn.example.com/brand/logo.png".to_owned());
        s.theme.support_email = Some("help@example.com".to_owned());
    })
    .await;
    let r = app.browser.get(app.url("/login")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("img-src 'self' data: https://cdn.example.com;"), "{csp}");
    let html = html_decoded(&r.text().await.unwrap());
    assert!(html.contains("<img class=\"logo\" src=\"https://cdn.example.com/brand/logo.png\" alt=\"Postern\">"), "{html}");

    app.start_ok(&app.browser, "ada@example.com").await;
    let m = app.latest_message("ada@example.com").await;
    let html = m.html_decoded();
    assert!(html.contains("src=\"https://cdn.example.com/brand/logo.png\""), "the logo in the email");
    assert!(html.contains("mailto:help@example.com"), "the support address in the footer");
    assert!(m.text.contains("Questions? Write to help@example.com."), "{}", m.text);
}}

backend_test! {
async fn without_a_logo_the_csp_admits_no_foreign_image() {
    let app = spawn_app().await;
    let r = app.browser.get(app.url("/login")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    assert!(!r.text().await.unwrap().contains("<img"), "no logo configured, none shown");
}}

backend_test! {
async fn a_template_override_is_used_for_its_locale() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("email")).unwrap();
    std::fs::write(dir.path().join("email/sign_in.de.txt"), "Hallo von {{ app_name }}! {{ code }}\n{{ link }}\n").unwrap();
    let templates_dir = dir.path().to_owned();
    let app = spawn_app_with(move |s| s.templates_dir = Some(templates_dir)).await;
    app.post_json(&app.browser, "/v1/passwordless/start", &json!({ "email": "de@example.com", "locale": "de" })).await;
    app.post_json(&app.browser, "/v1/passwordless/start", &json!({ "email": "en@example.com", "locale": "en" })).await;
    let de = app.latest_message("de@example.com").await;
    let en = app.latest_message("en@example.com").await;
    assert!(de.text.starts_with("Hallo von Postern! "), "{}", de.text);
    assert!(de.text.contains(&de.link()));
    assert!(en.text.starts_with("Sign in to Postern"), "{}", en.text);
}}

fn config_check(templates_dir: &std::path::Path) -> std::process::Output {
    let work = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_postern"))
        .args(["config", "check"])
        .current_dir(work.path())
        .env_remove("POSTERN_CONFIG")
        .env("POSTERN_DATABASE_URL", format!("sqlite://{}/p.db", work.path().display()))
        .env("POSTERN_TEMPLATES_DIR", templates_dir)
        .output()
        .unwrap()
}

#[test]
fn config_check_fails_on_a_broken_override_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("email")).unwrap();
    std::fs::write(dir.path().join("email/sign_in.subject.txt"), "{{ app_name }}: {{ code }}").unwrap();
    let ok = config_check(dir.path());
    assert!(ok.status.success(), "a good override passes: {}", String::from_utf8_lossy(&ok.stderr));

    let broken = dir.path().join("email/reset_link.fr.txt");
    std::fs::write(&broken, "Bonjour\n{% if link %}\n{{ link }\n").unwrap();
    let out = config_check(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a broken override fails the check");
    assert!(stderr.contains(&format!("{}:3", broken.display())), "file and line: {stderr}");
}
