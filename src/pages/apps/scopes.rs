//! "Scopes": what the app may ask people for, limited by its type
//! (user-managed apps the user scopes, account-level apps the `:admin`
//! ones, chat bots `imchat:bot`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::submit::ReviewNote;
use super::AppNav;
use crate::api::apps::app_detail;
use crate::api::oauth::{app_scopes, SaveScopes};
use crate::api::review::review_field_notes;
use crate::components::async_view;
use crate::components::field::{field_error, FormError};
use crate::components::form::{form_action, PostForm};
use crate::domain::app::AppKind;
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/apps/:id/scopes`.
#[component]
pub fn ScopesPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let save = form_action::<SaveScopes>();
    let app = page_resource(id, app_detail);
    let scopes = page_resource(id, app_scopes);
    let notes = page_resource(id, review_field_notes);
    let error = save.error();
    let scopes_error = field_error(error, "scopes");
    let query = use_query_map();
    let saved = move || save.value().get().is_none() && query.read().get("saved").is_some();
    view! {
        <Title text="Scopes"/>
        <Transition>
            {move || async_view(async move {
                let app = match app.await {
                    Ok(app) => app,
                    Err(e) => return error_view(e),
                };
                let nav = view! { <AppNav id=app.id.clone() name=app.name.clone() current="scopes"/> };
                if app.app_type.kind == AppKind::WebhookOnly {
                    return view! {
                        <div class="app-layout">
                            {nav}
                            <section class="card"><h1>"Scopes"</h1><p>"Webhook-only apps have no OAuth scopes."</p></section>
                        </div>
                    }
                    .into_any();
                }
                let scopes = match scopes.await {
                    Ok(scopes) => scopes,
                    Err(e) => return error_view(e),
                };
                let notes = notes.await.unwrap_or_default();
                let hint = match app.app_type.kind {
                    AppKind::UserManaged => "A user-managed app acts for the one user who installs it, so it takes user scopes.",
                    AppKind::AccountLevel => "An account-level app is installed by an admin for the whole account, so it takes the :admin scopes.",
                    _ => "A chat bot posts messages as itself.",
                };
                view! {
                    <div class="app-layout">
                        {nav}
                        <section class="card">
                            <h1>"Scopes"</h1>
                            <p class="muted">{hint} " People see each scope explained before they allow the app."</p>
                            <ReviewNote notes field="scopes"/>
                            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
                            {move || saved().then(|| view! { <p class="saved" role="status">"Scopes saved."</p> })}
                            <PostForm action=save>
                                <input type="hidden" name="id" value=app.id.clone()/>
                                <fieldset class="group" aria-describedby="scopes-error">
                                    <legend>"Scopes the app asks for"</legend>
                                    {scopes.available.iter().enumerate().map(|(i, s)| {
                                        let input_id = format!("scope-{}", s.scope.replace(':', "-"));
                                        let checked = scopes.chosen.contains(&s.scope);
                                        view! {
                                            <div class="field checkbox">
                                                <input type="checkbox" id=input_id.clone() name=format!("scopes[{i}]") value=s.scope.clone() checked=checked/>
                                                <label for=input_id>
                                                    <code>{s.scope.clone()}</code>" — "{s.explanation.clone()}
                                                </label>
                                            </div>
                                        }
                                    }).collect_view()}
                                    {move || scopes_error.get().map(|m| view! { <p class="field-error" id="scopes-error">{m}</p> })}
                                </fieldset>
                                <button type="submit" class="btn primary">"Save scopes"</button>
                            </PostForm>
                        </section>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}
