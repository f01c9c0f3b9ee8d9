//! Every type that crosses the wire between the console and the server, one
//! file per area; compiled for both. `server/` answers with these and `api/`
//! passes them through, so neither endpoint layer owns a shape.

pub mod access;
pub mod api_keys;
pub mod auth;
pub mod forms;
pub mod inbox;
pub mod invitations;
pub mod members;
pub mod orgs;
pub mod sso;
