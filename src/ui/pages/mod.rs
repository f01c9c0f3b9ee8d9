//! One page per file.

pub mod auth;
pub mod home;
pub mod onboarding;
pub mod org;
pub mod verify;
