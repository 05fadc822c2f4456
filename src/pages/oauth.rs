//! The consent page of `/oauth/authorize` and the Publishable URL's page.
//!
//! The consent form is a plain HTML form posting to `/oauth/authorize`
//! (handled by `server::oauth::authorize::decide`), so it behaves the same
//! with and without JavaScript: the answer is a redirect to the app.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map};

use crate::api::oauth::{authorize_request, install_link, ConsentOut, InstallLinkOut};
use crate::components::async_view;
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `GET /oauth/authorize`.
#[component]
pub fn ConsentPage() -> impl IntoView {
    // The raw query string, decoded once by the server: the router's query
    // map would decode `state` and `redirect_uri` twice.
    let search = use_location().search;
    let request = page_resource(move || search.get(), authorize_request);
    view! {
        <Title text="Allow app"/>
        <Transition>
            {move || async_view(async move {
                match request.await {
                    Ok(consent) => view! { <Consent consent/> }.into_any(),
                    Err(AppError::Refused { message }) => {
                        super::set_status(400);
                        view! {
                            <section class="card narrow" role="alert">
                                <h1>"Cannot install this app"</h1>
                                <p>{message}</p>
                                <p><a href="/">"Go to the start page"</a></p>
                            </section>
                        }
                        .into_any()
                    }
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}

#[component]
fn Consent(consent: ConsentOut) -> impl IntoView {
    let hidden = [
        ("response_type", Some(consent.response_type.clone())),
        ("client_id", Some(consent.client_id.clone())),
        ("redirect_uri", consent.redirect_uri.clone()),
        ("state", consent.state.clone()),
        ("code_challenge", consent.code_challenge.clone()),
        (
            "code_challenge_method",
            consent.code_challenge_method.clone(),
        ),
    ];
    let for_whom = if consent.account_wide {
        format!(
            "for everyone in {} (the whole account)",
            consent.account_name
        )
    } else {
        format!(
            "for you ({}) in {}",
            consent.user_name, consent.account_name
        )
    };
    view! {
        <section class="card narrow consent" aria-labelledby="consent-heading">
            <h1 id="consent-heading">{format!("Allow {} to access your account?", consent.app_name)}</h1>
            <p class="muted">
                {format!("{} by {}", consent.app_type, consent.publisher)}
                {(consent.environment == crate::domain::app::Environment::Development).then(|| view! { " · " <span class="status">"In development"</span> })}
            </p>
            <p>{format!("It will be installed {for_whom} and will be able to:")}</p>
            <ul class="scope-list">
                {consent.scopes.iter().map(|s| view! {
                    <li><strong>{s.explanation.clone()}</strong>" "<code>{s.scope.clone()}</code></li>
                }).collect_view()}
            </ul>
            <p class="hint">"You can uninstall it at any time from Installed apps; its access ends at once."</p>
            <form method="post" action="/oauth/authorize">
                {hidden.into_iter().filter_map(|(name, value)| value.map(|value| view! {
                    <input type="hidden" name=name value=value/>
                })).collect_view()}
                <p class="actions">
                    <button type="submit" name="decision" value="allow" class="btn primary">"Allow"</button>
                    <button type="submit" name="decision" value="deny" class="btn">"Deny"</button>
                </p>
            </form>
        </section>
    }
}

/// `/install/:token`: the Publishable URL. A valid link is redirected (by
/// the server) to the authorization page; a stale one says it expired.
#[component]
pub fn InstallLinkPage() -> impl IntoView {
    let params = use_params_map();
    let link = page_resource(
        move || params.read().get("token").unwrap_or_default(),
        install_link,
    );
    view! {
        <Title text="Install app"/>
        <Transition>
            {move || async_view(async move {
                match link.await {
                    Ok(InstallLinkOut::Authorize { app_name, url }) => view! {
                        <section class="card narrow">
                            <h1>{format!("Install {app_name}")}</h1>
                            <p><a class="btn primary" href=url rel="external">"Continue"</a></p>
                        </section>
                    }
                    .into_any(),
                    Ok(InstallLinkOut::Expired { app_name }) => {
                        super::set_status(410);
                        let who = if app_name.is_empty() { "the app's developer".to_owned() } else { format!("the developer of {app_name}") };
                        view! {
                            <section class="card narrow" role="alert">
                                <h1>"This install link has expired"</h1>
                                <p>{format!("The app changed since this link was made. Ask {who} for a new link.")}</p>
                            </section>
                        }
                        .into_any()
                    }
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}
