//! Pure rules shared by the server and the browser: no IO here.

pub mod access;
pub mod api_key;
pub mod bulk;
pub mod dates;
pub mod email;
pub mod identity;
pub mod invitation;
pub mod password;
pub mod policy;
pub mod role;
pub mod sso;
pub mod text;

pub use email::Email;
pub use role::Role;
