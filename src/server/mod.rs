//! Server-only code: configuration, storage, sessions, mail and background jobs.

pub mod access;
pub mod accounts;
pub mod actor;
pub mod api_keys;
pub mod audit;
pub mod config;
pub mod db;
pub mod fixtures;
pub mod idempotency;
pub mod identity;
pub mod invitations;
pub mod mail;
pub mod members;
pub mod notifications;
pub mod organizations;
pub mod password;
pub mod password_reset;
pub mod projects;
pub mod rate_limit;
pub mod safety_net;
pub mod session;
pub mod sso;
pub mod state;
pub mod sweeps;
pub mod teams;
pub mod token;
