//! The text and HTML of every message the console sends.

use super::outbox::OutgoingMail;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::domain::email::EmailError;
use crate::domain::{Email, Role};

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Wraps paragraphs and one call-to-action link in the shared HTML layout.
fn html_layout(paragraphs: &[String], link_label: &str, link: &str) -> String {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape_html(p)))
        .collect();
    format!(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2937\">\
         {body}<p><a href=\"{href}\" style=\"display:inline-block;padding:10px 16px;background:#4338ca;color:#fff;border-radius:6px;text-decoration:none\">{label}</a></p>\
         <p style=\"color:#6b7280;font-size:13px\">Or open this link: {href}</p></body></html>",
        href = escape_html(link),
        label = escape_html(link_label),
    )
}

/// "Confirm your email address" for a new account.
pub fn verify_email(to: &Email, name: &str, link: &str) -> OutgoingMail {
    let paragraphs = vec![
        format!("Hi {name},"),
        "Confirm that this is your email address to finish setting up your Gatehouse account."
            .to_owned(),
    ];
    OutgoingMail {
        to: to.clone(),
        subject: "Confirm your email address".into(),
        text: format!("{}\n\n{}\n\nConfirm your email: {link}\n\nIf you did not sign up, ignore this message.\n", paragraphs[0], paragraphs[1]),
        html: html_layout(&paragraphs, "Confirm email", link),
    }
}

/// What the invitation mail says.
#[derive(Clone, Copy, PartialEq)]
pub struct InvitationMail<'a> {
    /// Where it goes: the invited address or the separate notification address.
    pub to: &'a str,
    pub invitee: &'a str,
    pub org_name: &'a str,
    pub inviter_name: &'a str,
    pub role: Role,
    pub note: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
    pub link: &'a str,
}

impl InvitationMail<'_> {
    /// Whether `other` says the same: every field alike, the expiry to the
    /// minute [`invitation`] shows.
    pub fn reads_as(&self, other: &InvitationMail<'_>) -> bool {
        self.shown() == other.shown()
    }

    /// It with the expiry as [`invitation`] shows it.
    fn shown(&self) -> Self {
        let minute = TimeDelta::minutes(1);
        Self {
            expires_at: self
                .expires_at
                .duration_trunc(minute)
                .unwrap_or(self.expires_at),
            ..*self
        }
    }
}

/// "<inviter> invited you to join <organization>".
pub fn invitation(mail: &InvitationMail<'_>) -> Result<OutgoingMail, EmailError> {
    let expires = mail.expires_at.format("%B %-d, %Y at %H:%M UTC");
    let mut paragraphs = vec![format!(
        "{} invited {} to join {} on Gatehouse as {}.",
        mail.inviter_name,
        mail.invitee,
        mail.org_name,
        mail.role.label()
    )];
    if let Some(note) = mail.note {
        paragraphs.push(format!("Their note: \"{note}\""));
    }
    paragraphs.push(format!(
        "The invitation expires on {expires}. Open it to accept or decline."
    ));
    let text = format!("{}\n\nAccept or decline: {}\n\nIf you were not expecting this, you can ignore this message.\n", paragraphs.join("\n\n"), mail.link);
    Ok(OutgoingMail {
        to: Email::parse(mail.to)?,
        subject: format!(
            "{} invited you to join {}",
            mail.inviter_name, mail.org_name
        ),
        text,
        html: html_layout(&paragraphs, "View invitation", mail.link),
    })
}

/// "You were removed from <organization>".
pub fn removed(to: &Email, name: &str, org_name: &str, base_url: &str) -> OutgoingMail {
    let paragraphs = vec![
        format!("Hi {name},"),
        format!("An administrator removed you from {org_name} on Gatehouse. You no longer have access to it or its projects."),
        "If you think this is a mistake, contact an administrator of the organization.".to_owned(),
    ];
    OutgoingMail {
        to: to.clone(),
        subject: format!("You were removed from {org_name}"),
        text: format!(
            "{}\n\n{}\n\n{}\n\nYour other organizations: {base_url}\n",
            paragraphs[0], paragraphs[1], paragraphs[2]
        ),
        html: html_layout(&paragraphs, "Open Gatehouse", base_url),
    }
}

/// "Reset your Gatehouse password". It greets nobody by name: the name on an
/// unconfirmed account was typed by whoever signed up, maybe not the owner of
/// this mailbox.
pub fn password_reset(to: &Email, link: &str) -> OutgoingMail {
    let paragraphs = vec![
        "Someone asked to reset the password of the Gatehouse account for this email address."
            .to_owned(),
        "Choose a new password with the link below. It works once, within one hour, and signs out every other session of the account."
            .to_owned(),
    ];
    OutgoingMail {
        to: to.clone(),
        subject: "Reset your Gatehouse password".into(),
        text: format!("{}\n\n{}\n\nChoose a new password: {link}\n\nIf you did not ask for this, ignore this message; your password stays as it is.\n", paragraphs[0], paragraphs[1]),
        html: html_layout(&paragraphs, "Choose a new password", link),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_in_html() {
        let to = Email::parse("a@example.com").unwrap();
        let mail = verify_email(&to, "<b>Eve</b>", "http://x/verify/abc");
        assert!(mail.html.contains("&lt;b&gt;Eve&lt;/b&gt;"));
        assert!(!mail.html.contains("<b>Eve"));
        assert!(mail.text.contains("http://x/verify/abc"));
    }

    #[test]
    fn invitation_mails_read_alike_to_the_minute_of_expiry() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let mail = InvitationMail {
            to: "ann@example.com",
            invitee: "ann@example.com",
            org_name: "Acme",
            inviter_name: "Owner",
            role: Role::Member,
            note: None,
            expires_at: at("2026-12-13T10:15:02Z"),
            link: "http://x/invite/abc",
        };
        let later = |s| InvitationMail {
            expires_at: at(s),
            ..mail
        };
        assert!(mail.reads_as(&later("2026-12-13T10:15:59.9Z")));
        assert!(!mail.reads_as(&later("2026-12-13T10:16:00Z")));
        assert!(!mail.reads_as(&InvitationMail {
            org_name: "Acme Corp",
            ..mail
        }));
        assert!(mail.reads_as(&mail));
    }
}
