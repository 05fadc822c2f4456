//! An app's own pages (the sidebar) and its delete confirmation.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::apps::{app_detail, DeleteApp};
use crate::components::async_view;
use crate::components::field::FormError;
use crate::components::form::{form_action, PostForm};
use crate::domain::app::AppStatus;
use crate::pages::{error_view, page_resource};

fn app_id() -> Signal<String> {
    let params = use_params_map();
    Signal::derive(move || params.read().get("id").unwrap_or_default())
}

/// `/apps/:id`: the app's summary and the sections it will have.
#[component]
pub fn AppPage() -> impl IntoView {
    let id = app_id();
    let app = page_resource(move || id.get(), app_detail);
    view! {
        <Transition>
            {move || async_view(async move {
                match app.await {
                    Err(e) => error_view(e),
                    Ok(app) => view! {
                        <Title text=app.name.clone()/>
                        <div class="app-layout">
                            <AppNav id=app.id.clone() name=app.name.clone() current="overview"/>
                            <section class="card">
                                <h1>{app.name.clone()}</h1>
                                <dl class="facts">
                                    <dt>"Type"</dt><dd>{app.app_type.label()}</dd>
                                    <dt>"Marketplace"</dt>
                                    <dd>{if app.app_type.marketplace { "Yes, after review" } else { "No, private to your account" }}</dd>
                                    <dt>"Status"</dt><dd>{app.status.label()}</dd>
                                    <dt>"Last change"</dt><dd>{app.updated.clone()}</dd>
                                </dl>
                                <p class="muted">
                                    "Submit is not built yet: it arrives with a next release. "
                                    "The app type cannot be changed."
                                </p>
                                <p class="actions">
                                    <A href="/apps" attr:class="btn">"Back to My apps"</A>
                                    {(app.status != AppStatus::Published).then(|| view! {
                                        <A href=format!("/apps/{}/delete", app.id) attr:class="btn danger">"Delete app"</A>
                                    })}
                                </p>
                            </section>
                        </div>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// `/apps/:id/delete`: asks once more, naming the app.
#[component]
pub fn DeleteAppPage() -> impl IntoView {
    let id = app_id();
    let app = page_resource(move || id.get(), app_detail);
    let delete = form_action::<DeleteApp>();
    let error = delete.error();
    view! {
        <Title text="Delete app"/>
        <Transition>
            {move || async_view(async move {
                match app.await {
                    Err(e) => error_view(e),
                    Ok(app) => {
                        let button = format!("Delete {}", app.name);
                        view! {
                            <section class="card narrow">
                                <h1>"Delete " {app.name.clone()} "?"</h1>
                                <p>"The app and everything about it are removed. This cannot be undone."</p>
                                <FormError error/>
                                <PostForm action=delete>
                                    <input type="hidden" name="id" value=app.id.clone()/>
                                    <p class="actions">
                                        <button type="submit" class="btn danger">{button}</button>
                                        <A href=format!("/apps/{}", app.id) attr:class="btn">"Keep it"</A>
                                    </p>
                                </PostForm>
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// The sidebar of an app's pages. Sections not built yet are shown but not
/// linked.
#[component]
pub fn AppNav(id: String, name: String, current: &'static str) -> impl IntoView {
    let sections = [
        ("overview", "Overview", ""),
        ("credentials", "Credentials", "/credentials"),
        ("scopes", "Scopes", "/scopes"),
        ("information", "Information", "/information"),
        ("features", "Features", "/features"),
        ("deliveries", "Delivery log", "/deliveries"),
    ];
    view! {
        <nav class="app-nav" aria-label="App sections">
            <p class="app-nav-name">{name}</p>
            <ul>
                {sections.into_iter().map(|(key, label, suffix)| {
                    let href = format!("/apps/{id}{suffix}");
                    view! {
                        <li>
                            <A href=href attr:aria-current=(key == current).then_some("page")>{label}</A>
                        </li>
                    }
                }).collect_view()}
                {["Submit"].into_iter().map(|label| view! {
                    <li><span class="muted" title="Not built yet">{label}</span></li>
                }).collect_view()}
            </ul>
        </nav>
    }
}
