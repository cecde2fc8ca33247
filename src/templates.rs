//! Templates of the hosted pages and of every message (email subject, text and HTML; SMS):
//! the built-in ones, compiled on first use, and the operator's overrides from
//! `templates_dir`, compiled at start and each rendered once with sample messages in every
//! locale so a broken one stops the start with its file and line (docs/templates.md).
//!
//! HTML templates are auto-escaped, so an app name or a user agent string can never
//! become markup. Every template can call `t(id, **args)`, which says message `id` of the
//! Fluent catalogue in the `locale` of the context.

mod mjml;
mod overrides;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use anyhow::anyhow;
use minijinja::value::Kwargs;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, Value};

use crate::config::{Settings, ThemeSettings};
use crate::i18n::{self, LOCALES};
use crate::messages::{self, KINDS};

const PAGES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/pages/layout.html")),
    ("fields.html", include_str!("templates/pages/fields.html")),
    ("login.html", include_str!("templates/pages/login.html")),
    ("code.html", include_str!("templates/pages/code.html")),
    ("link.html", include_str!("templates/pages/link.html")),
    ("notice.html", include_str!("templates/pages/notice.html")),
    ("account.html", include_str!("templates/pages/account.html")),
    ("signup.html", include_str!("templates/pages/signup.html")),
    ("forgot.html", include_str!("templates/pages/forgot.html")),
    ("reset.html", include_str!("templates/pages/reset.html")),
    ("confirm.html", include_str!("templates/pages/confirm.html")),
    ("dev_inbox.html", include_str!("templates/pages/dev_inbox.html")),
    ("dev_inbox_message.html", include_str!("templates/pages/dev_inbox_message.html")),
];

/// The message templates: subject, text and SMS per kind, and the partials they include.
const MESSAGES: &[(&str, &str)] = &[
    ("email/_footer.txt", include_str!("templates/email/_footer.txt")),
    ("email/sign_in.subject.txt", include_str!("templates/email/sign_in.subject.txt")),
    ("email/sign_in.txt", include_str!("templates/email/sign_in.txt")),
    ("sms/sign_in.txt", include_str!("templates/sms/sign_in.txt")),
    ("email/verification.subject.txt", include_str!("templates/email/verification.subject.txt")),
    ("email/verification.txt", include_str!("templates/email/verification.txt")),
    ("sms/verification.txt", include_str!("templates/sms/verification.txt")),
    ("email/reset_link.subject.txt", include_str!("templates/email/reset_link.subject.txt")),
    ("email/reset_link.txt", include_str!("templates/email/reset_link.txt")),
    ("sms/reset_link.txt", include_str!("templates/sms/reset_link.txt")),
    ("email/reset_code.subject.txt", include_str!("templates/email/reset_code.subject.txt")),
    ("email/reset_code.txt", include_str!("templates/email/reset_code.txt")),
    ("sms/reset_code.txt", include_str!("templates/sms/reset_code.txt")),
    ("email/password_changed.subject.txt", include_str!("templates/email/password_changed.subject.txt")),
    ("email/password_changed.txt", include_str!("templates/email/password_changed.txt")),
    ("sms/password_changed.txt", include_str!("templates/sms/password_changed.txt")),
    ("email/account_exists.subject.txt", include_str!("templates/email/account_exists.subject.txt")),
    ("email/account_exists.txt", include_str!("templates/email/account_exists.txt")),
    ("sms/account_exists.txt", include_str!("templates/sms/account_exists.txt")),
    ("email/identifier_changed.subject.txt", include_str!("templates/email/identifier_changed.subject.txt")),
    ("email/identifier_changed.txt", include_str!("templates/email/identifier_changed.txt")),
    ("sms/identifier_changed.txt", include_str!("templates/sms/identifier_changed.txt")),
];

/// The shared MJML layout of every email; the content of a kind goes where it says
/// `<mj-include path="content.mjml" />`.
pub const EMAIL_LAYOUT: &str = include_str!("templates/email/layout.mjml");

/// The MJML content of each kind's email.
const EMAIL_CONTENT: &[(&str, &str)] = &[
    ("sign_in", include_str!("templates/email/sign_in.mjml")),
    ("verification", include_str!("templates/email/verification.mjml")),
    ("reset_link", include_str!("templates/email/reset_link.mjml")),
    ("reset_code", include_str!("templates/email/reset_code.mjml")),
    ("password_changed", include_str!("templates/email/password_changed.mjml")),
    ("account_exists", include_str!("templates/email/account_exists.mjml")),
    ("identifier_changed", include_str!("templates/email/identifier_changed.mjml")),
];

