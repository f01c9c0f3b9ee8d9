//! `/forgot-password` asks for a reset link by mail; `/reset-password/:token`
//! is that link: choose a new password, and be signed in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::auth::{
    password_reset_preview, RequestPasswordReset, ResetPassword as ResetPasswordFn,
};
use crate::error::AppError;
use crate::ui::client_only::SubmitButton;
use crate::ui::form::{field_error, form_error, Field, FormAlert};
use crate::ui::pages::auth::{navigate_on_success, password_hint};

/// Asks for a reset link; the answer never says whether the address has an account.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let result = Signal::derive(move || action.value().get());
    let sent = move || matches!(result.get(), Some(Ok(())));
    view! {
        <Title text="Reset your password"/>
        <section class="page page-narrow">
            <h1>"Reset your password"</h1>
            <Show when=sent fallback=move || view! {
                <p>"Enter the email address of your account. We will mail you a link to choose a new password."</p>
                <ActionForm action=action attr:class="stack" attr:novalidate=true>
                    <FormAlert message=form_error(result)/>
                    <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(result, "email")/>
                    <SubmitButton label="Send reset link" busy_label="Sending…" busy=action.pending()/>
                </ActionForm>
            }>
                <p role="status">"If an account exists for that address, we sent a link to reset its password."</p>
                <p class="hint">"The link works once, within one hour. If nothing arrives, check the spam folder or ask again."</p>
            </Show>
            <p><a href="/sign-in">"Back to sign in"</a></p>
        </section>
    }
}

/// The page behind a reset link: a new password, or why the link is dead.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let email = Resource::new(token, password_reset_preview);
    view! {
        <Title text="Choose a new password"/>
        <section class="page page-narrow">
            <Suspense fallback=|| view! { <p class="loading" role="status">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match email.await {
                        Ok(email) => view! { <NewPasswordForm email=email token=token()/> }.into_any(),
                        Err(err) => view! { <DeadLink error=err/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The new password for the account at `email`; signs in and opens the console.
#[component]
fn NewPasswordForm(email: String, token: String) -> impl IntoView {
    let action = ServerAction::<ResetPasswordFn>::new();
    let result = Signal::derive(move || action.value().get());
    navigate_on_success(result, Signal::stored("/".to_owned()));
    view! {
        <h1>"Choose a new password"</h1>
        <p>{format!("For the account {email}. Setting it signs out every other session of this account.")}</p>
        <ActionForm action=action attr:class="stack" attr:novalidate=true>
            <FormAlert message=form_error(result)/>
            <input type="hidden" name="token" value=token/>
            // Unnamed, so not sent: tells password managers which account the new password is for.
            <input type="email" autocomplete="username" value=email.clone() hidden=true readonly=true/>
            <Field label="New password" name="password" kind="password" autocomplete="new-password" hint=password_hint() error=field_error(result, "password")/>
            <SubmitButton label="Set password and sign in" busy_label="Saving…" busy=action.pending()/>
        </ActionForm>
    }
}

/// Why a reset link does not work, and the way to a new one.
#[component]
fn DeadLink(error: AppError) -> impl IntoView {
    let message = match error {
        AppError::NotFound(_) => "This reset link is not valid. Check that you opened the whole link from the email, or ask for a new one.".to_owned(),
        other => other.to_string(),
    };
    view! {
        <h1>"This link did not work"</h1>
        <div class="alert alert-error" role="alert">{message}</div>
        <p><a href="/forgot-password">"Ask for a new link"</a></p>
    }
}
