#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use super::*;
use crate::delivery::message::render;
use crate::domain::Channel;
use crate::messages::{Payload, samples};

/// Attribute-decoding of `&amp;` alone: every other character of a URL is written as is.
fn decoded(html: &str) -> String {
    html.replace("&amp;", "&")
}

fn payload_json(p: &Payload) -> String {
    serde_json::to_string(p).unwrap()
}

fn with(configure: impl FnOnce(&mut Settings)) -> anyhow::Result<Templates> {
    let mut settings = Settings::default();
    configure(&mut settings);
    Templates::load(&settings)
}

fn write(dir: &Path, name: &str, source: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, source).unwrap();
}

#[test]
fn every_built_in_template_compiles() {
    Templates::built_in().unwrap().compile_built_ins().unwrap();
}

/// Issue 15: a text message costs one segment — 160 GSM-7 characters, or 70 UTF-16 units
/// when a character needs UCS-2 — for every kind, in every locale, by default; with
/// `delivery.sms.include_link` it carries the link (and may take more).
#[test]
fn every_text_message_fits_one_segment_in_every_locale() {
    use crate::delivery::sms::segments::{measure, segments};
    let templates = Templates::built_in().unwrap();
    let with_links = with(|s| s.delivery.sms.include_link = true).unwrap();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for kind in KINDS {
        for locale in LOCALES {
            for p in samples(kind) {
                let sms = render(&templates, Channel::Sms, kind, locale, &payload_json(&p)).unwrap().text;
                let (encoding, len) = measure(&sms);
                report.push(format!("{kind:>18} {locale} {encoding:?} {len:>3}"));
                if segments(&sms) != 1 {
                    failures.push(format!("{kind} in {locale} ({encoding:?}, {len}): {sms}"));
                }
                if let Some(link) = &p.link {
                    let linked = render(&with_links, Channel::Sms, kind, locale, &payload_json(&p)).unwrap().text;
                    assert!(linked.contains(link.as_str()), "{kind} in {locale}: include_link puts the link in");
                }
            }
        }
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "more than one segment:\n{}", failures.join("\n"));
}

#[test]
fn every_kind_renders_in_every_locale_by_email_and_sms_with_the_same_link_and_code() {
    let templates = Templates::built_in().unwrap();
    for kind in KINDS {
        for locale in LOCALES {
            for p in samples(kind) {
                let at = format!("{kind} in {locale} with {p:?}");
                let email = render(&templates, Channel::Email, kind, locale, &payload_json(&p)).unwrap();
                let sms = render(&templates, Channel::Sms, kind, locale, &payload_json(&p)).unwrap();
                let html = decoded(email.html.as_deref().unwrap());
                assert!(
                    !email.subject.is_empty() && !email.subject.contains('\n'),
                    "{at}: subject {:?}",
                    email.subject
                );
                assert!(html.contains(&format!("lang=\"{locale}\"")), "{at}: the HTML says its language");
                for (part, text) in
                    [("subject", &email.subject), ("text", &email.text), ("html", &html), ("sms", &sms.text)]
                {
                    for leftover in ["{{", "{%", "}}", "%}", "Unknown localization", "\u{2068}", "\u{E000}"] {
                        assert!(!text.contains(leftover), "{at}: {part} contains {leftover:?}: {text}");
                    }
                }
                if let Some(link) = &p.link {
                    assert!(email.text.split_whitespace().any(|w| w == link), "{at}: the text has the link");
                    assert!(html.contains(&format!("href=\"{link}\"")), "{at}: the HTML links it");
                    assert!(!sms.text.contains(link.as_str()), "{at}: no link in a text by default");
                }
                if let Some(code) = &p.code {
                    assert!(email.text.contains(code.as_str()), "{at}: the text has the code");
                    assert!(html.contains(code.as_str()), "{at}: the HTML has the code");
                    assert!(
                        sms.text.ends_with(&format!("@auth.example.com #{code}")),
                        "{at}: WebOTP line: {}",
                        sms.text
                    );
                }
                if p.code.is_none() {
                    assert!(!email.text.contains("123456") && !html.contains("123456"), "{at}: no code");
                }
            }
        }
    }
}

