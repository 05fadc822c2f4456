//! `/notifications`: what Portico told you (submissions received, review
//! decisions), newest first; new ones are marked until "Mark all as read".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::notifications::{notifications, MarkNotificationsRead};
use crate::components::async_view;
use crate::components::field::FormError;
use crate::components::form::{form_action, PostForm};
use crate::components::time::moment;
use crate::pages::{error_view, page_resource};

/// `/notifications`.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let mark = form_action::<MarkNotificationsRead>();
    let data = page_resource(|| (), |_| notifications());
    let error = mark.error();
    let query = use_query_map();
    let marked = move || mark.value().get().is_none() && query.read().get("read").is_some();
    view! {
        <Title text="Notifications"/>
        <Transition>
            {move || async_view(async move {
                let page = match data.await {
                    Ok(page) => page,
                    Err(e) => return error_view(e),
                };
                let unread = page.items.iter().filter(|n| n.unread).count();
                view! {
                    <section class="card">
                        <h1>"Notifications"</h1>
                        <p class="muted">{if page.email_on {
                            "Each is also sent to your email address."
                        } else {
                            "This Portico sends no email: notifications are listed here only."
                        }}</p>
                        <FormError error/>
                        {move || marked().then(|| view! { <p class="saved" role="status">"All marked as read."</p> })}
                        {(unread > 0).then(|| view! {
                            <PostForm action=mark attr:class="inline">
                                <button type="submit" class="btn small">{format!("Mark all as read ({unread} new)")}</button>
                            </PostForm>
                        })}
                        {if page.items.is_empty() {
                            view! { <p class="muted">"Nothing yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="notifications" aria-label="Notifications">
                                    {page.items.into_iter().map(|n| view! {
                                        <li class=if n.unread { "notification unread" } else { "notification" }>
                                            <h2 class="notification-subject">
                                                {n.unread.then(|| view! { <span class="badge">"New"</span>" " })}
                                                {if n.link.is_empty() {
                                                    view! { <span>{n.subject.clone()}</span> }.into_any()
                                                } else {
                                                    view! { <a href=n.link.clone()>{n.subject.clone()}</a> }.into_any()
                                                }}
                                            </h2>
                                            <p class="muted small">{moment(n.created_ms)}{(!n.mail.is_empty()).then(|| format!(" · {}", n.mail))}</p>
                                            <p class="prewrap">{n.body.clone()}</p>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }
                            .into_any()
                        }}
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
}
