//! Sign-in through identity providers (OpenID Connect): configuration and
//! discovery, the flow with its checks, linked identities, and what a
//! verified login does.

pub mod identities;
pub mod oidc;
pub mod providers;
pub mod sign_in;
