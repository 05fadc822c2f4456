//! "Activity": the app's audit log for its managers: who changed what and
//! when (secrets are never in it), filtered by area.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::AppNav;
use crate::api::collaborators::{app_activity, AuditEntryOut};
use crate::components::async_view;
use crate::components::time::moment;
use crate::domain::audit::AuditGroup;
use crate::pages::{error_view, page_resource};

/// `/apps/:id/activity`.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        (
            params.read().get("id").unwrap_or_default(),
            query.read().get("group"),
        )
    };
    let data = page_resource(key, |(id, group)| app_activity(id, group));
    view! {
        <Title text="Activity"/>
        <Transition>
            {move || async_view(async move {
                let page = match data.await {
                    Ok(page) => page,
                    Err(e) => return error_view(e),
                };
                let app = page.app.clone();
                let base = format!("/apps/{}/activity", app.id);
                let group = page.group.clone();
                view! {
                    <div class="app-layout">
                        <AppNav id=app.id.clone() name=app.name.clone() current="activity"/>
                        <section class="card">
                            <h1>"Activity"</h1>
                            <p class="muted">"Every change to this app's listing, configuration and credentials, and every review decision. Secrets are never shown here; the log cannot be edited."</p>
                            <nav class="filters" aria-label="Filter by area">
                                <a href=base.clone() aria-current=group.is_empty().then_some("page")>"Everything"</a>" "
                                {AuditGroup::ALL.iter().map(|g| {
                                    let current = (group == g.as_str()).then_some("page");
                                    view! { <a href=format!("{base}?group={}", g.as_str()) aria-current=current>{g.label()}</a>" " }
                                }).collect_view()}
                            </nav>
                            <AuditLog entries=page.entries.clone()/>
                        </section>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

/// Audit entries as a table, newest first.
#[component]
pub fn AuditLog(entries: Vec<AuditEntryOut>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"Nothing recorded yet."</p> }.into_any();
    }
    view! {
        <table class="table">
            <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Details"</th></tr></thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr>
                        <td>{moment(e.at_ms)}</td>
                        <td>{e.actor}</td>
                        <td>{e.action.label()}</td>
                        <td class="prewrap">{e.detail}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
