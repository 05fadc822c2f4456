//! "Delivery log": every event sent to the app's endpoints and each
//! attempt (time, status, latency, the start of the answer, and, opened,
//! the request as sent and the response), filterable by status, with
//! Redeliver and Send test event (test events are marked). The list is an
//! island: with JavaScript it refreshes itself every two seconds; without,
//! reloading shows the same.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::AppNav;
use crate::api::features::{delivery_log, features_page, DeliveryOut, Redeliver, SendTestEvent};
use crate::components::async_view;
use crate::components::field::FormError;
use crate::components::form::{form_action, ActionOf, PostForm};
use crate::components::time::moment;
use crate::domain::events::DeliveryStatus;
use crate::pages::{error_view, page_resource};

/// `/apps/:id/deliveries`.
#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let status = move || query.read().get("status").filter(|s| !s.is_empty());
    let redeliver = form_action::<Redeliver>();
    let test_event = form_action::<SendTestEvent>();
    // The app and its subscriptions (for the test-event buttons).
    let features = page_resource(id, features_page);
    let log = page_resource(
        move || (id(), status()),
        |(id, status)| delivery_log(id, status),
    );
    let (redeliver_error, test_error) = (redeliver.error(), test_event.error());
    let error = Signal::derive(move || redeliver_error.get().or(test_error.get()));
    view! {
        <Title text="Delivery log"/>
        <Transition>
            {move || async_view(async move {
                let (app, subscriptions) = match features.await {
                    Ok(features) => (features.app, features.subscriptions),
                    Err(e) => return error_view(e),
                };
                let base = format!("/apps/{}/deliveries", app.id);
                let log_app_id = app.id.clone();
                view! {
                    <div class="app-layout">
                        <AppNav id=app.id.clone() name=app.name.clone() current="deliveries"/>
                        <section class="card">
                            <h1>"Delivery log"</h1>
                            <FormError error/>
                            {(!subscriptions.is_empty()).then(|| view! {
                                <div class="actions">
                                    {subscriptions.into_iter().map(|s| {
                                        let app_id = app.id.clone();
                                        let label = format!("Send test event to {}", s.name);
                                        view! {
                                            <PostForm action=test_event attr:class="inline">
                                                <input type="hidden" name="id" value=app_id/>
                                                <input type="hidden" name="subscription_id" value=s.id/>
                                                <button type="submit" class="btn small">{label}</button>
                                            </PostForm>
                                        }
                                    }).collect_view()}
                                </div>
                            })}
                            <nav class="filters" aria-label="Filter by status">
                                {std::iter::once(("", "All")).chain(DeliveryStatus::ALL.iter().map(|s| (s.as_str(), s.label()))).map(|(value, label)| {
                                    let href = if value.is_empty() { base.clone() } else { format!("{base}?status={value}") };
                                    // Follows the address: a filter click is a navigation
                                    // within this page, which is not drawn again.
                                    let current = move || (status().unwrap_or_default() == value).then_some("page");
                                    view! { <a href=href aria-current=current>{label}</a>" " }
                                }).collect_view()}
                            </nav>
                            <Transition>
                                {move || {
                                    let app_id = log_app_id.clone();
                                    async_view(async move {
                                        match log.await {
                                            Err(e) => error_view(e),
                                            Ok(events) => view! {
                                                <DeliveryLog app_id status=status() events/>
                                            }.into_any(),
                                        }
                                    })
                                }}
                            </Transition>
                        </section>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

/// The deliveries, refreshed every two seconds and after a Redeliver: a
/// lazy island (its code is a chunk of its own, fetched by this page only).
#[island(lazy)]
fn DeliveryLog(app_id: String, status: Option<String>, events: Vec<DeliveryOut>) -> impl IntoView {
    let events = RwSignal::new(events);
    let redeliver = form_action::<Redeliver>();
    // The attempts whose exchange is open, kept across refreshes (which
    // draw the list again).
    let expanded = RwSignal::new(HashSet::<String>::new());
    #[cfg(feature = "hydrate")]
    {
        let (app_id, status) = (app_id.clone(), status.clone());
        let refresh = move || {
            let (app_id, status) = (app_id.clone(), status.clone());
            leptos::task::spawn_local(async move {
                if let Ok(now) = delivery_log(app_id, status).await {
                    events.try_set(now);
                }
            });
        };
        let again = refresh.clone();
        Effect::new(move |_| {
            // After a Redeliver, at once.
            if redeliver.version().get() > 0 {
                again();
            }
        });
        if let Ok(handle) = set_interval_with_handle(refresh, std::time::Duration::from_secs(2)) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &status;
    let app_id = StoredValue::new(app_id);
    view! {
        {move || {
            let list = events.get();
            if list.is_empty() {
                view! { <p class="muted">"No deliveries yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="delivery-list">
                        {list.into_iter().map(|e| view! { <Delivery app_id=app_id.get_value() event=e redeliver expanded/> }).collect_view()}
                    </ul>
                }
                .into_any()
            }
        }}
    }
}

#[component]
fn Delivery(
    app_id: String,
    event: DeliveryOut,
    redeliver: ActionOf<Redeliver>,
    expanded: RwSignal<HashSet<String>>,
) -> impl IntoView {
    let label = format!("Redeliver {}", event.id);
    let status_class = format!(
        "status status-{}",
        match event.status {
            DeliveryStatus::Delivered => "published",
            DeliveryStatus::Failed => "rejected",
            DeliveryStatus::Pending => "in_review",
        }
    );
    let request_line = format!("POST {}", event.url);
    let body = event.body.clone();
    view! {
        <li class="delivery">
            <p>
                <strong>{event.event_type.clone()}</strong>" "
                {event.is_test.then(|| view! { <span class="status status-test">"Test"</span>" " })}
                <span class=status_class>{event.status.as_str()}</span>" "
                <span class="muted">{moment(event.created_ms)}{format!(" → {}", event.url)}</span>
            </p>
            <p class="hint">"Tracking id "<code>{event.id.clone()}</code>
                {event.next_attempt_ms.map(|at| view! { " · next attempt " {moment(at)} })}</p>
            <table class="table">
                <caption class="sr-only">{format!("Attempts of {}", event.id)}</caption>
                <thead><tr><th scope="col">"#"</th><th scope="col">"Time"</th><th scope="col">"Status"</th><th scope="col">"Latency"</th><th scope="col">"Answer"</th></tr></thead>
                <tbody>
                    {event.attempts.into_iter().map(|a| {
                        let key = format!("{}/{}", event.id, a.attempt);
                        let open = expanded.with_untracked(|open| open.contains(&key));
                        let on_toggle = move |ev: leptos::ev::Event| {
                            #[cfg(feature = "hydrate")]
                            {
                                let is_open = event_target::<web_sys::Element>(&ev).has_attribute("open");
                                expanded.update_untracked(|set| {
                                    if is_open { set.insert(key.clone()); } else { set.remove(&key); }
                                });
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = (&ev, &key, expanded);
                        };
                        let status = a.status_code.map(|c| c.to_string()).unwrap_or_else(|| "—".into());
                        let answer = a.error.clone().unwrap_or_else(|| a.response_excerpt.clone());
                        let sent = format!("{request_line}\n{}\n\n{body}", a.request_headers);
                        let received = match (a.status_code, &a.error) {
                            (Some(code), _) => format!("HTTP {code}\n{}\n\n{}", a.response_headers, a.response_excerpt),
                            (None, Some(error)) => format!("No answer: {error}"),
                            (None, None) => "No answer.".to_owned(),
                        };
                        view! {
                            <tr>
                                <td>{a.attempt}</td>
                                <td>{moment(a.at_ms)}</td>
                                <td>{status}</td>
                                <td>{format!("{} ms", a.latency_ms)}</td>
                                <td><code class="excerpt">{answer}</code></td>
                            </tr>
                            <tr class="exchange">
                                <td colspan="5">
                                    <details open=open on:toggle=on_toggle>
                                        <summary>{format!("Request and response of attempt {}", a.attempt)}</summary>
                                        <p class="exchange-label">"Request, as sent"</p>
                                        <pre>{sent}</pre>
                                        <p class="exchange-label">"Response"</p>
                                        <pre>{received}</pre>
                                    </details>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <PostForm action=redeliver attr:class="inline">
                <input type="hidden" name="id" value=app_id/>
                <input type="hidden" name="event_id" value=event.id.clone()/>
                <button type="submit" class="btn small" aria-label=label>"Redeliver"</button>
            </PostForm>
        </li>
    }
}
