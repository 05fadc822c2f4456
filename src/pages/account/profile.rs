//! The signed-in user's profile, their password and their accounts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::account::{profile, ChangePassword, SwitchAccount, UpdateProfile};
use crate::components::async_view;
use crate::components::field::{field_error, Check, FormError, TextField};
use crate::components::form::{form_action, PostForm};
use crate::pages::{error_view, page_resource};

/// Name, email, role, password, accounts.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let update = form_action::<UpdateProfile>();
    let change_password = form_action::<ChangePassword>();
    let password_error = change_password.error();
    let switch = form_action::<SwitchAccount>();
    let data = page_resource(|| (), |_| profile());
    let error = update.error();
    let switch_error = switch.error();
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some();
    let password_changed = move || query.read().get("password_changed").is_some();
    let password_form_error = Signal::derive(move || {
        password_error.get().filter(|e| {
            e.field_message("current_password").is_none()
                && e.field_message("new_password").is_none()
        })
    });
    view! {
        <Title text="Profile"/>
        <Transition>
            {move || async_view(async move {
                match data.await {
                    Err(e) => error_view(e),
                    Ok(p) => view! {
                        <section class="card">
                            <h1>"Profile"</h1>
                            <dl class="facts">
                                <dt>"Email"</dt><dd>{p.user.email.clone()}</dd>
                                <dt>"Account"</dt><dd>{p.user.account_name.clone()}</dd>
                                <dt>"Role"</dt><dd>{p.user.role.label()}</dd>
                                <dt>"Platform role"</dt>
                                <dd>{if p.user.is_reviewer { "Reviewer" } else { "—" }}</dd>
                                <dt>"Member since"</dt><dd>{p.member_since.clone()}</dd>
                            </dl>
                        </section>
                        <section class="card">
                            <h2>"Your name"</h2>
                            <FormError error=Signal::derive(move || error.get().filter(|e| e.field_message("display_name").is_none()))/>
                            <PostForm action=update>
                                <TextField
                                    label="Display name"
                                    name="display_name"
                                    autocomplete="name"
                                    value=update.typed("display_name", p.user.display_name.clone())
                                    check=Check::DisplayName
                                    server_error=field_error(error, "display_name")
                                />
                                <button type="submit" class="btn primary">"Save name"</button>
                                {move || saved().then(|| view! { <span class="saved" role="status">"Saved."</span> })}
                            </PostForm>
                        </section>
                        <section class="card">
                            <h2>"Password"</h2>
                            <FormError error=password_form_error/>
                            <PostForm action=change_password>
                                <TextField
                                    label="Current password"
                                    name="current_password"
                                    input_type="password"
                                    autocomplete="current-password"
                                    server_error=field_error(password_error, "current_password")
                                />
                                <TextField
                                    label="New password"
                                    name="new_password"
                                    input_type="password"
                                    autocomplete="new-password"
                                    hint="Changing it signs you out everywhere else."
                                    check=Check::NewPassword
                                    server_error=field_error(password_error, "new_password")
                                />
                                <button type="submit" class="btn primary">"Change password"</button>
                                {move || password_changed().then(|| view! { <span class="saved" role="status">"Password changed."</span> })}
                            </PostForm>
                        </section>
                        <section class="card">
                            <h2>"Your accounts"</h2>
                            <FormError error=switch_error/>
                            <ul class="plain-list">
                                {p.accounts.into_iter().map(|a| {
                                    let label = format!("Switch to {}", a.name);
                                    view! {
                                        <li>
                                            <span><strong>{a.name.clone()}</strong> " · " {a.role.label()}</span>
                                            {if a.current {
                                                view! { <span class="badge">"Current"</span> }.into_any()
                                            } else {
                                                view! {
                                                    <PostForm action=switch attr:class="inline">
                                                        <input type="hidden" name="account_id" value=a.id.clone()/>
                                                        <button type="submit" class="btn small" aria-label=label>"Switch"</button>
                                                    </PostForm>
                                                }.into_any()
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}
