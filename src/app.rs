//! The HTML shell and the router.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::ui::layout::{OrgLayout, TopBar};
use crate::ui::org_context::AccessPulse;
use crate::ui::pages::account::Account;
use crate::ui::pages::auth::{SignIn, SignUp};
use crate::ui::pages::password_reset::{ForgotPassword, ResetPassword};
use crate::ui::pages::{
    activity::Activity, home::Home, invitations::Invitations, invite::Invite, members::Members,
    onboarding::Onboarding, org::Dashboard, projects::Projects, settings::Settings, teams::Teams,
    verify::VerifyEmail,
};
use crate::ui::session::provide_session;
use crate::ui::toast::{Toaster, Toasts};

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                // Named here so browsers do not ask for a missing /favicon.ico.
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The console: top bar and pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_session();
    AccessPulse::provide();
    Toasts::provide();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Gatehouse".to_owned() } else { format!("{page} · Gatehouse") }/>
        <Router>
            <Toaster/>
            <TopBar/>
            <main id="main">
                <Routes fallback=|| view! { <section class="page"><Title text="Page not found"/><h1>"Page not found"</h1><p><a href="/">"Go to the console"</a></p></section> }>
                    <Route path=path!("") view=Home/>
                    <Route path=path!("/sign-in") view=SignIn/>
                    <Route path=path!("/sign-up") view=SignUp/>
                    <Route path=path!("/verify-email/:token") view=VerifyEmail/>
                    <Route path=path!("/forgot-password") view=ForgotPassword/>
                    <Route path=path!("/reset-password/:token") view=ResetPassword/>
                    <Route path=path!("/onboarding") view=Onboarding/>
                    <Route path=path!("/invite/:token") view=Invite/>
                    <Route path=path!("/account") view=Account/>
                    <ParentRoute path=path!("/orgs/:slug") view=OrgLayout>
                        <Route path=path!("") view=Dashboard/>
                        <Route path=path!("members") view=Members/>
                        <Route path=path!("invitations") view=Invitations/>
                        <Route path=path!("teams") view=Teams/>
                        <Route path=path!("projects") view=Projects/>
                        <Route path=path!("settings") view=Settings/>
                        <Route path=path!("activity") view=Activity/>
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}
