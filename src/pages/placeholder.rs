//! Areas that later work fills in. They say so plainly rather than
//! pretending to work.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::async_view;
use crate::components::session::AuthContext;
use crate::error::AppError;
use crate::pages::error_view;

#[component]
fn ComingSoon(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <section class="card narrow">
            <h1>{title}</h1>
            <p>{text}</p>
            <p class="muted">"Coming soon."</p>
        </section>
    }
}

/// The marketplace.
#[component]
pub fn MarketplacePage() -> impl IntoView {
    view! { <ComingSoon title="Marketplace" text="Browse, search and install published apps here."/> }
}

/// Team chat.
#[component]
pub fn ChatPage() -> impl IntoView {
    view! { <ComingSoon title="Chat" text="Talk with your team and use chat bots here."/> }
}

/// The review queue: reviewers only.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let user = expect_context::<AuthContext>().user;
    view! {
        <Transition>
            {move || async_view(async move {
                match user.await {
                    Ok(Some(u)) if u.is_reviewer => view! {
                        <ComingSoon title="Review" text="The queue of app submissions waiting for review will be here."/>
                    }
                    .into_any(),
                    Ok(Some(_)) => error_view(AppError::no_permission()),
                    Ok(None) => error_view(AppError::Unauthenticated),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}
