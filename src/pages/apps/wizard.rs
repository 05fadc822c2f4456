//! The Build App wizard. Step 1 is a plain GET form (the choice travels in
//! the URL, so it works without JavaScript and survives a reload); step 2
//! names the app and creates it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::apps::CreateApp;
use crate::components::async_view;
use crate::components::field::{field_error, Check, FormError, TextField};
use crate::components::form::{form_action, PostForm};
use crate::components::session::AuthContext;
use crate::domain::app::AppType;
use crate::error::AppError;
use crate::pages::error_view;

/// `/apps/new`: step 1 without `?type=`, step 2 with a valid one.
#[component]
pub fn BuildAppPage() -> impl IntoView {
    let user = expect_context::<AuthContext>().user;
    let query = use_query_map();
    let chosen = Signal::derive(move || {
        query
            .read()
            .get("type")
            .and_then(|code| AppType::parse(&code))
    });
    view! {
        <Title text="Build App"/>
        <Transition>
            {move || async_view(async move {
                match user.await {
                    Ok(Some(_)) => match chosen.get() {
                        None => view! { <ChooseType/> }.into_any(),
                        Some(app_type) => view! { <NameApp app_type/> }.into_any(),
                    },
                    Ok(None) => error_view(AppError::Unauthenticated),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}

#[component]
fn ChooseType() -> impl IntoView {
    let group = |marketplace: bool| {
        AppType::ALL
            .into_iter()
            .filter(move |t| t.marketplace == marketplace)
            .map(|t| {
                let id = format!("type-{}", t.code().replace('.', "-"));
                view! {
                    <div class="choice">
                        <input type="radio" name="type" id=id.clone() value=t.code() required=true/>
                        <label for=id>
                            <strong>{t.label()}</strong>
                            <span class="muted">{t.explanation()}</span>
                        </label>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card wizard">
            <p class="step">"Step 1 of 2"</p>
            <h1>"Build App"</h1>
            <form method="get" action="/apps/new">
                <h2>"Do you want to publish this app on the Marketplace?"</h2>
                <fieldset>
                    <legend>"Yes — publish it on the Marketplace"</legend>
                    {group(true)}
                </fieldset>
                <fieldset>
                    <legend>"No — only for my own account"</legend>
                    {group(false)}
                </fieldset>
                <button type="submit" class="btn primary">"Continue"</button>
            </form>
        </section>
    }
}

#[component]
fn NameApp(app_type: AppType) -> impl IntoView {
    let create = form_action::<CreateApp>();
    let error = create.error();
    let pending = create.pending();
    let where_it_lives = if app_type.marketplace {
        "Published on the Marketplace after review."
    } else {
        "Private: for your own account only."
    };
    view! {
        <section class="card wizard">
            <p class="step">"Step 2 of 2"</p>
            <h1>"Name your " {app_type.label()}</h1>
            <p class="muted">{where_it_lives} " " <a href="/apps/new">"Choose another type"</a></p>
            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
            <PostForm action=create>
                <input type="hidden" name="app_type" value=app_type.code()/>
                <TextField
                    label="App name"
                    name="name"
                    value=create.typed("name", "")
                    hint="Unique across all apps, published or not. You can rename it later."
                    check=Check::AppName
                    server_error=field_error(error, "name")
                />
                <p class="field-error">{move || field_error(error, "app_type").get()}</p>
                <button type="submit" class="btn primary" disabled=move || pending.get()>"Create"</button>
            </PostForm>
        </section>
    }
}