#[test]
fn the_sign_in_message_is_really_translated() {
    let templates = Templates::built_in().unwrap();
    let p = payload_json(&samples("sign_in")[0]);
    let en = render(&templates, Channel::Email, "sign_in", "en", &p).unwrap();
    let de = render(&templates, Channel::Email, "sign_in", "de", &p).unwrap();
    assert_eq!(en.subject, "Your sign-in code for Postern: 123456");
    assert_eq!(de.subject, "Ihr Anmeldecode für Postern: 123456");
    assert!(en.text.contains("expire in 10 minutes") && en.text.contains("If this wasn't you"), "{}", en.text);
    assert!(de.text.contains("10 Minuten"), "{}", de.text);
    assert!(de.html.unwrap().contains("Bei Postern anmelden"));
    let sms = render(&templates, Channel::Sms, "sign_in", "fr", &p).unwrap();
    assert!(sms.text.starts_with("123456 est votre code de connexion à Postern."), "{}", sms.text);
}

/// Everything login.html reads besides `locale`, `locale_query` and `csrf`, with an
/// empty form.
fn login_ctx(identifier: &str, redirect_to: &str, error: Option<&str>) -> minijinja::Value {
    minijinja::context! {
        identifier, redirect_to, error, password_identifier => "", password_error => None::<String>,
        notice => None::<String>, signup_href => "/signup", signup_open => true,
    }
}

#[test]
fn the_app_name_stays_text_in_html_and_is_not_escaped_in_plain_text() {
    let templates = with(|s| s.app_name = "<script>alert(1)</script>".to_owned()).unwrap();
    let p = payload_json(&samples("sign_in")[0]);
    let email = render(&templates, Channel::Email, "sign_in", "en", &p).unwrap();
    let html = email.html.unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(email.subject.contains("<script>alert(1)</script>"), "a subject is text, not HTML");
    let ctx = minijinja::context! { locale => "en", csrf => "x", locale_query => "", ..login_ctx("", "", None) };
    let page = templates.render("login.html", ctx).unwrap();
    assert!(!page.contains("<script>alert") && page.contains("&lt;script&gt;"));
}

#[test]
fn the_theme_reaches_the_email() {
    let templates = with(|s| {
        s.theme.logo_url = Some("https://cdn.example.com/logo.png".to_owned());
        s.theme.brand_color = "#ff6600".to_owned();
        s.theme.button_text_color = "#000".to_owned();
        s.theme.support_email = Some("help@example.com".to_owned());
    })
    .unwrap();
    let p = payload_json(&samples("sign_in")[0]);
    let email = render(&templates, Channel::Email, "sign_in", "en", &p).unwrap();
    let html = decoded(email.html.as_deref().unwrap());
    assert!(html.contains("src=\"https://cdn.example.com/logo.png\""), "the logo");
    assert!(html.contains("#ff6600") && html.contains("color:#000"), "the button colours");
    assert!(html.contains("mailto:help@example.com"), "the support address");
    assert!(email.text.contains("Questions? Write to help@example.com."), "{}", email.text);
    assert!(templates.theme_css().contains("--brand: #ff6600;"));
    let plain = Templates::built_in().unwrap();
    let html = render(&plain, Channel::Email, "sign_in", "en", &p).unwrap().html.unwrap();
    assert!(!html.contains("<img"), "no logo configured, no image");
}

