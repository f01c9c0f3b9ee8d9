//! Delivery of one message through lettre: `.eml` files or SMTP.

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::outbox::OutboxRow;
use crate::server::config::MailTransportConfig;

/// A configured way out for mail.
#[derive(Clone)]
pub enum Transport {
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Transport {
    /// Builds the transport from configuration, creating the mail directory.
    pub fn from_config(config: &MailTransportConfig) -> Result<Self, String> {
        match config {
            MailTransportConfig::File { dir } => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create mail directory {dir}: {e}"))?;
                Ok(Self::File(AsyncFileTransport::new(dir)))
            }
            MailTransportConfig::Smtp { url } => {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|b| {
                        Self::Smtp(b.timeout(Some(std::time::Duration::from_secs(20))).build())
                    })
                    .map_err(|e| format!("invalid MAIL_TRANSPORT URL: {e}"))
            }
        }
    }

    /// Sends one outbox row; the error text is what the console shows as the reason.
    pub async fn send(&self, from: &str, row: &OutboxRow) -> Result<(), String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("invalid From address (MAIL_FROM): {e}"))?;
        let message_id = format!("<{}@{}>", row.message_id, from.email.domain());
        let to: Mailbox = row
            .to_addr
            .parse()
            .map_err(|e| format!("invalid recipient: {e}"))?;
        let message = Message::builder()
            .message_id(Some(message_id))
            .from(from)
            .to(to)
            .subject(&row.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(row.text_body.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(row.html_body.clone()),
                    ),
            )
            .map_err(|e| format!("cannot build message: {e}"))?;
        match self {
            Self::File(t) => {
                t.send(message)
                    .await
                    .map_err(|e| format!("cannot write mail file: {e}"))?;
                // The dev transport logs links so the console works with no mail server.
                for link in row
                    .text_body
                    .split_whitespace()
                    .filter(|w| w.starts_with("http"))
                {
                    tracing::info!(to = %row.to_addr, subject = %row.subject, %link, "mail written to file");
                }
                Ok(())
            }
            Self::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP delivery failed: {e}")),
        }
    }
}
