//! The site header: brand, main navigation and the sign-in state.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::async_view;
use crate::components::form::PostForm;
use crate::components::session::AuthContext;

/// Header with navigation; "Review" only for reviewers.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let user = auth.user;
    let sign_out = auth.sign_out;
    view! {
        <header class="site-header">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"P"</span>
                "Portico"
            </A>
            <nav aria-label="Main">
                <ul>
                    <li><A href="/apps">"My apps"</A></li>
                    <li><A href="/meetings">"Meetings"</A></li>
                    <li><A href="/installed">"Installed apps"</A></li>
                    <li><A href="/marketplace">"Marketplace"</A></li>
                    <li><A href="/chat">"Chat"</A></li>
                    <Transition>
                        {move || async_view(async move {
                            let is_reviewer = matches!(user.await, Ok(Some(u)) if u.is_reviewer);
                            is_reviewer.then(|| view! { <li><A href="/review">"Review"</A></li> }).into_any()
                        })}
                    </Transition>
                </ul>
            </nav>
            <div class="session">
                <Transition>
                    {move || async_view(async move {
                        match user.await {
                            Ok(Some(u)) => view! {
                                <A href="/profile" attr:class="who">
                                    <span class="who-name">{u.display_name.clone()}</span>
                                    <span class="who-account">{u.account_name.clone()}</span>
                                </A>
                                <A href="/notifications">"Notifications"</A>
                                <A href="/account/members">"Members"</A>
                                <PostForm action=sign_out attr:class="inline">
                                    <button type="submit" class="btn ghost">"Sign out"</button>
                                </PostForm>
                            }
                            .into_any(),
                            _ => view! {
                                <A href="/signin">"Sign in"</A>
                                <A href="/signup" attr:class="btn primary">"Sign up"</A>
                            }
                            .into_any(),
                        }
                    })}
                </Transition>
            </div>
        </header>
    }
}
