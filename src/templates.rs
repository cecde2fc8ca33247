//! Built-in templates (hosted pages and messages), compiled once at start. HTML templates
//! are auto-escaped, so an app name or a user agent string can never become markup.

use minijinja::Value;
use minijinja::{AutoEscape, Environment};

const BUILT_IN: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/pages/layout.html")),
    ("login.html", include_str!("templates/pages/login.html")),
    ("code.html", include_str!("templates/pages/code.html")),
    ("link.html", include_str!("templates/pages/link.html")),
    ("notice.html", include_str!("templates/pages/notice.html")),
    ("account.html", include_str!("templates/pages/account.html")),
    ("dev_inbox.html", include_str!("templates/pages/dev_inbox.html")),
    ("email/sign_in_subject.txt", include_str!("templates/email/sign_in_subject.txt")),
    ("email/sign_in.txt", include_str!("templates/email/sign_in.txt")),
    ("email/sign_in.html", include_str!("templates/email/sign_in.html")),
    ("sms/sign_in.txt", include_str!("templates/sms/sign_in.txt")),
];

pub struct Templates {
    env: Environment<'static>,
    app_name: String,
}

impl Templates {
    /// The built-in templates with the operator's overrides, theme and app name.
    pub fn load(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        let mut templates = Self::built_in()?;
        templates.app_name = settings.app_name.clone();
        Ok(templates)
    }

    pub fn app_name(&self) -> &str {
        &self.app_name
    }

    pub fn built_in() -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in BUILT_IN {
            env.add_template(name, source).map_err(|e| anyhow::anyhow!("built-in template {name} is broken: {e}"))?;
        }
        Ok(Self { env, app_name: "Postern".to_owned() })
    }

    pub fn render(&self, name: &str, ctx: impl Into<Value>) -> anyhow::Result<String> {
        let template = self.env.get_template(name)?;
        template.render(ctx).map_err(|e| anyhow::anyhow!("failed to render {name}: {e:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_template_compiles() {
        Templates::built_in().unwrap();
    }
}
