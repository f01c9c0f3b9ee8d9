//! The console's components and pages.

pub mod form;
pub mod layout;
pub mod pages;
pub mod session;
