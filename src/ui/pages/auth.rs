//! Sign-up and sign-in pages.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::auth::SignUp as SignUpFn;
use crate::domain::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::error::AppError;
use crate::model::auth::EmailTaken;
use crate::model::forms::Refused;
use crate::ui::client_only::SubmitButton;
use crate::ui::form::{
    field_error, form_error, refusal_of_this_page, Field, FormAlert, PostButton,
};
use crate::ui::provider_buttons::ProviderButtons;
use crate::ui::session::{hard_navigate, safe_next, urlencode};

/// Where to go after signing in, from `?next=`.
fn next_path() -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || safe_next(query.read().get("next")))
}

/// Goes to `next` once `result` is a success.
pub fn navigate_on_success<T: Clone + Send + Sync + 'static>(
    result: Signal<Option<Result<T, AppError>>>,
    next: Signal<String>,
) {
    Effect::new(move |_| {
        if let Some(Ok(_)) = result.get() {
            hard_navigate(&next.get_untracked());
        }
    });
}

/// Create an account.
#[component]
pub fn SignUp() -> impl IntoView {
    let action = ServerAction::<SignUpFn>::new();
    let result = Signal::derive(move || action.value().get());
    let next = next_path();
    let query = use_query_map();
    let email = query.read_untracked().get("email");
    navigate_on_success(result, next);
    let email_error = field_error(result, "email");
    let taken = move || {
        email_error
            .get()
            .as_deref()
            .and_then(EmailTaken::from_message)
    };
    view! {
        <leptos_meta::Title text="Create your account"/>
        <section class="page page-narrow">
            <h1>"Create your account"</h1>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormAlert message=form_error(result)/>
                <Field label="Name" name="name" autocomplete="name" error=field_error(result, "name")/>
                <Field label="Email" name="email" kind="email" autocomplete="email" value=email.unwrap_or_default() error=email_error/>
                {move || taken().map(|taken| match taken {
                    EmailTaken::Confirmed => view! {
                        <p><a href=format!("/sign-in?next={}", urlencode(&next.get()))>"Sign in with this email"</a></p>
                    }.into_any(),
                    EmailTaken::Unconfirmed => view! {
                        <p><a href="/forgot-password">"Reset the password to claim it"</a></p>
                    }.into_any(),
                })}
                <Field label="Password" name="password" kind="password" autocomplete="new-password" hint=password_hint() error=field_error(result, "password")/>
                <SubmitButton label="Create account" busy_label="Creating account…" busy=action.pending()/>
            </ActionForm>
            <ProviderButtons then=format!("next={}", urlencode(&next.get_untracked()))/>
            <p>"Already have an account? " <a href=move || format!("/sign-in?next={}", urlencode(&next.get()))>"Sign in"</a></p>
        </section>
    }
}

/// The rules of a new password, as the hint under its field.
pub fn password_hint() -> &'static str {
    const _: () = assert!(MIN_PASSWORD_CHARS == 8 && MAX_PASSWORD_CHARS == 128);
    "8 to 128 characters. A few unrelated words make a strong password."
}

/// The answer to a refused form of this page, as an action's result.
fn refusal(refused: Option<AppError>) -> Signal<Option<Result<(), AppError>>> {
    Signal::stored(refused.map(Err))
}

/// Sign in with email and password, or by single sign-on, where a work
/// address finds its organization's provider. Both are plain HTML forms
/// posted to `/sign-in` (`api::page_forms`), so the page works before and
/// without the console's code; a refused one comes back with its error.
#[component]
pub fn SignIn() -> impl IntoView {
    let refused = refusal_of_this_page();
    let next = next_path();
    let (email, result) = match refused.clone() {
        Some(Refused::SignIn { email, error }) => (email, refusal(Some(error))),
        _ => (String::new(), refusal(None)),
    };
    let (address, sso) = match refused {
        Some(Refused::SingleSignOn { address, error }) => (address, refusal(Some(error))),
        _ => (String::new(), refusal(None)),
    };
    view! {
        <leptos_meta::Title text="Sign in"/>
        <section class="page page-narrow">
            <h1>"Sign in"</h1>
            <form method="post" action="/sign-in" class="stack" novalidate>
                <FormAlert message=form_error(result)/>
                <input type="hidden" name="next" value=move || next.get()/>
                <Field label="Email" name="email" kind="email" autocomplete="username" value=email error=field_error(result, "email")/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error=field_error(result, "password")/>
                <PostButton label="Sign in" busy_label="Signing in…"/>
            </form>
            <ProviderButtons then=format!("next={}", urlencode(&next.get_untracked()))/>
            <form method="post" action="/sign-in" class="stack" novalidate aria-label="Single sign-on">
                <FormAlert message=form_error(sso)/>
                <input type="hidden" name="next" value=move || next.get()/>
                <Field label="Work address (single sign-on)" name="address" kind="email" autocomplete="off" value=address error=field_error(sso, "address")/>
                <PostButton label="Continue with SSO" busy_label="Finding your organization…"/>
            </form>
            <p><a href="/forgot-password">"Forgot your password?"</a></p>
            <p>"New here? " <a href=move || format!("/sign-up?next={}", urlencode(&next.get()))>"Create an account"</a></p>
        </section>
    }
}
