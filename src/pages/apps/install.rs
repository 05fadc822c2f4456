//! "Install": how users add the app (from the Marketplace, or from the
//! developer's landing page), the Publishable URL, and "Try it in my
//! account" with the development credentials.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::submit::ReviewNote;
use super::AppNav;
use crate::api::oauth::{install_page, SaveInstallOption};
use crate::api::review::review_field_notes;
use crate::components::async_view;
use crate::components::field::{field_error, FormError, TextField};
use crate::components::form::{form_action, PostForm};
use crate::components::url_check::UrlRule;
use crate::domain::app_access::AppAction;
use crate::domain::listing::InstallOption;
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/apps/:id/install`.
#[component]
pub fn InstallPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let save = form_action::<SaveInstallOption>();
    let data = page_resource(id, install_page);
    let notes = page_resource(id, review_field_notes);
    let error = save.error();
    let query = use_query_map();
    let saved = move || save.value().get().is_none() && query.read().get("saved").is_some();
    view! {
        <Title text="Install"/>
        <Transition>
            {move || async_view(async move {
                let page = match data.await {
                    Ok(page) => page,
                    Err(e) => return error_view(e),
                };
                let notes = notes.await.unwrap_or_default();
                let app = page.app.clone();
                let nav = view! { <AppNav id=app.id.clone() name=app.name.clone() current="install"/> };
                let may_edit = app.role().may(AppAction::Edit);
                let chosen = save.typed("install_option", page.install_option.as_str());
                let options = app.app_type.marketplace.then(|| {
                    let app_id = app.id.clone();
                    let landing = save.typed("landing_url", page.landing_url.clone());
                    let option_error = field_error(error, "install_option");
                    view! {
                        <section class="card">
                            <h1>"How users add your app"</h1>
                            <ReviewNote notes=notes.clone() field="install"/>
                            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
                            {move || saved().then(|| view! { <p class="saved" role="status">"Install option saved."</p> })}
                            <PostForm action=save>
                                <input type="hidden" name="id" value=app_id.clone()/>
                                <fieldset class="group" aria-describedby="install_option-error">
                                    <legend>"Install option"</legend>
                                    {InstallOption::ALL.iter().map(|option| {
                                        let (label, hint) = match option {
                                            InstallOption::Marketplace => ("Install from the Marketplace", "Users press Install on your listing; Portico asks for their consent and sends them to your redirect URL."),
                                            InstallOption::LandingPage => ("Landing page", "Your listing says “Visit site to add” and links to your page, which starts the authorization."),
                                        };
                                        let input_id = format!("install-{}", option.as_str());
                                        view! {
                                            <div class="field checkbox">
                                                <input type="radio" id=input_id.clone() name="install_option" value=option.as_str()
                                                    checked=chosen == option.as_str() disabled=!may_edit/>
                                                <label for=input_id>{label}<span class="hint">" — "{hint}</span></label>
                                            </div>
                                        }
                                    }).collect_view()}
                                    <p class="field-error" id="install_option-error" role="alert">{move || option_error.get()}</p>
                                </fieldset>
                                <TextField label="Landing page URL" name="landing_url" required=false
                                    hint="Needed with the landing-page option: where “Visit site to add” leads."
                                    url_rule=UrlRule::OptionalPublicUrl
                                    value=landing server_error=field_error(error, "landing_url")/>
                                {may_edit.then(|| view! { <button type="submit" class="btn primary">"Save"</button> })}
                            </PostForm>
                        </section>
                    }
                });
                let try_it = match page.try_it.clone() {
                    Ok(url) => view! {
                        <p>"Install the app in your own account with its development credentials, as a user would."</p>
                        <a class="btn" href=url>"Try it in my account"</a>
                    }.into_any(),
                    Err(why) => view! {
                        <p class="muted">{why}</p>
                        <a href=format!("/apps/{}/credentials", app.id)>"Credentials"</a>
                    }.into_any(),
                };
                let publishable = match page.publishable_url.clone() {
                    Some(url) => view! {
                        <p><code class="break">{url}</code></p>
                        {page.publishable_stale.then(|| view! { <p class="muted">"It is out of date: the name or redirect URLs changed since. Make a new one on the Credentials page."</p> })}
                    }.into_any(),
                    None => view! { <p class="muted">"No Publishable URL yet: make one on the Credentials page."</p> }.into_any(),
                };
                view! {
                    <div class="app-layout">
                        {nav}
                        <div class="app-main">
                            {options}
                            <section class="card">
                                <h2>"Try it in my account"</h2>
                                {try_it}
                            </section>
                            <section class="card">
                                <h2>"Publishable URL"</h2>
                                <p class="muted">"A link that installs the app directly, without the Marketplace: private and unlisted apps are installed this way."</p>
                                {publishable}
                                <p><a href=format!("/apps/{}/credentials", app.id)>"Manage it on the Credentials page"</a></p>
                            </section>
                        </div>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}
