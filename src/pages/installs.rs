//! "Installed apps": what is installed for you and for your account, with
//! scopes and install date; uninstalling ends the app's access at once.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::installs::{installed_apps, Uninstall};
use crate::components::async_view;
use crate::components::field::FormError;
use crate::components::form::{form_action, PostForm};
use crate::pages::{error_view, page_resource};

/// `/installed`.
#[component]
pub fn InstalledAppsPage() -> impl IntoView {
    let uninstall = form_action::<Uninstall>();
    let installs = page_resource(|| (), |_| installed_apps());
    let error = uninstall.error();
    let query = use_query_map();
    let removed =
        move || uninstall.value().get().is_none() && query.read().get("uninstalled").is_some();
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
                                            view! {
                                                <tr>
                                                    <td>
                                                        {i.app_name.clone()}
                                                        <br/><span class="muted">{i.app_type.clone()}
                                                        {(i.environment == crate::domain::app::Environment::Development).then_some(" · in development")}</span>
                                                    </td>
                                                    <td>{if i.account_wide { "The whole account" } else { "You" }}</td>
                                                    <td>{i.scopes.iter().map(|s| view! { <code>{s.clone()}</code>" " }).collect_view()}</td>
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
