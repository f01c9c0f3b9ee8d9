//! Mail: the outbox written inside business transactions, the templates, the
//! transports, and the worker that delivers with retries.

pub mod outbox;
pub mod templates;
pub mod transport;
pub mod worker;

pub use outbox::{enqueue_in, OutgoingMail};
pub use worker::MailWaker;
