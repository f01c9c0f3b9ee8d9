//! One page per file. The pages people open from outside the console (sign
//! in and up, and the links mailed to them: invitation, email check,
//! password reset) are in the shell, so a first visit is one WASM file, and
//! sign-in and the invitation link need none until the browser is signed in
//! (`app::shell`); every other page is a route of its own in the WASM (built
//! with `cargo leptos build --split`), downloaded only when it is opened.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

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

/// A lazily loaded route per page. Pages load their own data, so `data` has
/// nothing to start before the page's code arrives. Pages inside an
/// organization wait in their route for the organization the frame loads.
macro_rules! lazy_routes {
    (in organization: $($route:ident => $page:ident),* $(,)?) => {
        lazy_routes!(@each $($route => view! { <OrgPage><$page/></OrgPage> }),*);
    };
    ($($route:ident => $page:ident),* $(,)?) => {
        lazy_routes!(@each $($route => view! { <$page/> }),*);
    };
    (@each $($route:ident => $view:expr),*) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }
    )*};
}

use account::Account;
use activity::Activity;
use home::Home;
use invitations::Invitations;
use members::Members;
use onboarding::Onboarding;
use org::Dashboard;
use projects::Projects;
use settings::Settings;
use teams::Teams;

use crate::ui::layout::OrgPage;

lazy_routes! {
    HomeRoute => Home,
    OnboardingRoute => Onboarding,
    AccountRoute => Account,
}

lazy_routes! {
    in organization:
    DashboardRoute => Dashboard,
    MembersRoute => Members,
    InvitationsRoute => Invitations,
    TeamsRoute => Teams,
    ProjectsRoute => Projects,
    SettingsRoute => Settings,
    ActivityRoute => Activity,
}
