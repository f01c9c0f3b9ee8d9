//! Bounded, trimmed text fields: person names, organization names, notes.

use serde::{Deserialize, Serialize};

/// Most characters in a person's or organization's name.
pub const MAX_NAME_CHARS: usize = 100;
/// Most characters in an invitation note.
pub const MAX_NOTE_CHARS: usize = 500;

/// Why a text field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("This field is required.")]
    Empty,
    #[error("Use at most {0} characters.")]
    TooLong(usize),
    #[error("Control characters are not allowed.")]
    ControlCharacters,
}

fn bounded(input: &str, max: usize, required: bool) -> Result<String, TextError> {
    let trimmed = input.trim();
    if trimmed.is_empty() && required {
        return Err(TextError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n') {
        return Err(TextError::ControlCharacters);
    }
    Ok(trimmed.to_owned())
}

/// A non-empty name of at most 100 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name(String);

impl Name {
    /// Trims and checks a name.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let name = bounded(input, MAX_NAME_CHARS, true)?;
        if name.contains('\n') {
            return Err(TextError::ControlCharacters);
        }
        Ok(Self(name))
    }
    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional note of at most 500 characters; empty input means no note.
pub fn parse_note(input: &str) -> Result<Option<String>, TextError> {
    let note = bounded(input, MAX_NOTE_CHARS, false)?;
    Ok((!note.is_empty()).then_some(note))
}

/// A URL slug derived from a name: lowercase ASCII letters, digits and dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(40).collect();
    if slug.is_empty() {
        "org".to_owned()
    } else {
        slug.trim_end_matches('-').to_owned()
    }
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A local path to come back to after signing in, or `/`. Only same-site
/// paths are accepted so the parameter cannot send people elsewhere.
pub fn safe_next(next: Option<String>) -> String {
    match next {
        // Browsers drop tabs and newlines from URLs: "/\t/evil" is "//evil".
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            p
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert_eq!(Name::parse("   "), Err(TextError::Empty));
        assert_eq!(Name::parse(&"a".repeat(101)), Err(TextError::TooLong(100)));
        assert!(Name::parse(&"a".repeat(100)).is_ok());
        assert_eq!(Name::parse("a\u{0}b"), Err(TextError::ControlCharacters));
        assert_eq!(Name::parse("a\nb"), Err(TextError::ControlCharacters));
    }

    #[test]
    fn notes_are_optional_and_bounded() {
        assert_eq!(parse_note("  "), Ok(None));
        assert_eq!(parse_note(" needs logs \n"), Ok(Some("needs logs".into())));
        assert_eq!(parse_note(&"x".repeat(501)), Err(TextError::TooLong(500)));
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme, Inc."), "acme-inc");
        assert_eq!(slugify("  Über  Team "), "ber-team");
        assert_eq!(slugify("!!!"), "org");
    }
}
