//! "Delivery log": every event sent to the app's endpoints and each
//! attempt (time, status, latency, the start of the answer, and, opened,
//! the request as sent and the response), filterable by status, with
//! Redeliver and Send test event (test events are marked). With JavaScript the log
//! refreshes itself every two seconds; without, reloading shows the same.

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
    let expanded = RwSignal::new(HashSet::<String>::new());
    let (tick, set_tick) = signal(0u32);
    // Live updates: effects run only in the browser.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || set_tick.update(|t| *t += 1),
            std::time::Duration::from_secs(2),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    // The app and its subscriptions (for the test-event buttons).
    let features = page_resource(id, features_page);
    let log = page_resource(
        move || {
            (
                id(),
                status(),
                tick.get(),
                redeliver.version().get(),
                test_event.version().get(),
            )
        },
        |(id, status, ..)| delivery_log(id, status),
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
                                {[("", "All"), ("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed")].into_iter().map(|(value, label)| {
                                    let href = if value.is_empty() { base.clone() } else { format!("{base}?status={value}") };
                                    // Follows the address: a filter click is a navigation
                                    // within this page, which is not drawn again.
                                    let current = move || (status().unwrap_or_default() == value).then_some("page");
                                    view! { <a href=href aria-current=current>{label}</a>" " }
                                }).collect_view()}
                            </nav>
                            <Transition>
                                {move || async_view(async move {
                                    match log.await {
                                        Err(e) => error_view(e),
                                        Ok(events) if events.is_empty() => view! { <p class="muted">"No deliveries yet."</p> }.into_any(),
                                        Ok(events) => view! {
                                            <ul class="delivery-list">
                                                {events.into_iter().map(|e| view! { <Delivery event=e redeliver expanded/> }).collect_view()}
                                            </ul>
                                        }.into_any(),
                                    }
                                })}
                            </Transition>
                        </section>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

#[component]
fn Delivery(
    event: DeliveryOut,
    redeliver: ActionOf<Redeliver>,
    /// The attempts whose exchange is open, kept across the live refresh
    /// (which draws the list again).
    expanded: RwSignal<HashSet<String>>,
) -> impl IntoView {
    let params = use_params_map();
    let app_id = params.read_untracked().get("id").unwrap_or_default();
    let label = format!("Redeliver {}", event.id);
    let status_class = format!(
        "status status-{}",
        match event.status.as_str() {
            "delivered" => "published",
            "failed" => "rejected",
            _ => "in_review",
        }
    );
    let request_line = format!("POST {}", event.url);
    let body = event.body.clone();
    view! {
        <li class="delivery">
            <p>
                <strong>{event.event_type.clone()}</strong>" "
                {event.is_test.then(|| view! { <span class="status status-test">"Test"</span>" " })}
                <span class=status_class>{event.status.clone()}</span>" "
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
