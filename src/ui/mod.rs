//! The console's components and pages.

pub mod api_keys;
pub mod bulk_invite_dialog;
pub mod client_only;
pub mod copy_link;
pub mod dialog;
pub mod form;
pub mod invitation_actions;
pub mod invitation_prompt;
pub mod invite_dialog;
pub mod layout;
pub mod list;
pub mod member_dialogs;
pub mod notification_bell;
pub mod org_context;
pub mod pages;
pub mod popover;
pub mod provider_buttons;
pub mod session;
pub mod sso_settings;
pub mod toast;