#[test]
fn a_locale_override_is_used_for_its_locale_only() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "email/sign_in.de.txt", "Hallo! Code {{ code }}, Link {{ link }}\n");
    write(dir.path(), "email/sign_in.subject.txt", "{{ app_name }} code {{ code }}");
    write(dir.path(), "sms/sign_in.nl.txt", "{{ code }} @{{ origin_host }} #{{ code }}");
    let templates = with(|s| s.templates_dir = Some(dir.path().to_owned())).unwrap();
    let p = payload_json(&samples("sign_in")[0]);
    let de = render(&templates, Channel::Email, "sign_in", "de", &p).unwrap();
    let en = render(&templates, Channel::Email, "sign_in", "en", &p).unwrap();
    assert!(de.text.starts_with("Hallo! Code 123456"), "{}", de.text);
    assert!(!en.text.contains("Hallo"), "English keeps the built-in text");
    assert!(en.text.contains("If this wasn't you"));
    assert_eq!(de.subject, "Postern code 123456", "the kind override applies to every locale");
    assert_eq!(en.subject, "Postern code 123456");
    assert!(de.html.unwrap().contains("Bei Postern anmelden"), "the built-in HTML stays");
    let nl = render(&templates, Channel::Sms, "sign_in", "nl", &p).unwrap();
    assert_eq!(nl.text, "123456 @auth.example.com #123456");
}

#[test]
fn mjml_overrides_compile_as_content_of_the_layout_or_as_whole_documents() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "email/sign_in.mjml",
        "<mj-text mj-class=\"heading\">Welcome back to {{ app_name }}</mj-text>\n\
         <mj-button href=\"{{ link }}\" background-color=\"{{ theme.brand_color }}\">{{ code }}</mj-button>\n",
    );
    write(
        dir.path(),
        "email/reset_code.fr.mjml",
        "<mjml lang=\"{{ locale }}\"><mj-body><mj-section><mj-column>\n<mj-text>Code : {{ code }}</mj-text>\n</mj-column></mj-section></mj-body></mjml>\n",
    );
    let templates = with(|s| s.templates_dir = Some(dir.path().to_owned())).unwrap();
    let p = payload_json(&samples("sign_in")[0]);
    let html = decoded(&render(&templates, Channel::Email, "sign_in", "es", &p).unwrap().html.unwrap());
    assert!(html.contains("Welcome back to Postern") && html.contains("href=\"https://auth.example.com/login/link"));
    assert!(html.contains("Este es un mensaje automático de Postern."), "the layout's footer, in Spanish");
    let p = payload_json(&samples("reset_code")[0]);
    let html = render(&templates, Channel::Email, "reset_code", "fr", &p).unwrap().html.unwrap();
    assert!(html.contains("Code : 123456") && !html.contains("automatique"), "a whole document has no layout");
}

fn load_error(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, source) in files {
        write(dir.path(), name, source);
    }
    let e = with(|s| s.templates_dir = Some(dir.path().to_owned())).err().expect("the override is refused");
    let message = format!("{e:#}");
    let first = files[0].0;
    assert!(message.contains(&dir.path().join(first).display().to_string()), "{message} names {first}");
    message
}

#[test]
fn a_broken_override_fails_the_load_with_its_file_and_line() {
    let m = load_error(&[("email/sign_in.txt", "line one\nline two\n{{ code \n")]);
    assert!(m.contains("sign_in.txt:3"), "syntax error on line 3: {m}");
    let m = load_error(&[("email/sign_in.de.subject.txt", "Code\n{{ cdoe }}")]);
    assert!(m.contains("sign_in.de.subject.txt:2") && m.contains("undefined"), "undefined variable: {m}");
    let m = load_error(&[("sms/reset_code.txt", "{{ t('no-such-message') }}")]);
    assert!(m.contains("reset_code.txt:1") && m.contains("no-such-message"), "unknown message id: {m}");
    let m = load_error(&[(
        "email/verification.mjml",
        "<mj-text>ok</mj-text>\n<mj-text>\n<mj-button href=\"x\" \"y\">b</mj-button>",
    )]);
    assert!(m.contains("verification.mjml:3") && m.contains("MJML"), "MJML error: {m}");
    let m = load_error(&[("email/verification.mjml", "<mj-text>\n{{ nope }}</mj-text>")]);
    assert!(m.contains("verification.mjml:2") && m.contains("undefined"), "undefined in MJML: {m}");
    let m = load_error(&[("email/sigin_in.txt", "typo")]);
    assert!(m.contains("unknown template file"), "typo protection: {m}");
    let m = load_error(&[("email/sign_in.html", "<p>{{ code }}</p>"), ("email/sign_in.mjml", "<mj-text>x</mj-text>")]);
    assert!(m.contains("same template"), "{m}");
}

