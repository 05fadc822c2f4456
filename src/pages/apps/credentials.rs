//! "Credentials": the app's development and production client id and
//! secret. A secret is shown once, when it is made; rotating keeps the
//! previous one working for 24 hours unless revoked.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::AppNav;
use crate::api::apps::app_detail;
use crate::api::credentials::{
    credentials_page, EnvironmentOut, GenerateSecret, NewSecretOut, RevokeOldSecret,
};
use crate::components::field::{action_error, FormError};
use crate::domain::app::{AppKind, AppStatus};
use crate::pages::error_view;

/// `/apps/:id/credentials`.
#[component]
pub fn CredentialsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let generate = ServerAction::<GenerateSecret>::new();
    let revoke = ServerAction::<RevokeOldSecret>::new();
    let app = Resource::new(id, app_detail);
    let data = Resource::new(
        move || (id(), generate.version().get(), revoke.version().get()),
        |(id, _, _)| credentials_page(id),
    );
    let error = Signal::derive(move || action_error(generate).get().or(action_error(revoke).get()));
    view! {
        <Title text="Credentials"/>
        <Transition>
            {move || Suspend::new(async move {
                let app = match app.await {
                    Ok(app) => app,
                    Err(e) => return error_view(e),
                };
                let nav = view! { <AppNav id=app.id.clone() name=app.name.clone() current="credentials"/> };
                if app.app_type.kind == AppKind::WebhookOnly {
                    return view! {
                        <div class="app-layout">
                            {nav}
                            <section class="card">
                                <h1>"Credentials"</h1>
                                <p>"Webhook-only apps have no OAuth credentials: they only receive events."</p>
                            </section>
                        </div>
                    }
                    .into_any();
                }
                let page = match data.await {
                    Ok(page) => page,
                    Err(e) => return error_view(e),
                };
                // A secret just made: from the action (JavaScript) or from
                // the redirect after a plain form post.
                let shown = generate
                    .value()
                    .get_untracked()
                    .and_then(Result::ok)
                    .or(page.new_secret.clone());
                let published = app.status == AppStatus::Published;
                view! {
                    <div class="app-layout">
                        {nav}
                        <div class="information-main">
                            <section class="card">
                                <h1>"Credentials"</h1>
                                <p class="muted">
                                    "Your app signs in to the platform with a client ID and client secret. "
                                    "Development credentials authorize members of your own account; "
                                    "production credentials work once the app is approved."
                                </p>
                                <FormError error/>
                                {shown.map(|made| view! { <NewSecret made/> })}
                            </section>
                            {["development", "production"].into_iter().map(|environment| {
                                let current = page.environments.iter().find(|e| e.environment == environment).cloned();
                                view! { <EnvironmentCard id=app.id.clone() environment current published generate revoke/> }
                            }).collect_view()}
                        </div>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

fn title(environment: &str) -> &'static str {
    if environment == "production" {
        "Production"
    } else {
        "Development"
    }
}

/// The secret, once.
#[component]
fn NewSecret(made: NewSecretOut) -> impl IntoView {
    let label = format!(
        "New {} client secret",
        title(&made.environment).to_lowercase()
    );
    view! {
        <div class="invite-panel new-invite" role="status">
            <label for="new-secret">{label}</label>
            <input id="new-secret" type="text" readonly=true value=made.client_secret.clone()/>
            <p class="hint">"Copy it now: it is stored only as a hash and cannot be shown again."</p>
            {made.old_secret_expires.map(|until| view! {
                <p>{format!("The previous secret keeps working until {until} (UTC).")}</p>
            })}
        </div>
    }
}

#[component]
fn EnvironmentCard(
    id: String,
    environment: &'static str,
    current: Option<EnvironmentOut>,
    published: bool,
    generate: ServerAction<GenerateSecret>,
    revoke: ServerAction<RevokeOldSecret>,
) -> impl IntoView {
    let heading = title(environment);
    let button = if current.is_some() {
        "Rotate secret"
    } else {
        "Generate client secret"
    };
    let button_label = format!("{button} ({})", heading.to_lowercase());
    let revoke_id = id.clone();
    view! {
        <section class="card" aria-labelledby=format!("{environment}-heading")>
            <h2 id=format!("{environment}-heading")>{heading}</h2>
            {(environment == "production" && !published).then(|| view! {
                <p class="muted">"Inactive until the app is approved: these credentials cannot be used yet."</p>
            })}
            {current.clone().map(move |c| {
                let input_id = format!("{environment}-client-id");
                view! {
                    <div class="field">
                        <label for=input_id.clone()>{format!("{heading} client ID")}</label>
                        <input id=input_id type="text" readonly=true value=c.client_id.clone()/>
                    </div>
                    <p>{format!("Client secret made {} (UTC).", c.secret_created)}</p>
                    {c.old_secret_expires.clone().map(|until| view! {
                        <p>{format!("The previous secret works until {until} (UTC).")}</p>
                        <ActionForm action=revoke attr:class="inline">
                            <input type="hidden" name="id" value=revoke_id.clone()/>
                            <input type="hidden" name="environment" value=environment/>
                            <button type="submit" class="btn small danger">{format!("Revoke old {} secret now", heading.to_lowercase())}</button>
                        </ActionForm>
                    })}
                }
            })}
            <ActionForm action=generate attr:class="inline">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="environment" value=environment/>
                <button type="submit" class="btn" aria-label=button_label>{button}</button>
            </ActionForm>
        </section>
    }
}
