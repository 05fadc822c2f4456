//! The page an invite link opens.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::account::{invite_details, AcceptInvite, DeclineInvite};
use crate::components::async_view;
use crate::components::field::FormError;
use crate::components::form::{form_action, PostForm};
use crate::components::session::AuthContext;
use crate::pages::{error_view, page_resource, url_escape};

/// Shows who invites whom to what. A signed-in visitor joins (or not) only
/// by pressing Join (or Decline) here; a signed-out one signs up or in
/// first and is sent back here to decide.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let details = page_resource(token, invite_details);
    let user = expect_context::<AuthContext>().user;
    let accept = form_action::<AcceptInvite>();
    let decline = form_action::<DeclineInvite>();
    let accept_error = accept.error();
    let decline_error = decline.error();
    let error = Signal::derive(move || accept_error.get().or_else(|| decline_error.get()));
    view! {
        <Title text="Invitation"/>
        <Transition>
            {move || async_view(async move {
                let token = token();
                match (details.await, user.await) {
                    (Err(e), _) | (_, Err(e)) => error_view(e),
                    (Ok(None), _) => view! {
                        <section class="card narrow" role="alert">
                            <h1>"This invite link has expired"</h1>
                            <p>"It was used already, revoked, or is too old. Ask the person who sent it for a new one."</p>
                        </section>
                    }
                    .into_any(),
                    (Ok(Some(invite)), Ok(signed_in)) => {
                        let heading = format!("Join {}", invite.account_name);
                        let join_label = format!("Join {}", invite.account_name);
                        view! {
                            <section class="card narrow">
                                <h1>{heading}</h1>
                                <p>
                                    <strong>{invite.invited_by.clone()}</strong>
                                    " invited you to join "
                                    <strong>{invite.account_name.clone()}</strong>
                                    " as " {invite.role.as_str()} "."
                                </p>
                                <p class="muted">"The link works once, until " {invite.expires.clone()} "."</p>
                                <FormError error/>
                                {match signed_in {
                                    Some(u) => {
                                        let (join_token, decline_token) = (token.clone(), token.clone());
                                        view! {
                                        <p>"You are signed in as " {u.email.clone()} "."</p>
                                        <div class="actions">
                                            <PostForm action=accept>
                                                <input type="hidden" name="token" value=join_token/>
                                                <button type="submit" class="btn primary">{join_label}</button>
                                            </PostForm>
                                            <PostForm action=decline>
                                                <input type="hidden" name="token" value=decline_token/>
                                                <button type="submit" class="btn">"Decline"</button>
                                            </PostForm>
                                        </div>
                                        }
                                        .into_any()
                                    }
                                    None => {
                                        let escaped = url_escape(&token);
                                        view! {
                                            <p class="actions">
                                                <a class="btn primary" href=format!("/signup?invite={escaped}")>"Create an account to join"</a>
                                                <a class="btn" href=format!("/signin?invite={escaped}")>"Sign in to join"</a>
                                            </p>
                                        }
                                        .into_any()
                                    }
                                }}
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}