#[test]
fn a_message_renders_well_under_a_millisecond() {
    let templates = Templates::built_in().unwrap();
    let p = payload_json(&samples("sign_in")[0]);
    render(&templates, Channel::Email, "sign_in", "de", &p).unwrap();
    let rounds = 200;
    let started = Instant::now();
    for _ in 0..rounds {
        render(&templates, Channel::Email, "sign_in", "de", &p).unwrap();
    }
    let each = started.elapsed() / rounds;
    eprintln!("one sign-in email (subject, text, HTML) renders in {each:?}");
    // Unoptimised test builds are several times slower than release; the bound is for them.
    let bound = if cfg!(debug_assertions) { 5_000 } else { 1_000 };
    assert!(each.as_micros() < bound, "{each:?} per message");
}

/// The ids every built-in template passes to `t('…')`.
fn ids_used_by_built_in_templates() -> Vec<String> {
    let sources = PAGES
        .iter()
        .chain(MESSAGES)
        .map(|(_, source)| *source)
        .chain(EMAIL_CONTENT.iter().map(|(_, source)| *source))
        .chain([EMAIL_LAYOUT]);
    let mut ids = Vec::new();
    for source in sources {
        for (at, _) in source.match_indices("t('") {
            let rest = &source[at + 3..];
            let id = &rest[..rest.find('\'').unwrap()];
            ids.push(id.to_owned());
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn every_id_a_built_in_template_uses_is_in_the_english_catalogue() {
    let ids = ids_used_by_built_in_templates();
    assert!(ids.len() > 80, "the scan finds the ids: {ids:?}");
    let english = include_str!("../../locales/en/postern.ftl");
    for id in ids {
        assert!(english.lines().any(|l| l.starts_with(&format!("{id} ="))), "{id} is not in locales/en/postern.ftl");
    }
}

#[test]
fn every_page_renders_in_every_locale() {
    let templates = Templates::built_in().unwrap();
    let session = minijinja::context! {
        id => "s1", device => "Firefox on Linux", ip => "127.0.0.1", current => false,
        created_at => "2026-01-01T00:00:00Z", last_seen_at => "2026-01-02T00:00:00Z",
    };
    let message = minijinja::context! {
        id => "7", channel => "email", kind => "sign_in", to => "ada@example.com", subject => "Hi", preview => "Body",
        created_at => "2026-01-01T00:00:00Z",
    };
    let pages = [
        ("login.html", minijinja::context! { csrf => "c", ..login_ctx("", "", Some("Bad")) }),
        (
            "signup.html",
            minijinja::context! {
                csrf => "c", error => "Weak", login_href => "/login", password_min => 8,
                typed => minijinja::context! { email => "a@example.com", phone => "", name => "Ada", channel => "sms", redirect_to => "" },
            },
        ),
        ("forgot.html", minijinja::context! { csrf => "c", identifier => "a@example.com", error => "Bad" }),
        (
            "reset.html",
            minijinja::context! { csrf => "c", token => "", auth_request_id => "id", error => "Weak", password_min => 8 },
        ),
        (
            "reset.html",
            minijinja::context! { csrf => "c", token => "t", auth_request_id => "", error => None::<String>, password_min => 8 },
        ),
        ("confirm.html", minijinja::context! { csrf => "c", token => "", auth_request_id => "id", error => "Wrong" }),
        (
            "confirm.html",
            minijinja::context! { csrf => "c", token => "t", auth_request_id => "", error => None::<String> },
        ),
        (
            "code.html",
            minijinja::context! {
                csrf => "c", auth_request_id => "id", masked => "a•••@example.com", channel => "sms", match_number => 42,
                redirect_to => "/", lifetime_minutes => 10, lifetime => "10 minutes", notice => "Sent", error => "Wrong",
            },
        ),
        (
            "link.html",
            minijinja::context! {
                csrf => "c", token => "t", same_browser => false, masked => "a•••@example.com",
                requested_from => "Firefox on Linux", requester_ip => "127.0.0.1", requested_at => "2026-01-01T00:00:00Z",
                choices => vec![12, 34, 56],
            },
        ),
        ("link.html", minijinja::context! { csrf => "c", token => "t", same_browser => true }),
        (
            "notice.html",
            minijinja::context! { title => "T", message => "M", is_error => true, action_href => "/login", action_label => "Back" },
        ),
        (
            "account.html",
            minijinja::context! {
                csrf => "c", who => "ada@example.com", sessions => vec![session], member_since => "2026", notice => "Saved",
                activity => vec![minijinja::context! {
                    label => "activity-sign-in-succeeded", at => "2026-01-01T00:00:00Z", ip => "127.0.0.1",
                    device => "Firefox on Linux",
                }],
                me => minijinja::context! {
                    email => "ada@example.com", phone => None::<String>, email_verified => true, phone_verified => false,
                    name => "Ada", preferred_channel => "email", has_password => true,
                },
                languages => vec![("en", "English"), ("de", "Deutsch")], language => "de", recent => "10 minutes",
                section => "password", error => "Wrong", password_min => 8,
            },
        ),
        (
            "dev_inbox.html",
            minijinja::context! { messages => vec![message.clone()], to => "", refresh => "/dev/inbox.json?wait=10&after=7" },
        ),
        (
            "dev_inbox_message.html",
            minijinja::context! {
                m => message, headers => vec![("To", "ada@example.com")], text => "Body", html_src => "/dev/inbox/7/html",
                json_href => "/dev/inbox.json?to=ada%40example.com", sms => false,
            },
        ),
    ];
    for locale in LOCALES {
        for (page, ctx) in &pages {
            let ctx =
                minijinja::context! { locale => *locale, locale_query => format!("?locale={locale}"), ..ctx.clone() };
            let html = templates.render(page, ctx).unwrap_or_else(|e| panic!("{page} in {locale}: {e:#}"));
            assert!(html.contains(&format!("<html lang=\"{locale}\">")), "{page} in {locale}");
            assert!(!html.contains('\u{E000}'), "{page} in {locale}: an argument marker was left");
        }
    }
}

/// Every `href="…"` of an HTML document, attribute-decoded of `&amp;` alone.
fn hrefs(html: &str) -> Vec<String> {
    html.match_indices("href=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn the_html_part_carries_the_text_parts_link_byte_for_byte() {
    let templates = Templates::built_in().unwrap();
    // A link with every character a real one may carry: `/`, `?`, `=`, `&`, `.`, `-`, `_`.
    let link = "https://auth.example.com/base/login/link?token=AZaz09-_.AZaz09-_&locale=pt-BR";
    for kind in KINDS {
        for locale in LOCALES {
            for mut p in samples(kind) {
                if p.link.is_none() {
                    continue;
                }
                p.link = Some(link.to_owned());
                let email = render(&templates, Channel::Email, kind, locale, &payload_json(&p)).unwrap();
                assert!(email.text.contains(link), "{kind}/{locale}: the text part has the link as is");
                let html = email.html.unwrap();
                assert!(hrefs(&html).iter().any(|h| h == link), "{kind}/{locale}: no href is exactly the link");
                assert!(!html.contains("&#x2f;") && !html.contains("&#x3d;"), "{kind}/{locale}: entity-encoded URL");
            }
        }
    }
}

#[test]
fn pages_write_urls_without_entity_encoded_slashes() {
    let templates = Templates::built_in().unwrap();
    let page = templates
        .render(
            "login.html",
            minijinja::context! { locale => "en", csrf => "x", locale_query => "?locale=de", ..login_ctx("a/b", "/account?x=1&y=2", None) },
        )
        .unwrap();
    assert!(page.contains("value=\"/account?x=1&amp;y=2\""), "{page}");
    assert!(page.contains("action=\"/login?locale=de\""), "{page}");
    assert!(!page.contains("&#x2f;"), "{page}");
}
