//! MJML → email HTML, once at start: mrml renders the responsive markup, css-inline moves
//! the styles into `style` attributes (what email clients read), and the result becomes a
//! minijinja template rendered per message.
//!
//! The MJML carries minijinja syntax through both steps. Expressions (`{{ link }}`,
//! `{{ theme.brand_color }}`, `{{ t('…') }}`) are text or attribute values to mrml and
//! css-inline and come out unchanged (a unit test checks each kind). Statements that sit
//! between MJML elements are written inside comments, `<!-- {% if code %} -->`: as bare
//! text between table rows the HTML parser of css-inline would "foster-parent" them out of
//! the table (HTML §13.2.6.1), while comments stay where they are; the comment markers are
//! removed afterwards. Inside `<mj-text>`, statements can be written as they are.

use mrml::prelude::parser::Error as ParseError;
use mrml::prelude::render::RenderOptions;

/// Where the content goes in the layout: inside the card's column, so each element of the
/// content is rendered as a column child (an `<mj-include>` there would put them all in
/// one cell and drop their `css-class`).
pub const CONTENT_SLOT: &str = "<mj-include path=\"content.mjml\" />";

/// A compile failure, located in the file it comes from.
#[derive(Debug)]
pub struct CompileError {
    /// `true` when the error is in the content rather than the layout.
    pub in_content: bool,
    pub line: Option<usize>,
    pub message: String,
}

/// Compiles a whole MJML document, or `content` placed in `layout`, into email HTML with
/// inlined CSS, ready to be added as a minijinja template.
pub fn compile(layout: Option<&str>, content: &str) -> Result<String, CompileError> {
    let (document, slot) = match layout {
        Some(layout) => {
            let at = layout.find(CONTENT_SLOT).ok_or_else(|| CompileError {
                in_content: false,
                line: None,
                message: format!("the layout has no {CONTENT_SLOT}"),
            })?;
            let document = format!("{}{content}{}", &layout[..at], &layout[at + CONTENT_SLOT.len()..]);
            (document, Some(at))
        }
        None => (content.to_owned(), None),
    };
    let parsed = mrml::parse(&document).map_err(|e| located(&e, &document, slot, content))?;
    // No web fonts: MJML would otherwise @import Google Fonts into every email.
    let render = RenderOptions { disable_comments: false, fonts: Default::default(), ..RenderOptions::default() };
    let html = parsed.element.render(&render).map_err(|e| CompileError {
        in_content: false,
        line: None,
        message: format!("MJML could not be rendered: {e}"),
    })?;
    // `@media` rules cannot be inlined: they stay in a <style> for the clients that read
    // one (the responsive layout), everything else is inlined.
    let inliner = css_inline::CSSInliner::options().keep_at_rules(true).load_remote_stylesheets(false).build();
    let inlined = inliner.inline(&html).map_err(|e| CompileError {
        in_content: false,
        line: None,
        message: format!("the CSS of the email could not be inlined: {e}"),
    })?;
    Ok(unwrap_statements(&inlined))
}

/// `<!-- {% if code %} -->` → `{% if code %}`.
fn unwrap_statements(html: &str) -> String {
    html.replace("<!-- {%", "{%").replace("%} -->", "%}")
}

/// Maps an mrml error in `document` back to the file it comes from: the content when it
/// falls inside the slot at byte `slot`, else the layout (or the whole document).
fn located(e: &ParseError, document: &str, slot: Option<usize>, content: &str) -> CompileError {
    let message = format!("invalid MJML: {e}");
    let line_in_document = match e {
        ParseError::UnexpectedElement { position, .. }
        | ParseError::UnexpectedToken { position, .. }
        | ParseError::MissingAttribute { position, .. }
        | ParseError::InvalidAttribute { position, .. }
        | ParseError::InvalidFormat { position, .. }
        | ParseError::IncludeLoaderError { position, .. } => Some(line_of(document, position.start)),
        ParseError::ParserError { source, .. } => Some(source.pos().row as usize),
        // The document ended inside an element: the content is the likely culprit.
        ParseError::EndOfStream { .. } => {
            return CompileError { in_content: true, line: Some(content.lines().count().max(1)), message };
        }
        ParseError::SizeLimit { .. } | ParseError::NoRootNode => None,
    };
    let Some(slot) = slot else {
        return CompileError { in_content: true, line: line_in_document, message };
    };
    let first = line_of(document, slot);
    let last = first + content.matches('\n').count();
    match line_in_document {
        Some(line) if (first..=last).contains(&line) => {
            CompileError { in_content: true, line: Some(line - first + 1), message }
        }
        line => CompileError { in_content: false, line, message },
    }
}

fn line_of(source: &str, byte: usize) -> usize {
    source.get(..byte.min(source.len())).map_or(1, |before| before.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_survive_mrml_and_css_inline() {
        let layout = "<mjml lang=\"{{ locale }}\"><mj-head><mj-style inline=\"inline\">.muted div { letter-spacing: 1px; }</mj-style></mj-head>\
                      <mj-body><mj-section><mj-column>\n<mj-include path=\"content.mjml\" />\n</mj-column></mj-section></mj-body></mjml>";
        let content = "<!-- {% if code %} --><mj-text css-class=\"muted\">{{ code }}</mj-text><!-- {% endif %} -->\n\
                       <mj-button href=\"{{ link }}\" background-color=\"{{ theme.brand_color }}\">{{ t('x', app=app_name) }}</mj-button>";
        let html = compile(Some(layout), content).unwrap();
        for needle in [
            "lang=\"{{ locale }}\"",
            "{% if code %}",
            "{{ code }}",
            "{% endif %}",
            "href=\"{{ link }}\"",
            "{{ theme.brand_color }}",
            "{{ t('x', app=app_name) }}",
            "letter-spacing: 1px",
        ] {
            assert!(html.contains(needle), "{needle} is missing from {html}");
        }
        assert!(!html.contains("<!-- {%"), "statement comments are unwrapped");
        assert!(html.contains("@media"), "the responsive rules stay in a <style>");
        assert!(!html.contains("fonts.googleapis.com"), "no web fonts");
    }

    #[test]
    fn errors_point_at_the_line_of_the_file_they_are_in() {
        let layout = "<mjml><mj-body>\n<mj-section><mj-column>\n<mj-include path=\"content.mjml\" />\n</mj-column></mj-section></mj-body></mjml>";
        let e =
            compile(Some(layout), "<mj-text>hi</mj-text>\n\n<mj-button href=\"x\" \"oops\">b</mj-button>").unwrap_err();
        assert!(e.in_content);
        assert_eq!(e.line, Some(3), "{e:?}");
        let e = compile(
            Some("<mjml><mj-body>\n<mj-section \"x\">\n<mj-include path=\"content.mjml\" />"),
            "<mj-text>hi</mj-text>",
        )
        .unwrap_err();
        assert!(!e.in_content, "{e:?}");
        assert_eq!(e.line, Some(2), "{e:?}");
        let e = compile(None, "<mjml><mj-body>\n<mj-section>\n<mj-column>\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e:?}");
    }
}