/// A part of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Subject,
    Text,
    Html,
    Sms,
}

impl Part {
    pub const ALL: [Part; 4] = [Part::Subject, Part::Text, Part::Html, Part::Sms];
}

/// `email/sign_in.de.txt`, `sms/sign_in.txt`, …
pub fn template_name(kind: &str, locale: Option<&str>, part: Part) -> String {
    let (dir, ext) = match part {
        Part::Subject => ("email", "subject.txt"),
        Part::Text => ("email", "txt"),
        Part::Html => ("email", "html"),
        Part::Sms => ("sms", "txt"),
    };
    match locale {
        Some(locale) => format!("{dir}/{kind}.{locale}.{ext}"),
        None => format!("{dir}/{kind}.{ext}"),
    }
}

pub struct Templates {
    env: Environment<'static>,
    app_name: String,
    /// The template of each (kind, locale, part), after the override lookup.
    messages: HashMap<(&'static str, &'static str, Part), Arc<str>>,
    theme_css: String,
    /// `delivery.sms.include_link`: texts carry the link too.
    sms_links: bool,
}

impl Templates {
    /// The built-in templates with the operator's overrides, theme and app name. Fails
    /// with the file and line of an override that does not compile or render.
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        let mut env = base_env(&settings.app_name, &settings.theme, &settings.base_path());
        // Built-in templates compile on first use: compiled all at once they held 0.8 MB
        // for as long as the server ran (issue 15, item 4), though a deployment renders a
        // few of them (an API-only one no page at all). That each compiles is tested
        // (`Templates::compile_built_ins`); the MJML is compiled here, once per process.
        built_in_html()?;
        env.set_loader(|name| {
            built_in_source(name).map_err(|e| Error::new(ErrorKind::TemplateNotFound, e.to_string()))
        });
        let found = match &settings.templates_dir {
            Some(dir) => overrides::scan(dir)?,
            None => Vec::new(),
        };
        for o in &found {
            add_override(&mut env, o)?;
        }
        // Only an override names a locale (`email/sign_in.de.txt`).
        let overridden: HashSet<String> = found.iter().map(overrides::Override::template_name).collect();
        let mut messages = HashMap::new();
        for kind in KINDS {
            for locale in LOCALES {
                for part in Part::ALL {
                    let specific = template_name(kind, Some(locale), part);
                    let name = if overridden.contains(&specific) { specific } else { template_name(kind, None, part) };
                    messages.insert((*kind, *locale, part), Arc::from(name));
                }
            }
        }
        let templates = Self {
            env,
            app_name: settings.app_name.clone(),
            messages,
            theme_css: theme_css(&settings.theme),
            sms_links: settings.delivery.sms.include_link,
        };
        for o in &found {
            templates.check_override(o)?;
        }
        Ok(templates)
    }

    /// The built-in templates with the default settings.
    pub fn built_in() -> anyhow::Result<Self> {
        Self::load(&Settings::default())
    }

    /// Compiles every built-in template now (they otherwise compile on first use).
    pub fn compile_built_ins(&self) -> anyhow::Result<()> {
        let html = built_in_html()?.iter().map(|(name, _)| name.as_str());
        for name in PAGES.iter().chain(MESSAGES).map(|(name, _)| *name).chain(html) {
            self.env.get_template(name).map_err(|e| anyhow!("built-in template {name} is broken: {e:#}"))?;
        }
        Ok(())
    }

    /// Whether text messages carry the link (`delivery.sms.include_link`).
    pub fn sms_links(&self) -> bool {
        self.sms_links
    }

    pub fn app_name(&self) -> &str {
        &self.app_name
    }

    /// `/assets/theme.css`: the theme as CSS custom properties, read by `app.css` (the
    /// pages' CSP admits no inline style).
    pub fn theme_css(&self) -> &str {
        &self.theme_css
    }

    pub fn render(&self, name: &str, ctx: impl Into<Value>) -> anyhow::Result<String> {
        let template = self.env.get_template(name)?;
        template.render(ctx).map_err(|e| anyhow!("failed to render {name}: {e:#}"))
    }

    /// Renders one part of a message: the kind+locale override, else the kind override,
    /// else the built-in template. `ctx` must hold `locale`.
    pub fn render_message(&self, kind: &str, locale: &str, part: Part, ctx: Value) -> anyhow::Result<String> {
        let key = KINDS.iter().find(|k| **k == kind).zip(LOCALES.iter().find(|l| **l == locale));
        let name = key
            .and_then(|(kind, locale)| self.messages.get(&(*kind, *locale, part)))
            .ok_or_else(|| anyhow!("no template for message {kind} in {locale}"))?;
        self.render(name, ctx)
    }

    /// Renders an override with a sample of its kind in each locale it applies to.
    fn check_override(&self, o: &overrides::Override) -> anyhow::Result<()> {
        let name = o.template_name();
        let template = self.env.get_template(&name).map_err(|e| located(&o.path, &e, o.mjml))?;
        let locales: Vec<&str> = match o.locale {
            Some(locale) => vec![locale],
            None => LOCALES.to_vec(),
        };
        let mut warned = false;
        for locale in locales {
            for payload in messages::samples(o.kind) {
                let ctx = messages::context(o.kind, locale, &payload, "Sample subject");
                if o.mjml {
                    // The MJML source itself first: its line numbers are the file's.
                    self.env
                        .get_template(&o.source_name())
                        .and_then(|source| source.render(ctx.clone()))
                        .map_err(|e| located(&o.path, &e, false))?;
                }
                let rendered = template.render(ctx).map_err(|e| located(&o.path, &e, o.mjml))?;
                // Issue 15: a text that takes two segments is billed twice; said once.
                let segments = crate::delivery::sms::segments::segments(rendered.trim());
                if o.part == Part::Sms && segments > 1 && !warned {
                    warned = true;
                    tracing::warn!(
                        template = %o.path.display(),
                        locale,
                        segments,
                        "this text message takes more than one SMS segment (each is billed)"
                    );
                }
            }
        }
        Ok(())
    }
}

