//! "Features": the app's Secret Token, event subscriptions and
//! deauthorization endpoint. A subscription is saved only once its
//! endpoints answer the URL validation challenge; when one does not, the
//! page shows exactly what was sent and what came back.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::credentials::copy_button;
use super::AppNav;
use crate::api::features::{
    features_page, DeleteSubscription, FeaturesOut, RotateSecretToken, SaveDeauthorizationUrl,
    SaveSubscription,
};
use crate::components::async_view;
use crate::components::deferred::DeferredRegion;
use crate::components::field::{field_error, FormError, TextField};
use crate::components::form::{form_action, ActionOf, PostForm};
use crate::components::url_check::UrlRule;
use crate::domain::events::{validate_subscription_name, EVENT_GROUPS};
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/apps/:id/features`.
#[component]
pub fn FeaturesPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let save = form_action::<SaveSubscription>();
    let delete = form_action::<DeleteSubscription>();
    let rotate = form_action::<RotateSecretToken>();
    let deauth = form_action::<SaveDeauthorizationUrl>();
    let data = page_resource(
        move || {
            (
                id(),
                save.version().get(),
                delete.version().get(),
                rotate.version().get(),
                deauth.version().get(),
            )
        },
        |(id, ..)| features_page(id),
    );
    // The Secret Token and the deauthorization endpoint hydrate after the
    // subscriptions, from their own chunk (see `extras`).
    let token_region = DeferredRegion::new();
    let deauth_region = DeferredRegion::new();
    view! {
        <Title text="Features"/>
        <Transition>
            {move || async_view(async move {
                let data = match data.await {
                    Ok(data) => data,
                    Err(e) => return error_view(e),
                };
                let app = data.app.clone();
                #[cfg(feature = "ssr")]
                let (token_part, deauth_part) = side_cards(app.id.clone(), data.clone(), rotate, deauth);
                #[cfg(not(feature = "ssr"))]
                let (token_part, deauth_part) = ((), ());
                #[cfg(feature = "hydrate")]
                leptos::task::spawn_local_scoped_with_cancellation(extras::attach_features_side_cards(
                    (token_region, deauth_region),
                    app.id.clone(),
                    data.clone(),
                    rotate,
                    deauth,
                ));
                view! {
                    <div class="app-layout">
                        <AppNav id=app.id.clone() name=app.name.clone() current="features"/>
                        <div class="information-main">
                            {token_region.view(move || token_part)}
                            {subscriptions_card(app.id.clone(), data, save, delete)}
                            {deauth_region.view(move || deauth_part)}
                        </div>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

/// The Secret Token and the deauthorization endpoint cards.
fn side_cards(
    id: String,
    data: FeaturesOut,
    rotate: ActionOf<RotateSecretToken>,
    deauth: ActionOf<SaveDeauthorizationUrl>,
) -> (AnyView, AnyView) {
    let url = data.deauthorization_url.clone();
    (
        secret_token_card(id.clone(), data, rotate).into_any(),
        deauthorization_card(id, url, deauth).into_any(),
    )
}

/// The side cards in the browser: their code is its own chunk, fetched once
/// the subscriptions have hydrated.
#[cfg(feature = "hydrate")]
mod extras {
    use super::{side_cards, ActionOf, FeaturesOut, RotateSecretToken, SaveDeauthorizationUrl};
    use crate::components::deferred::DeferredRegion;

    #[leptos::lazy]
    pub fn attach_features_side_cards(
        (token_region, deauth_region): (DeferredRegion, DeferredRegion),
        id: String,
        data: FeaturesOut,
        rotate: ActionOf<RotateSecretToken>,
        deauth: ActionOf<SaveDeauthorizationUrl>,
    ) {
        let (token_part, deauth_part) = side_cards(id, data, rotate, deauth);
        token_region.attach(move || token_part);
        deauth_region.attach(move || deauth_part);
    }
}

// The cards are plain functions, not components: each is used once, and a
// component is compiled with its own type-erased view and untracked call
// in the browser bundle (about 3 KiB each before compression).

fn secret_token_card(
    id: String,
    data: FeaturesOut,
    rotate: ActionOf<RotateSecretToken>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="token-heading">
            <h1 id="token-heading">"Features"</h1>
            <h2>"Secret Token"</h2>
            <p class="muted">
                "Every delivery is signed with it: x-zm-signature (HMAC-SHA256 of v0:timestamp:body) and the "
                "Standard Webhooks webhook-signature. Your endpoint also uses it to answer the URL validation challenge."
            </p>
            <details class="reveal">
                <summary>"Reveal Secret Token"</summary>
                <div class="field">
                    <label for="secret-token">"Secret Token"</label>
                    <input id="secret-token" type="text" readonly=true value=data.secret_token.clone()/>
                    {copy_button(data.secret_token.clone(), "Copy Secret Token")}
                </div>
            </details>
            {data.old_token_expires.map(|until| view! {
                <p>{format!("The previous token also signs deliveries until {until} (UTC).")}</p>
            })}
            <FormError error=rotate.error()/>
            <PostForm action=rotate attr:class="inline">
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="btn">"Rotate Secret Token"</button>
            </PostForm>
        </section>
    }
}

fn subscriptions_card(
    id: String,
    data: FeaturesOut,
    save: ActionOf<SaveSubscription>,
    delete: ActionOf<DeleteSubscription>,
) -> impl IntoView {
    let error = save.error();
    let query = use_query_map();
    let saved = move || {
        matches!(save.value().get(), Some(Ok(())))
            || (save.value().get().is_none() && query.read().get("saved").is_some())
    };
    let events_error = field_error(error, "events");
    let delete_id = id.clone();
    view! {
        <section class="card" aria-labelledby="subscriptions-heading">
            <h2 id="subscriptions-heading">"Event subscriptions"</h2>
            {if data.subscriptions.is_empty() {
                view! { <p class="muted">"No subscriptions yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="subscription-list">
                        {data.subscriptions.into_iter().map(|s| {
                            let delete_id = delete_id.clone();
                            let label = format!("Delete subscription {}", s.name);
                            view! {
                                <li>
                                    <strong>{s.name}</strong>
                                    {s.disabled.then(|| view! { " " <span class="status status-rejected">"Disabled: save it again to re-enable"</span> })}
                                    <br/>
                                    {(!s.development_url.is_empty()).then(|| view! { <span class="muted">"Development: "</span><code>{s.development_url}</code><br/> })}
                                    {(!s.production_url.is_empty()).then(|| view! { <span class="muted">"Production: "</span><code>{s.production_url}</code><br/> })}
                                    <span class="muted">"Events: "</span>{s.events.join(", ")}
                                    <br/><span class="hint">{format!("Endpoints validated {}", s.validated)}</span>
                                    <PostForm action=delete attr:class="inline">
                                        <input type="hidden" name="id" value=delete_id/>
                                        <input type="hidden" name="subscription_id" value=s.id/>
                                        <button type="submit" class="btn small danger" aria-label=label>"Delete"</button>
                                    </PostForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <h3>"Add a subscription"</h3>
            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. } | AppError::EndpointCheck { .. })))/>
            {move || error.get().and_then(|e| match e {
                AppError::EndpointCheck { url, problem, sent, status, received_headers, received_body } => Some(view! {
                    <div class="form-error endpoint-check" role="alert">
                        <p><strong>{format!("{url} failed the URL validation: {problem}")}</strong>" Nothing was saved."</p>
                        <p>"Sent:"</p>
                        <pre>{sent}</pre>
                        <p>{match status { Some(code) => format!("Received: HTTP {code}"), None => "Received: no answer".to_owned() }}</p>
                        <pre>{received_headers}"\n\n"{received_body}</pre>
                    </div>
                }),
                _ => None,
            })}
            {move || saved().then(|| view! { <p class="saved" role="status">"Subscription saved: its endpoints passed the URL validation."</p> })}
            <PostForm action=save>
                <input type="hidden" name="id" value=id/>
                <TextField label="Subscription name" name="name" validate=|v| validate_subscription_name(v).map(|_| ())
                    server_error=field_error(error, "name")/>
                <TextField label="Development endpoint URL" name="development_url" input_type="url" required=false
                    hint="Must answer the endpoint.url_validation challenge within 3 seconds."
                    url_rule=UrlRule::EndpointUrl server_error=field_error(error, "development_url")/>
                <TextField label="Production endpoint URL" name="production_url" input_type="url" required=false
                    url_rule=UrlRule::EndpointUrl server_error=field_error(error, "production_url")/>
                <fieldset class="group">
                    <legend>"Event types"</legend>
                    // One flat list, each group's name before its first event
                    // (one row view instead of nested iterators and views).
                    {EVENT_GROUPS.iter().flat_map(|(group, events)| {
                        events.iter().enumerate().map(move |(i, (event, about))| ((i == 0).then_some(*group), *event, *about))
                    }).enumerate().map(|(n, (group, event, about))| {
                        let input_id = format!("event-{}", event.replace('.', "-"));
                        view! {
                            {group.map(|group| view! { <p class="event-group">{group}</p> })}
                            <div class="field checkbox">
                                <input type="checkbox" id=input_id.clone() name=format!("events[{n}]") value=event/>
                                <label for=input_id><code>{event}</code>" — "{about}</label>
                            </div>
                        }
                    }).collect_view()}
                    {move || events_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </fieldset>
                <button type="submit" class="btn primary">"Save subscription"</button>
            </PostForm>
        </section>
    }
}

fn deauthorization_card(
    id: String,
    url: String,
    deauth: ActionOf<SaveDeauthorizationUrl>,
) -> impl IntoView {
    let error = deauth.error();
    view! {
        <section class="card" aria-labelledby="deauth-heading">
            <h2 id="deauth-heading">"Deauthorization endpoint"</h2>
            <p class="muted">"When someone uninstalls the app, app_deauthorized is sent here so you can delete their data."</p>
            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
            <PostForm action=deauth>
                <input type="hidden" name="id" value=id/>
                <TextField label="Deauthorization endpoint URL" name="deauthorization_url" input_type="url" value=url required=false
                    url_rule=UrlRule::EndpointUrl server_error=field_error(error, "deauthorization_url")/>
                <button type="submit" class="btn">"Save endpoint"</button>
            </PostForm>
        </section>
    }
}
