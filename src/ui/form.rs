//! Small form pieces: labelled fields with their error, and the form's alert.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::access::ProjectItem;
use crate::model::forms::Refused;

/// The refusal this page answers, if it answers one. Read once, first thing
/// in the page's component: the server's render hands it to a hydrating
/// browser (a signed-in one gets the page with its code), so both render
/// the same markup.
pub fn refusal_of_this_page() -> Option<Refused> {
    SharedValue::new(use_context::<Refused>).into_inner()
}

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

/// The submit button of a plain HTML form (one posted without the console's
/// code): it works before hydration, and until the server answers it shows
/// `busy_label` (the shell's submit cue reads `data-busy`).
#[component]
pub fn PostButton(
    label: &'static str,
    busy_label: &'static str,
    #[prop(default = "button button-primary")] class: &'static str,
) -> impl IntoView {
    view! { <button type="submit" class=class data-busy=busy_label>{label}</button> }
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

/// Runs a change from the browser; its error, if any, goes to `error` (and a
/// success clears it). Whatever should follow a success goes in `change`.
pub fn submit(
    error: RwSignal<Option<String>>,
    change: impl std::future::Future<Output = Result<(), AppError>> + 'static,
) {
    leptos::task::spawn_local(async move {
        error.try_set(change.await.err().map(|e| e.to_string()));
    });
}

/// A one-field form on one line: a labelled input, a submit button and, when
/// `on_cancel` is given, a Cancel button.
#[component]
pub fn InlineForm(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    submit_label: &'static str,
    on_submit: Callback<()>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let input_id = id.clone();
    view! {
        <form class="toolbar" on:submit=move |ev| { ev.prevent_default(); on_submit.run(()); }>
            <div class="field">
                <label for=id>{label}</label>
                <input id=input_id type=kind maxlength="254" bind:value=value/>
            </div>
            <button type="submit" class="button button-primary">{submit_label}</button>
            {on_cancel.map(|cancel| view! {
                <button type="button" class="button" on:click=move |_| cancel.run(())>"Cancel"</button>
            })}
        </form>
    }
}

/// Puts `item` in `list` (once) when `on`, takes it out otherwise: a checkbox group.
pub fn toggle<T: PartialEq + Send + Sync + 'static>(list: RwSignal<Vec<T>>, item: T, on: bool) {
    list.update(|l| {
        l.retain(|x| *x != item);
        if on {
            l.push(item);
        }
    });
}

/// A "Where" select: the whole organization (value "") or one of `projects`.
#[component]
pub fn ScopeSelect(
    #[prop(into)] id: String,
    value: RwSignal<String>,
    projects: Vec<ProjectItem>,
) -> impl IntoView {
    let select_id = id.clone();
    view! {
        <div class="field">
            <label for=id>"Where"</label>
            <select id=select_id bind:value=value>
                <option value="">"Whole organization"</option>
                {projects.into_iter().map(|p| view! {
                    <option value=p.id.to_string()>{format!("Project {}", p.name)}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// Checkboxes for the teams an invitee joins (nothing when there are no teams).
#[component]
pub fn TeamChecks(
    teams: Vec<crate::model::access::TeamItem>,
    chosen: RwSignal<Vec<uuid::Uuid>>,
    legend: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    (!teams.is_empty()).then(|| {
        view! {
            <fieldset class="picker">
                <legend>{legend}</legend>
                {teams.into_iter().map(|t| {
                    let id = t.id;
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&id))
                                on:change=move |ev| toggle(chosen, id, event_target_checked(&ev))/>
                            {t.name}
                        </label>
                    }
                }).collect_view()}
                <p class="field-error">{move || error.get()}</p>
            </fieldset>
        }
    })
}