/// Minijinja with Postern's settings: strict undefined (a misspelt variable is an error,
/// not an empty string), HTML escaping for `.html`/`.mjml`, block tags that take their
/// line with them (text templates read as they are written), and `t()`.
fn base_env(app_name: &str, theme: &ThemeSettings, base: &str) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") || name.ends_with(".mjml") { AutoEscape::Html } else { AutoEscape::None }
    });
    env.set_formatter(html_attribute_safe_formatter);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build() {
        env.set_syntax(syntax);
    }
    env.add_global("app_name", app_name.to_owned());
    // The path Postern is served under (`Settings::base_path`): pages link to `{{ base }}/login`.
    env.add_global("base", base.to_owned());
    env.add_global("theme", Value::from(minijinja::value::Serde(theme.clone())));
    env.add_global("locales", Value::from(minijinja::value::Serde(LOCALES)));
    env.add_function("t", t);
    env
}

/// Auto-escaping that escapes exactly `&`, `<`, `>`, `"` and `'`: enough for element
/// content and quoted attributes (OWASP XSS Prevention, rules 1 and 2), and it leaves `/`
/// alone. minijinja's default also writes `/` as `&#x2f;`, which turned every link into
/// `http:&#x2f;&#x2f;…`: harmless in browsers, but mail gateways that rewrite or scan
/// links and people copying one saw an obfuscated URL (issue 10, finding 12).
fn html_attribute_safe_formatter(out: &mut minijinja::Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if !matches!(state.auto_escape(), AutoEscape::Html) || value.is_safe() {
        return minijinja::escape_formatter(out, state, value);
    }
    if value.is_none() || value.is_undefined() {
        return minijinja::escape_formatter(out, state, value);
    }
    out.write_str(&escape_html(&value.to_string())).map_err(Error::from)
}

/// The five characters that matter in HTML text and quoted attributes.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Placeholders for arguments that are already HTML (`{% set x %}<strong>…</strong>{% endset %}`):
/// the message is escaped around them, then they are put back as they are.
fn marker(i: usize) -> String {
    format!("\u{E000}{i}\u{E001}")
}

