//! Organization single sign-on (seed 003): an organization's connection to
//! an identity provider and the domains it claims ([`connections`]), what
//! owners set ([`settings`]), and what an SSO sign-in does ([`provision`]).

pub mod connections;
pub mod provision;
pub mod settings;
