//! The HTML shell and the router.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy};

use crate::ui::layout::{OrgLayout, TopBar};
use crate::ui::org_context::AccessPulse;
use crate::ui::pages::auth::{SignIn, SignUp};
use crate::ui::pages::invite::Invite;
use crate::ui::pages::password_reset::{ForgotPassword, ResetPassword};
use crate::ui::pages::verify::VerifyEmail;
use crate::ui::pages::{
    AccountRoute, ActivityRoute, DashboardRoute, HomeRoute, InvitationsRoute, MembersRoute,
    OnboardingRoute, ProjectsRoute, SettingsRoute, TeamsRoute,
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
                    <Route path=path!("") view={Lazy::<HomeRoute>::new()}/>
                    <Route path=path!("/sign-in") view=SignIn/>
                    <Route path=path!("/sign-up") view=SignUp/>
                    <Route path=path!("/verify-email/:token") view=VerifyEmail/>
                    <Route path=path!("/forgot-password") view=ForgotPassword/>
                    <Route path=path!("/reset-password/:token") view=ResetPassword/>
                    <Route path=path!("/onboarding") view={Lazy::<OnboardingRoute>::new()}/>
                    <Route path=path!("/invite/:token") view=Invite/>
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()}/>
                    <ParentRoute path=path!("/orgs/:slug") view=OrgLayout>
                        <Route path=path!("") view={Lazy::<DashboardRoute>::new()}/>
                        <Route path=path!("members") view={Lazy::<MembersRoute>::new()}/>
                        <Route path=path!("invitations") view={Lazy::<InvitationsRoute>::new()}/>
                        <Route path=path!("teams") view={Lazy::<TeamsRoute>::new()}/>
                        <Route path=path!("projects") view={Lazy::<ProjectsRoute>::new()}/>
                        <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()}/>
                        <Route path=path!("activity") view={Lazy::<ActivityRoute>::new()}/>
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}
