//! An app's own pages (the sidebar) and its delete confirmation.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::apps::{app_detail, DeleteApp};
use crate::api::collaborators::{app_overview, AddCollaborator, OverviewOut, RemoveCollaborator};
use crate::components::async_view;
use crate::components::field::FormError;
use crate::components::form::{form_action, ActionOf, PostForm};
use crate::domain::app::AppStatus;
use crate::domain::app_access::AppAction;
use crate::pages::{error_view, page_resource};

fn app_id() -> Signal<String> {
    let params = use_params_map();
    Signal::derive(move || params.read().get("id").unwrap_or_default())
}

/// `/apps/:id`: the app's summary and its Collaborators section. A member
/// who may only see the app gets its name and status, and who to ask.
#[component]
pub fn AppPage() -> impl IntoView {
    let id = app_id();
    let add = form_action::<AddCollaborator>();
    let remove = form_action::<RemoveCollaborator>();
    let data = page_resource(move || id.get(), app_overview);
    let query = use_query_map();
    let changed = move || query.read().get("collaborators");
    let errors = [add.error(), remove.error()];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    view! {
        <Transition>
            {move || async_view(async move {
                match data.await {
                    Err(e) => error_view(e),
                    Ok(page) => {
                        let app = page.app.clone();
                        let may_open = app.role().may(AppAction::Open);
                        view! {
                            <Title text=app.name.clone()/>
                            <div class="app-layout">
                                {may_open.then(|| view! { <AppNav id=app.id.clone() name=app.name.clone() current="overview"/> })}
                                <div class="app-main">
                                    <section class="card">
                                        <h1>{app.name.clone()}</h1>
                                        {if may_open {
                                            view! {
                                                <dl class="facts">
                                                    <dt>"Type"</dt><dd>{app.app_type.label()}</dd>
                                                    <dt>"Marketplace"</dt>
                                                    <dd>{if app.app_type.marketplace { "Yes, after review" } else { "No, private to your account" }}</dd>
                                                    <dt>"Status"</dt><dd>{app.status.label()}</dd>
                                                    <dt>"Last change"</dt><dd>{app.updated.clone()}</dd>
                                                    <dt>"Your access"</dt><dd>{app.role().label()}</dd>
                                                </dl>
                                                <p class="muted">"The app type cannot be changed."</p>
                                            }
                                            .into_any()
                                        } else {
                                            view! {
                                                <dl class="facts">
                                                    <dt>"Status"</dt><dd>{app.status.label()}</dd>
                                                </dl>
                                                <p>
                                                    "Only this app's creator, its collaborators and the account's owners "
                                                    "and admins can open it. Ask one of them to add you as a collaborator."
                                                </p>
                                            }
                                            .into_any()
                                        }}
                                        <p class="actions">
                                            <a href="/apps" class="btn">"Back to My apps"</a>
                                            {(app.status != AppStatus::Published && app.live_version.is_none() && app.role().may(AppAction::Delete)).then(|| view! {
                                                <a href=format!("/apps/{}/delete", app.id) class="btn danger">"Delete app"</a>
                                            })}
                                        </p>
                                    </section>
                                    {may_open.then(|| collaborators_section(page, changed(), error, add, remove))}
                                </div>
                            </div>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Who manages the app and who collaborates on it; its managers add and
/// remove collaborators here.
fn collaborators_section(
    page: OverviewOut,
    changed: Option<String>,
    error: Signal<Option<crate::error::AppError>>,
    add: ActionOf<AddCollaborator>,
    remove: ActionOf<RemoveCollaborator>,
) -> impl IntoView {
    let manage = page.app.role().may(AppAction::ManageCollaborators);
    let no_candidates = page.candidates.is_empty();
    let id = page.app.id.clone();
    let status = changed.map(|what| {
        if what == "removed" {
            "The collaborator was removed."
        } else {
            "The collaborator was added."
        }
    });
    view! {
        <section class="card" id="collaborators" aria-labelledby="collaborators-title">
            <h2 id="collaborators-title">"Collaborators"</h2>
            <p class="muted">
                "Managed by " {page.creator.clone()} " (who created it) and the account's owners and admins. "
                "Collaborators may edit the app, but not delete it, rotate its production secrets or submit it."
            </p>
            {status.map(|text| view! { <p class="saved" role="status">{text}</p> })}
            <FormError error/>
            {if page.collaborators.is_empty() {
                view! { <p>"No collaborators yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {page.collaborators.into_iter().map(|person| {
                            let label = format!(" {}", person.name);
                            let id = id.clone();
                            view! {
                                <li>
                                    <span>{person.name.clone()} " · " {person.email.clone()}</span>
                                    {manage.then(|| view! {
                                        <PostForm action=remove attr:class="inline">
                                            <input type="hidden" name="id" value=id/>
                                            <input type="hidden" name="user_id" value=person.user_id.clone()/>
                                            <button type="submit" class="btn small danger">"Remove"<span class="sr-only">{label}</span></button>
                                        </PostForm>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {(manage && !no_candidates).then(|| view! {
                <PostForm action=add attr:class="row">
                    <input type="hidden" name="id" value=id.clone()/>
                    <label for="collaborator">"Member"</label>
                    <select id="collaborator" name="user_id">
                        {page.candidates.into_iter().map(|person| view! {
                            <option value=person.user_id.clone()>{person.name.clone()} " (" {person.email.clone()} ")"</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="btn primary">"Add collaborator"</button>
                </PostForm>
            })}
            {(manage && no_candidates).then(|| view! {
                <p class="muted">"Every plain member of the account is a collaborator already, or there are none: invite people from Members."</p>
            })}
        </section>
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
                    Ok(app) if !app.role().may(AppAction::Delete) => {
                        error_view(crate::error::AppError::forbidden(app.role().refusal(AppAction::Delete)))
                    }
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
                                        <a href=format!("/apps/{}", app.id) class="btn">"Keep it"</a>
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
        ("install", "Install", "/install"),
        ("submit", "Submit", "/submit"),
        ("activity", "Activity", "/activity"),
    ];
    view! {
        <nav class="app-nav" aria-label="App sections">
            <p class="app-nav-name">{name}</p>
            <ul>
                {sections.into_iter().map(|(key, label, suffix)| {
                    let href = format!("/apps/{id}{suffix}");
                    view! {
                        <li>
                            <a href=href aria-current=(key == current).then_some("page")>{label}</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}
