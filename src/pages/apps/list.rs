//! "My apps".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::apps::my_apps;
use crate::components::async_view;
use crate::domain::app::AppStatus;
use crate::domain::app_access::AppAction;
use crate::pages::{error_view, page_resource};

/// The current account's apps with type, status and last change.
#[component]
pub fn MyAppsPage() -> impl IntoView {
    let apps = page_resource(|| (), |_| my_apps());
    let query = use_query_map();
    let deleted = move || query.read().get("deleted").is_some();
    view! {
        <Title text="My apps"/>
        <Transition>
            {move || async_view(async move {
                match apps.await {
                    Err(e) => error_view(e),
                    Ok(apps) => view! {
                        <section class="card">
                            <div class="title-row">
                                <h1>"My apps"</h1>
                                <a href="/apps/new" class="btn primary">"Build App"</a>
                            </div>
                            {deleted().then(|| view! { <p class="saved" role="status">"The app was deleted."</p> })}
                            {if apps.is_empty() {
                                view! {
                                    <p class="muted">
                                        "No apps yet. Build one to get credentials, fill in its listing and submit it."
                                    </p>
                                }
                                .into_any()
                            } else {
                                view! {
                                    <table class="table">
                                        <caption class="sr-only">"Your apps"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"Name"</th>
                                                <th scope="col">"Type"</th>
                                                <th scope="col">"Status"</th>
                                                <th scope="col">"Last change"</th>
                                                <th scope="col"><span class="sr-only">"Actions"</span></th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {apps.into_iter().map(|app| {
                                                let delete_label = format!("Delete {}", app.name);
                                                let may_delete = app.status != AppStatus::Published && app.live_version.is_none()
                                                    && app.role().may(AppAction::Delete);
                                                view! {
                                                    <tr>
                                                        <td><a href=format!("/apps/{}", app.id)>{app.name.clone()}</a></td>
                                                        <td>{app.app_type.label()}</td>
                                                        <td><span class=format!("status status-{}", app.status.as_str())>{app.status.label()}</span></td>
                                                        <td>{app.updated.clone()}</td>
                                                        <td>
                                                            {may_delete.then(|| view! {
                                                                <a href=format!("/apps/{}/delete", app.id) class="btn small danger" aria-label=delete_label>
                                                                    "Delete"
                                                                </a>
                                                            })}
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }
                                .into_any()
                            }}
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}
