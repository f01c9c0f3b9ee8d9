//! Reading a pasted list or an uploaded CSV of people to invite at once.
//!
//! Two shapes are accepted, line by line: addresses separated by newlines,
//! commas or semicolons, or CSV lines `email,role,teams,note` (teams by name,
//! separated by `;` or `|` inside the field; the note takes the rest of the
//! line). A line is read as CSV when its second comma-separated field is a role
//! name, or when it has three or more fields and the second is not an
//! address; a header line starting with `email` is skipped. Addresses
//! are not checked here: the server reports a bad one on its own row.

use serde::{Deserialize, Serialize};

use super::Role;

/// The most rows one batch may hold.
pub const MAX_BULK_ROWS: usize = 500;

/// One person to invite, as written in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkLine {
    /// The address as written (trimmed, not yet checked).
    pub email: String,
    /// The row's own role; `None` takes the batch's default.
    pub role: Option<Role>,
    /// Team names to join besides the batch's default teams.
    pub teams: Vec<String>,
    /// Why access is needed; empty for none.
    pub note: String,
}

impl BulkLine {
    /// Only an address: the batch's role and teams, no note.
    pub fn address(email: &str) -> Self {
        Self {
            email: email.trim().to_owned(),
            role: None,
            teams: Vec::new(),
            note: String::new(),
        }
    }
}

/// Why a list could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulkParseError {
    #[error("The list is empty. Paste addresses or upload a CSV file.")]
    Empty,
    #[error("At most {MAX_BULK_ROWS} people can be invited at once; this list has {0}. Split it.")]
    TooMany(usize),
    #[error("Line {line}: “{role}” is not a role. Use owner, admin or member, or leave it empty.")]
    UnknownRole { line: usize, role: String },
}

/// Reads a pasted list or CSV text into rows, in order (repeats kept: the
/// server reports them).
pub fn parse_bulk(text: &str) -> Result<Vec<BulkLine>, BulkParseError> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || is_header(line) {
            continue;
        }
        match csv_fields(line) {
            Some(fields) => rows.push(csv_row(index + 1, &fields)?),
            None => rows.extend(
                line.split([',', ';'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(BulkLine::address),
            ),
        }
        if rows.len() > MAX_BULK_ROWS {
            // Keep counting cheaply so the message says how long the list is.
            let total = rows.len() + count_addresses(text.lines().skip(index + 1));
            return Err(BulkParseError::TooMany(total));
        }
    }
    if rows.is_empty() {
        return Err(BulkParseError::Empty);
    }
    Ok(rows)
}

fn is_header(line: &str) -> bool {
    line.split(',')
        .next()
        .is_some_and(|f| unquote(f).eq_ignore_ascii_case("email"))
        && line.contains(',')
}

/// The line's CSV fields, if it is a CSV line: its second field is a role,
/// or it has more fields and the second is not an address (`a@x.io,` alone is
/// a list's trailing comma, `a@x.io,b@x.io,c@x.io` a list).
fn csv_fields(line: &str) -> Option<Vec<String>> {
    let fields: Vec<String> = line.splitn(4, ',').map(unquote).collect();
    let second = fields.get(1)?;
    let is_csv = !fields[0].contains(';')
        && (second.parse::<Role>().is_ok() || (fields.len() > 2 && !second.contains('@')));
    is_csv.then_some(fields)
}

fn csv_row(line: usize, fields: &[String]) -> Result<BulkLine, BulkParseError> {
    let field = |i: usize| fields.get(i).map(String::as_str).unwrap_or("");
    let role = match field(1) {
        "" => None,
        text => Some(text.parse().map_err(|_| BulkParseError::UnknownRole {
            line,
            role: text.to_owned(),
        })?),
    };
    Ok(BulkLine {
        email: field(0).to_owned(),
        role,
        teams: field(2)
            .split([';', '|'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        note: field(3).to_owned(),
    })
}

fn unquote(field: &str) -> String {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(field)
        .replace("\"\"", "\"")
        .trim()
        .to_owned()
}

fn count_addresses<'a>(lines: impl Iterator<Item = &'a str>) -> usize {
    lines
        .map(|l| l.split([',', ';']).filter(|a| !a.trim().is_empty()).count())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emails(rows: &[BulkLine]) -> Vec<&str> {
        rows.iter().map(|r| r.email.as_str()).collect()
    }

    #[test]
    fn reads_addresses_by_line_comma_and_semicolon() {
        let rows = parse_bulk("a@x.io\n b@x.io, c@x.io; d@x.io\n\n;e@x.io,").unwrap();
        assert_eq!(
            emails(&rows),
            ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"]
        );
        assert!(rows.iter().all(|r| r.role.is_none() && r.teams.is_empty()));
    }

    #[test]
    fn reads_csv_lines_with_role_teams_and_note() {
        let text = "email,role,teams,note\n\
                    ann@x.io,admin,Backend;Ops|Web,needs deploys, and logs\n\
                    \"bob@x.io\",,,\n\
                    cy@x.io,Member,,";
        let rows = parse_bulk(text).unwrap();
        assert_eq!(emails(&rows), ["ann@x.io", "bob@x.io", "cy@x.io"]);
        assert_eq!(rows[0].role, Some(Role::Admin));
        assert_eq!(rows[0].teams, ["Backend", "Ops", "Web"]);
        assert_eq!(rows[0].note, "needs deploys, and logs");
        assert_eq!(rows[1], BulkLine::address("bob@x.io"));
        assert_eq!(rows[2].role, Some(Role::Member));
    }

    #[test]
    fn keeps_bad_addresses_and_repeats_for_the_server_to_report() {
        let rows = parse_bulk("not-an-address\na@x.io\nA@x.io").unwrap();
        assert_eq!(emails(&rows), ["not-an-address", "a@x.io", "A@x.io"]);
    }

    #[test]
    fn refuses_an_unknown_role_naming_the_line() {
        assert_eq!(
            parse_bulk("a@x.io\nb@x.io,,Ops\nc@x.io,root,,").unwrap_err(),
            BulkParseError::UnknownRole {
                line: 3,
                role: "root".into()
            }
        );
    }

    #[test]
    fn refuses_empty_and_oversized_lists() {
        assert_eq!(parse_bulk(" \n\n").unwrap_err(), BulkParseError::Empty);
        let exactly: String = (0..MAX_BULK_ROWS).map(|i| format!("p{i}@x.io\n")).collect();
        assert_eq!(parse_bulk(&exactly).unwrap().len(), MAX_BULK_ROWS);
        let over: String = (0..MAX_BULK_ROWS + 10)
            .map(|i| format!("p{i}@x.io,"))
            .collect();
        assert_eq!(parse_bulk(&over).unwrap_err(), BulkParseError::TooMany(510));
    }
}
