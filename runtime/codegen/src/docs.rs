//! Doc comments: schema descriptions made safe for rustdoc, and text wrapped into lines.

/// The first paragraph of a schema description, as Markdown that rustdoc renders without
/// warnings: HTML tags dropped (`<code>` becomes a code span), `[` and `]` escaped so they
/// are never read as intra-doc links, `<`, `>` and `&` written as entities, URLs made
/// autolinks, whitespace collapsed so that nothing is read as a code block or a doctest.
pub fn sanitize_description(description: &str) -> String {
    let paragraph = description
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .unwrap_or_default()
        .to_owned();
    let text = strip_html(&paragraph);
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        if word.starts_with("http://") || word.starts_with("https://") {
            let url = word.trim_end_matches(['.', ',', ';', ':', ')']);
            let rest = &word[url.len()..];
            out.push(format!(
                "<{}>{}",
                url.replace(['<', '>'], ""),
                escape_markdown(rest)
            ));
        } else {
            out.push(escape_markdown(word));
        }
    }
    out.join(" ")
}

/// The first sentence of a text (up to the first `. ` or the end).
pub fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(end) => text[..=end].to_owned(),
        None => text.to_owned(),
    }
}

/// The HTML tags that descriptions use; anything else between `<` and `>` is text.
const HTML_TAGS: &[&str] = &[
    "a",
    "b",
    "br",
    "code",
    "div",
    "em",
    "i",
    "important",
    "li",
    "note",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "ul",
];

/// Drops HTML tags, turning `<code>x</code>` into `` `x` `` and `<br>`/`<p>` into spaces.
fn strip_html(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            out.push_str(after);
            return out;
        };
        let tag = after[1..end].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !HTML_TAGS.contains(&name.as_str()) {
            // Not a tag (`a < b`, `Vec<T>`): keep the character, escaped later.
            out.push('<');
            rest = &after[1..];
            continue;
        }
        match name.as_str() {
            "code" => out.push('`'),
            "br" | "p" | "li" | "ul" | "ol" | "div" => out.push(' '),
            _ => {}
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Escapes what Markdown or rustdoc would misread, outside code spans.
fn escape_markdown(word: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in word.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            _ if in_code => out.push(c),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' => out.push_str("\\*"),
            '_' => out.push_str("\\_"),
            '#' => out.push_str("\\#"),
            '|' => out.push_str("\\|"),
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown code span of a literal text (an enum value, a type name).
pub fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {} ``", text.replace("``", "` `"))
    } else {
        format!("`{text}`")
    }
}

/// Wraps paragraphs into doc lines of at most `width` characters (longer words stay whole).
/// Paragraphs are separated by an empty line. Each line starts with a space, the way
/// `///` comments desugar to `#[doc = " ..."]`.
pub fn lines(paragraphs: &[String], width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, paragraph) in paragraphs.iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                out.push(format!(" {line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            out.push(format!(" {line}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_lose_html_and_link_syntax() {
        let d = "Grants <code>s3:GetObject</code> on [the bucket] to a&b, see https://example.invalid/x.\n\nMore.";
        assert_eq!(
            sanitize_description(d),
            "Grants `s3:GetObject` on \\[the bucket\\] to a&amp;b, see <https://example.invalid/x>."
        );
        assert_eq!(
            sanitize_description("a < b\n    indented code"),
            "a &lt; b indented code"
        );
        assert_eq!(
            sanitize_description("Values of Vec<T> are <b>bold</b>"),
            "Values of Vec&lt;T&gt; are bold"
        );
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "`` a`b ``");
    }

    #[test]
    fn lines_wrap_at_word_boundaries() {
        let text = vec!["one two three four".to_owned(), "five".to_owned()];
        assert_eq!(
            lines(&text, 9),
            [" one two", " three", " four", "", " five"]
        );
    }
}