/// `t(id, **args)`: message `id` in the context's `locale` (falling back to English).
fn t(state: &State, id: &str, kwargs: Kwargs) -> Result<Value, Error> {
    let locale = state
        .lookup("locale")
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or_else(|| Error::new(ErrorKind::UndefinedError, "t() needs a `locale` in the template's context"))?;
    let html = matches!(state.auto_escape(), AutoEscape::Html);
    let mut args = i18n::Args::new();
    let mut safe = Vec::new();
    for key in kwargs.args() {
        let value: Value = kwargs.get(key)?;
        let fluent = if let Some(n) = value.as_i64() {
            n.into()
        } else if value.is_number() {
            f64::try_from(value).unwrap_or_default().into()
        } else if value.is_none() || value.is_undefined() {
            String::new().into()
        } else if html && value.is_safe() {
            safe.push(value.to_string());
            marker(safe.len() - 1).into()
        } else {
            value.to_string().into()
        };
        args.insert(key.to_owned().into(), fluent);
    }
    let text = i18n::translate(&locale, id, &args).map_err(|e| Error::new(ErrorKind::InvalidOperation, e))?;
    if !html {
        return Ok(Value::from(text));
    }
    let mut escaped = escape_html(&text);
    for (i, value) in safe.iter().enumerate() {
        escaped = escaped.replace(&marker(i), value);
    }
    Ok(Value::from_safe_string(escaped))
}

/// The built-in email HTML of every kind, compiled from MJML once per process (it does
/// not depend on the settings: the theme is a variable of the template).
fn built_in_html() -> anyhow::Result<&'static [(String, String)]> {
    static COMPILED: OnceLock<Result<Vec<(String, String)>, String>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(|| {
        EMAIL_CONTENT
            .iter()
            .map(|(kind, content)| {
                mjml::compile(Some(EMAIL_LAYOUT), content)
                    .map(|html| (template_name(kind, None, Part::Html), html))
                    .map_err(|e| format!("built-in email/{kind}.mjml: line {:?}: {}", e.line, e.message))
            })
            .collect()
    });
    compiled.as_deref().map_err(|e| anyhow!("{e}"))
}

/// The source of a built-in template (`None`: there is no such template).
fn built_in_source(name: &str) -> anyhow::Result<Option<&'static str>> {
    if let Some((_, source)) = PAGES.iter().chain(MESSAGES).find(|(n, _)| *n == name) {
        return Ok(Some(source));
    }
    Ok(built_in_html()?.iter().find(|(n, _)| n == name).map(|(_, html)| html.as_str()))
}

fn add_override(env: &mut Environment<'static>, o: &overrides::Override) -> anyhow::Result<()> {
    let source = if o.mjml {
        // Syntax first, on the file as written, so the line is the file's.
        env.add_template_owned(o.source_name(), o.source.clone()).map_err(|e| located(&o.path, &e, false))?;
        // A whole document, or content for the built-in layout.
        let whole = o.source.trim_start().starts_with("<mjml");
        let layout = (!whole).then_some(EMAIL_LAYOUT);
        mjml::compile(layout, &o.source).map_err(|e| {
            let place = match (e.in_content || whole, e.line) {
                (true, Some(line)) => format!("{}:{line}", o.path.display()),
                (true, None) => o.path.display().to_string(),
                (false, _) => format!("{} (in the built-in layout)", o.path.display()),
            };
            anyhow!("template override {place}: {}", e.message)
        })?
    } else {
        o.source.clone()
    };
    env.add_template_owned(o.template_name(), source).map_err(|e| located(&o.path, &e, o.mjml))
}

/// An error of an override, as `path:line: what`.
fn located(path: &Path, e: &Error, compiled: bool) -> anyhow::Error {
    let what = e.detail().map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
    let included = e.name().filter(|n| n.starts_with("email/_")).map(|n| format!(" (in {n})")).unwrap_or_default();
    match e.line() {
        Some(line) if compiled => {
            anyhow!("template override {}: line {line} of the compiled HTML{included}: {what}", path.display())
        }
        Some(line) => anyhow!("template override {}:{line}{included}: {what}", path.display()),
        None => anyhow!("template override {}: {what}", path.display()),
    }
}

fn theme_css(theme: &ThemeSettings) -> String {
    // The colours were validated as #rgb/#rrggbb at load (config::theme), so they cannot
    // close the rule or inject another one.
    format!(
        "/* Generated from [theme] in Postern's configuration. */\n:root {{ --brand: {}; --button-text: {}; }}\n",
        theme.brand_color, theme.button_text_color
    )
}

#[cfg(test)]
mod tests;
