//! Rendering a stored message: its payload (`crate::messages`) through the templates, at
//! delivery time, in the message's language and with the operator's theme (and by the dev
//! inbox when it is read).

use serde::Serialize;

use crate::domain::Channel;
use crate::messages::{KINDS, Payload, context};
use crate::templates::{Part, Templates};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Renders a stored message in `locale` (a supported locale, see `crate::i18n`).
pub fn render(
    templates: &Templates,
    channel: Channel,
    kind: &str,
    locale: &str,
    payload: &str,
) -> anyhow::Result<Rendered> {
    anyhow::ensure!(KINDS.contains(&kind), "unknown message kind {kind}");
    let mut p: Payload = serde_json::from_str(payload)?;
    // One segment by default (issue 15): a text carries the code and the WebOTP line, the
    // link only when `delivery.sms.include_link` asks for it.
    if channel == Channel::Sms && !templates.sms_links() {
        p.link = None;
    }
    let ctx = context(kind, locale, &p, "");
    // One line whatever the template does: a subject is a mail header.
    let subject = templates.render_message(kind, locale, Part::Subject, ctx)?;
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let ctx = context(kind, locale, &p, &subject);
    Ok(match channel {
        Channel::Email => Rendered {
            text: templates.render_message(kind, locale, Part::Text, ctx.clone())?,
            html: Some(templates.render_message(kind, locale, Part::Html, ctx)?),
            subject,
        },
        Channel::Sms => Rendered {
            text: templates.render_message(kind, locale, Part::Sms, ctx)?.trim().to_owned(),
            html: None,
            subject,
        },
    })
}
