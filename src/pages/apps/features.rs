//! "Features": the app's Secret Token, event subscriptions and
//! deauthorization endpoint. A subscription is saved only once its
//! endpoints answer the URL validation challenge; when one does not, the
//! page shows exactly what was sent and what came back.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::credentials::grace_words;
use super::submit::ReviewNote;
use super::AppNav;
use crate::api::features::{
    features_page, DeleteSubscription, FeaturesOut, RotateSecretToken, SaveChatBot,
    SaveDeauthorizationUrl, SaveSubscription, SetSubscriptionActive, SubscriptionOut,
};
use crate::api::review::review_field_notes;
use crate::components::async_view;
use crate::components::copy::copy_button;
use crate::components::field::{field_error, Check, FormError, TextField};
use crate::components::form::{form_action, ActionOf, PostForm};
use crate::components::time::moment;
use crate::components::url_check::UrlRule;
use crate::domain::events::event_groups_for;
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
    let toggle = form_action::<SetSubscriptionActive>();
    let bot = form_action::<SaveChatBot>();
    let query = use_query_map();
    let bot_saved = move || query.read().get("bot_saved").is_some();
    let data = page_resource(id, features_page);
    let notes = page_resource(id, review_field_notes);
    view! {
        <Title text="Features"/>
        <Transition>
            {move || async_view(async move {
                let data = match data.await {
                    Ok(data) => data,
                    Err(e) => return error_view(e),
                };
                let notes = notes.await.unwrap_or_default();
                let app = data.app.clone();
                let deauthorization_url = data.deauthorization_url.clone();
                view! {
                    <div class="app-layout">
                        <AppNav id=app.id.clone() name=app.name.clone() current="features"/>
                        <div class="information-main">
                            <ReviewNote notes field="features"/>
                            {data.bot.clone().map(|settings| chat_bot_card(app.id.clone(), settings, bot, bot_saved()))}
                            {secret_token_card(app.id.clone(), data.clone(), rotate)}
                            {subscriptions_card(app.id.clone(), data, save, delete, toggle)}
                            {deauthorization_card(app.id.clone(), deauthorization_url, deauth)}
                        </div>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

// The cards: plain functions, each used once.

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
            {data.old_token.map(|grace| view! { <p>{grace_words("token", grace)}</p> })}
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
    toggle: ActionOf<SetSubscriptionActive>,
) -> impl IntoView {
    let error = save.error();
    let toggle_error = toggle.error();
    let query = use_query_map();
    let saved = move || save.value().get().is_none() && query.read().get("saved").is_some();
    let events_error = field_error(error, "events");
    let kind = data.app.app_type.kind;
    let features_path = format!("/apps/{id}/features");
    // `?edit=<subscription id>` puts that subscription in the form.
    let all = StoredValue::new(data.subscriptions.clone());
    let editing = move || {
        let wanted = query.read().get("edit")?;
        all.with_value(|list| list.iter().find(|s| s.id == wanted).cloned())
    };
    let list_id = id.clone();
    view! {
        <section class="card" aria-labelledby="subscriptions-heading">
            <h2 id="subscriptions-heading">"Event subscriptions"</h2>
            <FormError error=Signal::derive(move || toggle_error.get().filter(|e| !matches!(e, AppError::EndpointCheck { .. })))/>
            {move || toggle_error.get().and_then(endpoint_check_view)}
            {if data.subscriptions.is_empty() {
                view! { <p class="muted">"No subscriptions yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="subscription-list">
                        {data.subscriptions.into_iter().map(|s| {
                            let app_id = list_id.clone();
                            let edit_href = format!("/apps/{app_id}/features?edit={}#subscription-form", s.id);
                            let (switch_to, switch_text) = if s.disabled { ("on", "Turn on") } else { ("off", "Turn off") };
                            let (toggle_app, delete_app) = (app_id.clone(), app_id);
                            let (toggle_sub, delete_sub) = (s.id.clone(), s.id.clone());
                            let edit_label = format!("Edit subscription {}", s.name);
                            let toggle_label = format!("{switch_text} subscription {}", s.name);
                            let delete_label = format!("Delete subscription {}", s.name);
                            let name = s.name.clone();
                            let development_url = s.development_url.clone();
                            let production_url = s.production_url.clone();
                            let events = s.events.join(", ");
                            let (disabled, validated_ms) = (s.disabled, s.validated_ms);
                            view! {
                                <li>
                                    <strong>{name}</strong>
                                    {if disabled {
                                        view! { " " <span class="status status-rejected">"Off: nothing is sent"</span> }.into_any()
                                    } else {
                                        view! { " " <span class="status status-published">"On"</span> }.into_any()
                                    }}
                                    <br/>
                                    {(!development_url.is_empty()).then(|| view! { <span class="muted">"Development: "</span><code>{development_url}</code><br/> })}
                                    {(!production_url.is_empty()).then(|| view! { <span class="muted">"Production: "</span><code>{production_url}</code><br/> })}
                                    <span class="muted">"Events: "</span>{events}
                                    <br/><span class="hint">"Endpoints validated " {moment(validated_ms)}</span>
                                    <div class="actions">
                                        <a class="btn small" href=edit_href aria-label=edit_label>"Edit"</a>
                                        <PostForm action=toggle attr:class="inline">
                                            <input type="hidden" name="id" value=toggle_app/>
                                            <input type="hidden" name="subscription_id" value=toggle_sub/>
                                            <input type="hidden" name="active" value=switch_to/>
                                            <button type="submit" class="btn small" aria-label=toggle_label>{switch_text}</button>
                                        </PostForm>
                                        <PostForm action=delete attr:class="inline">
                                            <input type="hidden" name="id" value=delete_app/>
                                            <input type="hidden" name="subscription_id" value=delete_sub/>
                                            <button type="submit" class="btn small danger" aria-label=delete_label>"Delete"</button>
                                        </PostForm>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <div id="subscription-form">
            {move || {
                let current = editing();
                let heading = if current.is_some() { "Edit subscription" } else { "Add a subscription" };
                let saved_of = |field: fn(&SubscriptionOut) -> String| current.as_ref().map(field).unwrap_or_default();
                let name = save.typed("name", saved_of(|s| s.name.clone()));
                let development_url = save.typed("development_url", saved_of(|s| s.development_url.clone()));
                let production_url = save.typed("production_url", saved_of(|s| s.production_url.clone()));
                let chosen = current.as_ref().map(|s| s.events.clone()).unwrap_or_default();
                let subscription_id = current.as_ref().map(|s| s.id.clone());
                let button = if current.is_some() { "Save changes" } else { "Save subscription" };
                let id = id.clone();
                let features_path = features_path.clone();
                view! {
                    <h3>{heading}</h3>
                    <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. } | AppError::EndpointCheck { .. })))/>
                    {move || error.get().and_then(endpoint_check_view)}
                    {move || saved().then(|| view! { <p class="saved" role="status">"Subscription saved: its endpoints passed the URL validation."</p> })}
                    <PostForm action=save>
                        <input type="hidden" name="id" value=id/>
                        {subscription_id.map(|sid| view! { <input type="hidden" name="subscription_id" value=sid/> })}
                        <TextField label="Subscription name" name="name" value=name check=Check::SubscriptionName
                            server_error=field_error(error, "name")/>
                        <TextField label="Development endpoint URL" name="development_url" input_type="url" required=false value=development_url
                            hint="Must answer the endpoint.url_validation challenge within 3 seconds."
                            url_rule=UrlRule::EndpointUrl server_error=field_error(error, "development_url")/>
                        <TextField label="Production endpoint URL" name="production_url" input_type="url" required=false value=production_url
                            url_rule=UrlRule::EndpointUrl server_error=field_error(error, "production_url")/>
                        <fieldset class="group">
                            <legend>"Event types"</legend>
                            <p class="hint">"Uninstalls (app_deauthorized) go to the deauthorization endpoint below."</p>
                            // One flat list, each group's name before its first event
                            // (one row view instead of nested iterators and views).
                            {event_groups_for(kind).flat_map(|(group, events)| {
                                events.iter().enumerate().map(move |(i, (event, about))| ((i == 0).then_some(*group), *event, *about))
                            }).enumerate().map(|(n, (group, event, about))| {
                                let input_id = format!("event-{}", event.replace('.', "-"));
                                let checked = save.typed_checked("events", event, chosen.iter().any(|e| e == event));
                                view! {
                                    {group.map(|group| view! { <p class="event-group">{group}</p> })}
                                    <div class="field checkbox">
                                        <input type="checkbox" id=input_id.clone() name=format!("events[{n}]") value=event checked=checked/>
                                        <label for=input_id><code>{event}</code>" — "{about}</label>
                                    </div>
                                }
                            }).collect_view()}
                            {move || events_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                        </fieldset>
                        <button type="submit" class="btn primary">{button}</button>
                        {current.is_some().then(|| view! { " " <a class="btn" href=features_path>"Cancel"</a> })}
                    </PostForm>
                }
            }}
            </div>
        </section>
    }
}

/// What a failed URL validation sent and received, beside the form.
fn endpoint_check_view(error: AppError) -> Option<AnyView> {
    match error {
        AppError::EndpointCheck { url, problem, sent, status, received_headers, received_body } => Some(view! {
            <div class="form-error endpoint-check" role="alert">
                <p><strong>{format!("{url} failed the URL validation: {problem}")}</strong>" Nothing was saved."</p>
                <p>"Sent:"</p>
                <pre>{sent}</pre>
                {match status {
                    Some(code) => view! {
                        <p>{format!("Received: HTTP {code}")}</p>
                        <pre>{received_headers}"\n\n"{received_body}</pre>
                    }.into_any(),
                    // Nothing came back: no empty box for it.
                    None => view! { <p>"Received: no answer."</p> }.into_any(),
                }}
            </div>
        }.into_any()),
        _ => None,
    }
}

/// A chat bot's slash command, its texts and its bot endpoints.
fn chat_bot_card(
    id: String,
    saved: crate::domain::chat::BotIn,
    bot: ActionOf<SaveChatBot>,
    just_saved: bool,
) -> impl IntoView {
    let error = bot.error();
    view! {
        <section class="card" id="chat-bot" aria-labelledby="bot-heading">
            <h2 id="bot-heading">"Chat command and bot endpoint"</h2>
            <p class="muted">"Members type the command in team chat; Portico sends bot_notification, signed, to the bot endpoint, and the bot answers with POST /v2/im/chat/messages. Each endpoint must answer the URL validation challenge before it is saved. The command must be free in every account that installs the bot."</p>
            {just_saved.then(|| view! { <p class="saved" role="status">"Chat bot saved."</p> })}
            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
            <PostForm action=bot>
                <input type="hidden" name="id" value=id/>
                <TextField label="Slash command" name="slash_command" value=bot.typed("slash_command", saved.slash_command)
                    hint="Lowercase letters, digits and dashes, e.g. weather (typed as /weather)."
                    check=Check::SlashCommand server_error=field_error(error, "slash_command")/>
                <TextField label="Command description" name="description" value=bot.typed("description", saved.description) required=false
                    hint="Shown beside the command as people type it." server_error=field_error(error, "description")/>
                <TextField label="Usage hint" name="hint" value=bot.typed("hint", saved.hint) required=false
                    hint="What follows the command, e.g. city [days]." server_error=field_error(error, "hint")/>
                <TextField label="Welcome message" name="welcome_message" value=bot.typed("welcome_message", saved.welcome_message) required=false rows=3
                    hint="The bot's first message to whoever installs it." server_error=field_error(error, "welcome_message")/>
                <TextField label="Bot endpoint URL (development)" name="development_url" input_type="url" value=bot.typed("development_url", saved.development_url) required=false
                    url_rule=UrlRule::EndpointUrl server_error=field_error(error, "development_url")/>
                <TextField label="Bot endpoint URL (production)" name="production_url" input_type="url" value=bot.typed("production_url", saved.production_url) required=false
                    url_rule=UrlRule::EndpointUrl server_error=field_error(error, "production_url")/>
                <button type="submit" class="btn primary">"Save chat bot"</button>
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
                <TextField label="Deauthorization endpoint URL" name="deauthorization_url" input_type="url" value=deauth.typed("deauthorization_url", url) required=false
                    url_rule=UrlRule::EndpointUrl server_error=field_error(error, "deauthorization_url")/>
                <button type="submit" class="btn">"Save endpoint"</button>
            </PostForm>
        </section>
    }
}
