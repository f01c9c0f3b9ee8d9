//! How times are shown, in the console and in its messages: one format
//! everywhere, e.g. "Dec 2, 2026".

use chrono::{DateTime, Utc};

/// A day, e.g. "Nov 22, 2026".
pub fn day(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y").to_string()
}

/// A day and time in UTC, e.g. "Nov 22, 2026 14:05 UTC".
pub fn moment(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y %H:%M UTC").to_string()
}
