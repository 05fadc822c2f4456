//! Areas that later work fills in. They say so plainly rather than
//! pretending to work.

use leptos::prelude::*;
use leptos_meta::Title;

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

/// Team chat.
#[component]
pub fn ChatPage() -> impl IntoView {
    view! { <ComingSoon title="Chat" text="Talk with your team and use chat bots here."/> }
}
