//! "Installed apps": what is installed for you and for your account, with
//! scopes and install date; uninstalling ends the app's access at once.
//! When a newer version of an app asks for more scopes, the install keeps
//! the ones it has until someone who may manage it approves the new ones
//! here: no one is re-scoped unseen.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::installs::{installed_apps, ApproveScopes, Uninstall};
use crate::components::async_view;
use crate::components::field::FormError;
use crate::components::form::{form_action, PostForm};
use crate::pages::{error_view, page_resource};

/// `/installed`.
#[component]
pub fn InstalledAppsPage() -> impl IntoView {
    let uninstall = form_action::<Uninstall>();
    let approve = form_action::<ApproveScopes>();
    let installs = page_resource(|| (), |_| installed_apps());
    let (uninstall_error, approve_error) = (uninstall.error(), approve.error());
    let error = Signal::derive(move || uninstall_error.get().or_else(|| approve_error.get()));
    let query = use_query_map();
    let removed =
        move || uninstall.value().get().is_none() && query.read().get("uninstalled").is_some();
    let approved =
        move || approve.value().get().is_none() && query.read().get("approved").is_some();
    view! {
        <Title text="Installed apps"/>
        <Transition>
            {move || async_view(async move {
                let installs = match installs.await {
                    Ok(installs) => installs,
                    Err(e) => return error_view(e),
                };
                view! {
                    <section class="card">
                        <h1>"Installed apps"</h1>
                        <FormError error/>
                        {move || removed().then(|| view! { <p class="saved" role="status">"Uninstalled: the app's access has ended."</p> })}
                        {move || approved().then(|| view! { <p class="saved" role="status">"Approved: the app has its new scopes."</p> })}
                        {if installs.is_empty() {
                            view! { <p class="muted">"No apps are installed for you or your account."</p> }.into_any()
                        } else {
                            view! {
                                <table class="table">
                                    <caption class="sr-only">"Installed apps"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"App"</th>
                                            <th scope="col">"Installed for"</th>
                                            <th scope="col">"Scopes"</th>
                                            <th scope="col">"Installed"</th>
                                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {installs.into_iter().map(|i| {
                                            let label = format!("Uninstall {}", i.app_name);
                                            let approve_label = format!("Approve new scopes for {}", i.app_name);
                                            let new_scopes = (!i.new_scopes.is_empty()).then(|| {
                                                let may = i.can_uninstall;
                                                let (id, app_scopes) = (i.id.clone(), i.app_scopes.clone());
                                                view! {
                                                    <div class="new-scopes" role="group" aria-label=format!("New scopes for {}", i.app_name)>
                                                        <p><strong>"A new version asks for more:"</strong></p>
                                                        <ul>
                                                            {i.new_scopes.iter().map(|s| view! {
                                                                <li><code>{s.scope.clone()}</code>" "{s.explanation.clone()}</li>
                                                            }).collect_view()}
                                                        </ul>
                                                        <p class="muted small">"Until they are approved, the app keeps only the scopes above."</p>
                                                        {if may {
                                                            view! {
                                                                <PostForm action=approve attr:class="inline">
                                                                    <input type="hidden" name="id" value=id/>
                                                                    <input type="hidden" name="scopes" value=app_scopes/>
                                                                    <button type="submit" class="btn small primary" aria-label=approve_label>"Approve new scopes"</button>
                                                                </PostForm>
                                                            }.into_any()
                                                        } else {
                                                            view! { <p class="muted small">"An owner or admin of the account can approve them."</p> }.into_any()
                                                        }}
                                                    </div>
                                                }
                                            });
                                            view! {
                                                <tr>
                                                    <td>
                                                        {i.app_name.clone()}
                                                        <br/><span class="muted">{i.app_type.clone()}
                                                        {(i.environment == crate::domain::app::Environment::Development).then_some(" · in development")}</span>
                                                    </td>
                                                    <td>{if i.account_wide { "The whole account" } else { "You" }}</td>
                                                    <td>
                                                        {i.scopes.iter().map(|s| view! { <code>{s.clone()}</code>" " }).collect_view()}
                                                        {new_scopes}
                                                    </td>
                                                    <td>{format!("{} by {}", i.installed, i.installed_by)}</td>
                                                    <td>
                                                        {i.can_uninstall.then(|| view! {
                                                            <PostForm action=uninstall attr:class="inline">
                                                                <input type="hidden" name="id" value=i.id.clone()/>
                                                                <button type="submit" class="btn small danger" aria-label=label>"Uninstall"</button>
                                                            </PostForm>
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
                .into_any()
            })}
        </Transition>
    }
}
