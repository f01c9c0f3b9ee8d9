//! Small form pieces: labelled fields with their error, and the form's alert.

use leptos::prelude::*;

use crate::error::AppError;

/// The message for `field` in the latest result of an action.
pub fn field_error<T: Clone + Send + Sync + 'static>(
    result: Signal<Option<Result<T, AppError>>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || match result.get() {
        Some(Err(err)) => err.field_message(field),
        _ => None,
    })
}

/// The message of an error that belongs to no field.
pub fn form_error<T: Clone + Send + Sync + 'static>(
    result: Signal<Option<Result<T, AppError>>>,
) -> Signal<Option<String>> {
    Signal::derive(move || match result.get() {
        Some(Err(AppError::Invalid { .. })) | None | Some(Ok(_)) => None,
        Some(Err(err)) => Some(err.to_string()),
    })
}

/// A labelled input with its error message below it.
#[component]
pub fn Field(
    /// Visible label.
    label: &'static str,
    /// Form field name; also the id stem.
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: &'static str,
    #[prop(default = true)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = move || {
        let mut ids = Vec::new();
        if !hint.is_empty() {
            ids.push(hint_id.clone());
        }
        if error.get().is_some() {
            ids.push(error_id.clone());
        }
        ids.join(" ")
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required=required
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described
            />
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=format!("field-{name}-hint")>{hint}</p> })}
            <p class="field-error" id=format!("field-{name}-error") role="status">{move || error.get()}</p>
        </div>
    }
}

/// The alert above a form for errors that belong to no field.
#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <div class="alert alert-error" role="alert">{move || message.get()}</div>
        </Show>
    }
}
