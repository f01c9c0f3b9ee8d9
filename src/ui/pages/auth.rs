//! Sign-up and sign-in pages.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{SignIn as SignInFn, SignUp as SignUpFn};
use crate::api::sso::SsoStart;
use crate::domain::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::model::auth::EmailTaken;
use crate::ui::client_only::SubmitButton;
use crate::ui::form::{field_error, form_error, Field, FormAlert};
use crate::ui::provider_buttons::ProviderButtons;
use crate::ui::session::{hard_navigate, safe_next, urlencode};

/// Where to go after signing in, from `?next=`.
fn next_path() -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || safe_next(query.read().get("next")))
}

/// Goes to `next` once `result` is a success.
pub fn navigate_on_success<T: Clone + Send + Sync + 'static>(
    result: Signal<Option<Result<T, crate::error::AppError>>>,
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

/// "Continue with SSO": a work address finds its organization's provider.
#[component]
fn SingleSignOnStart(next: Signal<String>) -> impl IntoView {
    let action = ServerAction::<SsoStart>::new();
    let result = Signal::derive(move || action.value().get());
    Effect::new(move |_| {
        if let Some(Ok(url)) = result.get() {
            hard_navigate(&url);
        }
    });
    view! {
        <ActionForm action=action attr:class="stack" attr:novalidate=true attr:aria-label="Single sign-on">
            <input type="hidden" name="next" value=move || next.get()/>
            <Field label="Work address (single sign-on)" name="address" kind="email" autocomplete="off" error=field_error(result, "address")/>
            <SubmitButton label="Continue with SSO" busy_label="Finding your organization…" busy=action.pending()/>
        </ActionForm>
    }
}

/// Sign in with email and password.
#[component]
pub fn SignIn() -> impl IntoView {
    let action = ServerAction::<SignInFn>::new();
    let result = Signal::derive(move || action.value().get());
    let next = next_path();
    navigate_on_success(result, next);
    view! {
        <leptos_meta::Title text="Sign in"/>
        <section class="page page-narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormAlert message=form_error(result)/>
                <Field label="Email" name="email" kind="email" autocomplete="username" error=field_error(result, "email")/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error=field_error(result, "password")/>
                <SubmitButton label="Sign in" busy_label="Signing in…" busy=action.pending()/>
            </ActionForm>
            <ProviderButtons then=format!("next={}", urlencode(&next.get_untracked()))/>
            <SingleSignOnStart next/>
            <p><a href="/forgot-password">"Forgot your password?"</a></p>
            <p>"New here? " <a href=move || format!("/sign-up?next={}", urlencode(&next.get()))>"Create an account"</a></p>
        </section>
    }
}
