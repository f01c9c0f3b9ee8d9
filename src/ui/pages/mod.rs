//! One page per file.

pub mod account;
pub mod activity;
pub mod auth;
pub mod home;
pub mod invitations;
pub mod invite;
pub mod members;
pub mod onboarding;
pub mod org;
pub mod password_reset;
pub mod projects;
pub mod settings;
pub mod teams;
pub mod verify;
