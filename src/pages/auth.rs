//! Sign-up and sign-in pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{SignIn, SignUp};
use crate::components::field::{field_error, Check, FormError, TextField};
use crate::components::form::{form_action, PostForm};

/// The invite token carried through sign-up or sign-in, if any.
fn invite_param() -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || query.read().get("invite").unwrap_or_default())
}

/// Create an account.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = form_action::<SignUp>();
    let error = action.error();
    let invite = invite_param();
    let pending = action.pending();
    view! {
        <Title text="Sign up"/>
        <section class="card narrow auth">
            <h1>"Create your account"</h1>
            <p class="muted">"You get an account of your own, which you can invite others to."</p>
            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, crate::error::AppError::Invalid { .. })))/>
            <PostForm action=action>
                <input type="hidden" name="invite" value=invite/>
                <TextField
                    label="Email"
                    name="email"
                    input_type="email"
                    autocomplete="email"
                    value=action.typed("email", "")
                    check=Check::Email
                    server_error=field_error(error, "email")
                />
                <TextField
                    label="Your name"
                    name="display_name"
                    autocomplete="name"
                    value=action.typed("display_name", "")
                    check=Check::DisplayName
                    server_error=field_error(error, "display_name")
                />
                <TextField
                    label="Password"
                    name="password"
                    input_type="password"
                    autocomplete="new-password"
                    hint="8 to 128 characters. A long phrase is easiest to remember."
                    check=Check::NewPassword
                    server_error=field_error(error, "password")
                />
                <button type="submit" class="btn primary wide" disabled=move || pending.get()>"Create account"</button>
            </PostForm>
            <p class="switch">
                "Already have an account? "
                <a href=move || with_invite("/signin", &invite.get())>"Sign in"</a>
            </p>
        </section>
    }
}

/// Sign in.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = form_action::<SignIn>();
    let error = action.error();
    let invite = invite_param();
    let query = use_query_map();
    let next = Signal::derive(move || query.read().get("next").unwrap_or_default());
    let pending = action.pending();
    view! {
        <Title text="Sign in"/>
        <section class="card narrow auth">
            <h1>"Sign in"</h1>
            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, crate::error::AppError::Invalid { .. })))/>
            <PostForm action=action>
                <input type="hidden" name="invite" value=invite/>
                <input type="hidden" name="next" value=next/>
                <TextField
                    label="Email"
                    name="email"
                    input_type="email"
                    autocomplete="username"
                    value=action.typed("email", "")
                    check=Check::Email
                    server_error=field_error(error, "email")
                />
                <TextField
                    label="Password"
                    name="password"
                    input_type="password"
                    autocomplete="current-password"
                    server_error=field_error(error, "password")
                />
                <button type="submit" class="btn primary wide" disabled=move || pending.get()>"Sign in"</button>
            </PostForm>
            <p class="switch">
                "New here? "
                <a href=move || with_invite("/signup", &invite.get())>"Create an account"</a>
            </p>
        </section>
    }
}

fn with_invite(path: &str, invite: &str) -> String {
    if invite.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?invite={}", crate::pages::url_escape(invite))
    }
}
