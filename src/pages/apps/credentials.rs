//! "Credentials": the app's development and production client id and
//! secret. A secret is shown once, when it is made; rotating keeps the
//! previous one working for 24 hours unless revoked.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::submit::ReviewNote;
use super::AppNav;
use crate::api::credentials::{
    credentials_page, EnvironmentOut, GenerateSecret, GraceOut, NewSecretOut, RevokeOldSecret,
};
use crate::api::oauth::{GeneratePublishableUrl, OAuthSettingsOut, SaveRedirects};
use crate::api::review::{review_field_notes, FieldNoteOut};
use crate::components::async_view;
use crate::components::copy::copy_button;
use crate::components::field::{field_error, FormError, TextField};
use crate::components::form::{form_action, ActionOf, PostForm};
use crate::components::time::moment;
use crate::components::url_check::UrlRule;
use crate::domain::app::{AppStatus, Environment};
use crate::domain::app_access::AppAction;
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/apps/:id/credentials`.
#[component]
pub fn CredentialsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let generate = form_action::<GenerateSecret>();
    let revoke = form_action::<RevokeOldSecret>();
    let save_redirects = form_action::<SaveRedirects>();
    let publish = form_action::<GeneratePublishableUrl>();
    // The whole page in one request.
    let data = page_resource(id, credentials_page);
    let notes = page_resource(id, review_field_notes);
    let (generate_error, revoke_error) = (generate.error(), revoke.error());
    let error = Signal::derive(move || generate_error.get().or(revoke_error.get()));
    view! {
        <Title text="Credentials"/>
        <Transition>
            {move || async_view(async move {
                let page = match data.await {
                    Ok(page) => page,
                    Err(e) => return error_view(e),
                };
                let notes = notes.await.unwrap_or_default();
                let app = page.app.clone();
                let nav = view! { <AppNav id=app.id.clone() name=app.name.clone() current="credentials"/> };
                let Some(settings) = page.settings.clone() else {
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
                };
                // A secret just made, from the redirect after its post.
                let shown = page.new_secret.clone();
                let published = app.status == AppStatus::Published || app.live_version.is_some();
                let app_id = app.id.clone();
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
                            {Environment::ALL.iter().copied().map(|environment| {
                                let current = page.environments.iter().find(|e| e.environment == environment).cloned();
                                // Collaborators handle development secrets only.
                                let may_rotate = environment != Environment::Production
                                    || app.role().may(AppAction::RotateProductionSecret);
                                view! { <EnvironmentCard id=app.id.clone() environment current published may_rotate generate revoke/> }
                            }).collect_view()}
                            <RedirectsCard id=app_id.clone() settings=settings.clone() save=save_redirects notes/>
                            <PublishableCard id=app_id settings publish/>
                        </div>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

/// "The previous secret stays valid for 23 h 59 min more (until …)."
pub fn grace_words(what: &'static str, grace: GraceOut) -> impl IntoView {
    view! {
        {format!("The previous {what} stays valid for {} more (until ", grace.remaining)}
        {moment(grace.until_ms)}
        ")."
    }
}

/// The secret, once.
#[component]
fn NewSecret(made: NewSecretOut) -> impl IntoView {
    let label = format!("New {} client secret", made.environment.as_str());
    view! {
        <div class="invite-panel new-invite" role="status">
            <label for="new-secret">{label}</label>
            <input id="new-secret" type="text" readonly=true value=made.client_secret.clone()/>
            {copy_button(made.client_secret.clone(), "Copy client secret")}
            <p class="hint">"Copy it now: it is stored only as a hash and cannot be shown again."</p>
        </div>
    }
}

#[component]
fn EnvironmentCard(
    id: String,
    environment: Environment,
    current: Option<EnvironmentOut>,
    published: bool,
    /// False for a collaborator on the production card.
    may_rotate: bool,
    generate: ActionOf<GenerateSecret>,
    revoke: ActionOf<RevokeOldSecret>,
) -> impl IntoView {
    let heading = environment.label();
    let name = environment.as_str();
    let rotating = current.is_some();
    let button = if rotating {
        "Rotate secret"
    } else {
        "Generate client secret"
    };
    let button_label = format!("{button} ({})", name);
    let revoke_id = id.clone();
    view! {
        <section class="card" aria-labelledby=format!("{name}-heading")>
            <h2 id=format!("{name}-heading")>{heading}</h2>
            {(environment == Environment::Production && !published).then(|| view! {
                <p class="muted">"Inactive until the app is approved: these credentials cannot be used yet."</p>
            })}
            {current.clone().map(move |c| {
                let input_id = format!("{name}-client-id");
                let copy_label = if environment == Environment::Production {
                    "Copy production client ID"
                } else {
                    "Copy development client ID"
                };
                view! {
                    <div class="field">
                        <label for=input_id.clone()>{format!("{heading} client ID")}</label>
                        <input id=input_id type="text" readonly=true value=c.client_id.clone()/>
                        {copy_button(c.client_id.clone(), copy_label)}
                    </div>
                    <p>"Client secret made " {moment(c.secret_created_ms)} "."</p>
                    {c.old_secret.clone().map(|grace| view! {
                        <p>{grace_words("secret", grace)}</p>
                        {may_rotate.then(|| view! { <PostForm action=revoke attr:class="inline">
                            <input type="hidden" name="id" value=revoke_id.clone()/>
                            <input type="hidden" name="environment" value=name/>
                            <button type="submit" class="btn small danger">{format!("Revoke old {} secret now", name)}</button>
                        </PostForm> })}
                    })}
                }
            })}
            {if may_rotate && rotating {
                // Rotating asks first, without JavaScript too: the form
                // is inside a disclosure the person opens.
                view! {
                    <details class="confirm">
                        <summary class="btn">{format!("Rotate {} secret…", name)}</summary>
                        <p>
                            "A new secret is made and shown once. The current one keeps working for 24 hours, "
                            "so you can update your app first, unless you revoke it sooner."
                        </p>
                        <PostForm action=generate attr:class="inline">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="environment" value=name/>
                            <button type="submit" class="btn danger" aria-label=button_label>{format!("Yes, rotate the {} secret", name)}</button>
                        </PostForm>
                    </details>
                }
                .into_any()
            } else if may_rotate {
                view! {
                    <PostForm action=generate attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="environment" value=name/>
                        <button type="submit" class="btn" aria-label=button_label>{button}</button>
                    </PostForm>
                }
                .into_any()
            } else {
                view! {
                    <p class="muted">"Only the app's creator and the account's owners and admins can make or rotate the production secret."</p>
                }
                .into_any()
            }}
        </section>
    }
}

/// Redirect URLs per environment and the allow list, checked as you type
/// with the rules the server applies.
#[component]
fn RedirectsCard(
    id: String,
    settings: OAuthSettingsOut,
    save: ActionOf<SaveRedirects>,
    /// The reviewer's notes (the one on redirect URLs is shown here).
    notes: Vec<FieldNoteOut>,
) -> impl IntoView {
    let error = save.error();
    let query = use_query_map();
    let saved = move || {
        save.value().get().is_none() && query.read().get("saved").as_deref() == Some("redirects")
    };
    view! {
        <section class="card" aria-labelledby="redirects-heading">
            <h2 id="redirects-heading">"Redirect URLs and allow list"</h2>
            <ReviewNote notes field="redirect_urls"/>
            <p class="muted">
                "After someone allows your app, they are sent back to its redirect URL with an authorization code. "
                "The URL must be https (http only for localhost), without a fragment or a user name."
            </p>
            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
            {move || saved().then(|| view! { <p class="saved" role="status">"Redirect settings saved."</p> })}
            <PostForm action=save>
                <input type="hidden" name="id" value=id/>
                <TextField label="Development redirect URL" name="development_redirect_url" input_type="url"
                    value=save.typed("development_redirect_url", settings.development_redirect_url.clone()) required=false
                    url_rule=UrlRule::RedirectUrl
                    server_error=field_error(error, "development_redirect_url")/>
                <TextField label="Production redirect URL" name="production_redirect_url" input_type="url"
                    value=save.typed("production_redirect_url", settings.production_redirect_url.clone()) required=false
                    url_rule=UrlRule::RedirectUrl
                    server_error=field_error(error, "production_redirect_url")/>
                <TextField label="Allow list" name="allow_list" rows=4 value=save.typed("allow_list", settings.allow_list.clone()) required=false
                    hint="One URL per line. With strict mode off, an authorization request may use any redirect URL that starts with one of these (same scheme, host and port, at a path boundary). Redirect URLs above are always allowed."
                    url_rule=UrlRule::AllowList
                    server_error=field_error(error, "allow_list")/>
                <div class="field checkbox">
                    <input type="checkbox" id="strict-mode" name="strict_mode" value="on" checked=save.typed_checked("strict_mode", "on", settings.strict_mode)
                        aria-describedby="strict-mode-hint"/>
                    <label for="strict-mode">"Strict mode: accept only the exact redirect URL (recommended)"</label>
                    <p class="hint" id="strict-mode-hint">"While strict mode is on, the allow list is ignored."</p>
                </div>
                {(settings.strict_mode && !settings.allow_list.trim().is_empty()).then(|| view! {
                    <p class="notice">"Strict mode is on, so the allow list above is not used: only the exact redirect URLs are accepted. Turn strict mode off to use it."</p>
                })}
                <div class="field checkbox">
                    <input type="checkbox" id="add-to-allow-list" name="add_to_allow_list" value="on"
                        checked=save.typed_checked("add_to_allow_list", "on", false)/>
                    <label for="add-to-allow-list">"Also add the redirect URLs to the allow list"</label>
                </div>
                <button type="submit" class="btn primary">"Save redirect settings"</button>
            </PostForm>
        </section>
    }
}

/// The Publishable URL: the link that installs the app.
#[component]
fn PublishableCard(
    id: String,
    settings: OAuthSettingsOut,
    publish: ActionOf<GeneratePublishableUrl>,
) -> impl IntoView {
    let error = publish.error();
    let button = if settings.publishable_url.is_some() {
        "Regenerate install link"
    } else {
        "Generate install link"
    };
    view! {
        <section class="card" aria-labelledby="publishable-heading">
            <h2 id="publishable-heading">"Publishable URL"</h2>
            <p class="muted">
                "Share this link to let people install the app: it asks them to sign in and allow the app's scopes, "
                "then sends them to the redirect URL. Until the app is approved it works only for members of your account."
            </p>
            <FormError error/>
            {settings.publishable_url.clone().map(|url| view! {
                <div class="field">
                    <label for="publishable-url">"Install link"</label>
                    <input id="publishable-url" type="text" readonly=true value=url.clone()/>
                    {copy_button(url, "Copy install link")}
                </div>
            })}
            {settings.publishable_stale.then(|| view! {
                <p class="form-error" role="status">
                    "This link is out of date: the app name, a redirect URL or the allow list changed since it was made, "
                    "and the link now shows “this install link has expired”. Regenerate it and share the new one."
                </p>
            })}
            <PostForm action=publish attr:class="inline">
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="btn">{button}</button>
            </PostForm>
        </section>
    }
}
