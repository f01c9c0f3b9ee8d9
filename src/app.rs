//! The HTML shell and the router.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
#[cfg(feature = "ssr")]
use leptos_meta::{HashedStylesheet, MetaTags};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

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
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let code = loads_code();
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
                {code.then(|| view! { <HydrationScripts options/> })}
                <script inner_html=SUBMIT_CUE></script>
                <MetaTags/>
            </head>
            // `data-hydrated` says the controls work: lib.rs sets it once the
            // code has hydrated the page; a page without code works at once.
            <body data-hydrated=(!code).then_some("true")>
                <App/>
            </body>
        </html>
    }
}

/// Whether the page loads the console's code (WASM). The pages opened from
/// outside the console, sign-in and an invitation link, work as plain HTML
/// forms: a visitor who is not signed in gets them without it, a first visit
/// costs a few kilobytes. A signed-in browser (it has the code cached) gets
/// the whole console, the top bar's menus included.
#[cfg(feature = "ssr")]
fn loads_code() -> bool {
    use crate::model::auth::SESSION_COOKIE;
    let Some(request) = use_context::<axum::http::request::Parts>() else {
        return true;
    };
    let path = request.uri.path();
    let outside = path == "/sign-in" || path.starts_with("/invite/");
    let signed_in = request
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(tower_sessions::cookie::Cookie::split_parse)
        .any(|c| c.is_ok_and(|c| c.name() == SESSION_COOKIE));
    !outside || signed_in
}

/// A plain form's cue until the server answers: its button shows its busy
/// label (`data-busy`), and its own label again when the browser brings the
/// page back from its history.
#[cfg(feature = "ssr")]
const SUBMIT_CUE: &str = "addEventListener('submit',e=>{const b=e.submitter;if(b&&b.dataset.busy){\
b.dataset.idle??=b.textContent;b.textContent=b.dataset.busy}});addEventListener('pageshow',()=>{\
for(const b of document.querySelectorAll('[data-idle]')){b.textContent=b.dataset.idle;delete b.dataset.idle}})";

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
                    // Rendered whole before they are sent: they work as plain
                    // HTML, with no script needed to show what they load.
                    <Route path=path!("/sign-in") view=SignIn ssr=SsrMode::Async/>
                    <Route path=path!("/sign-up") view=SignUp/>
                    <Route path=path!("/verify-email/:token") view=VerifyEmail/>
                    <Route path=path!("/forgot-password") view=ForgotPassword/>
                    <Route path=path!("/reset-password/:token") view=ResetPassword/>
                    <Route path=path!("/onboarding") view={Lazy::<OnboardingRoute>::new()}/>
                    <Route path=path!("/invite/:token") view=Invite ssr=SsrMode::Async/>
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
