//! The account's members, their roles, and invite links.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::account::{
    members, ChangeRole, CreateInvite, MemberOut, MembersOut, RemoveMember, RevokeInvite,
};
use crate::components::async_view;
use crate::components::copy::copy_button;
use crate::components::field::FormError;
use crate::components::form::{form_action, ActionOf, PostForm};
use crate::domain::account::Role;
use crate::pages::{error_view, page_resource};

/// Member list; owners and admins also invite, change roles and remove.
#[component]
pub fn MembersPage() -> impl IntoView {
    let invite = form_action::<CreateInvite>();
    let revoke = form_action::<RevokeInvite>();
    let change = form_action::<ChangeRole>();
    let remove = form_action::<RemoveMember>();
    let data = page_resource(|| (), |_| members());
    let errors = [
        invite.error(),
        revoke.error(),
        change.error(),
        remove.error(),
    ];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));

    view! {
        <Title text="Members"/>
        <Transition>
            {move || async_view(async move {
                match data.await {
                    Err(e) => error_view(e),
                    Ok(page) => {
                        let manage = page.my_role.can_manage_members();
                        let invites = page.invites.clone();
                        view! {
                            <section class="card">
                                <h1>"Members of " {page.account_name.clone()}</h1>
                                <FormError error/>
                                {manage.then(|| view! { <InvitePanel invite new_invite_link=page.new_invite_link.clone() email_on=page.email_on/> }.into_any())}
                                {view! { <MemberTable page=page.clone() change remove/> }.into_any()}
                            </section>
                            {(manage && !invites.is_empty()).then(move || view! {
                                <section class="card">
                                    <h2>"Pending invites"</h2>
                                    <ul class="plain-list">
                                        {invites.into_iter().map(|i| view! {
                                            <li>
                                                <span>
                                                    {i.role.label()} " invite by " {i.invited_by.clone()}
                                                    ", valid until " {i.expires.clone()}
                                                </span>
                                                <PostForm action=revoke attr:class="inline">
                                                    <input type="hidden" name="invite_id" value=i.id.clone()/>
                                                    <button type="submit" class="btn small">"Revoke"</button>
                                                </PostForm>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                </section>
                            }.into_any())}
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn InvitePanel(
    invite: ActionOf<CreateInvite>,
    /// The link this viewer just made, if any (shown once).
    new_invite_link: Option<String>,
    /// Whether Portico can email the link (SMTP configured).
    email_on: bool,
) -> impl IntoView {
    let email_error = crate::components::field::field_error(invite.error(), "email");
    view! {
        <div class="invite-panel">
            <h2>"Invite someone"</h2>
            <p class="muted">{if email_on {
                "Create a link to send yourself, or give an address and Portico emails it. It works once."
            } else {
                "This Portico sends no email: create a link and send it yourself. It works once."
            }}</p>
            <PostForm action=invite attr:class="row">
                {email_on.then(|| view! {
                    <label for="invite-email">"Email address (optional)"</label>
                    <input id="invite-email" type="email" name="email" autocomplete="off"
                        aria-invalid=move || email_error.get().map(|_| "true")
                        aria-describedby=move || email_error.get().map(|_| "invite-email-error")/>
                    {move || email_error.get().map(|m| view! { <p class="field-error" id="invite-email-error">{m}</p> })}
                })}
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role">
                    <option value="member" selected>"Member"</option>
                    <option value="admin">"Admin"</option>
                </select>
                <button type="submit" class="btn primary">"Create invite link"</button>
            </PostForm>
            {new_invite_link.map(|url| view! {
                <div class="new-invite" role="status">
                    <label for="invite-link">"Invite link (shown once)"</label>
                    <input id="invite-link" type="text" readonly value=url.clone()/>
                    {copy_button(url, "Copy invite link")}
                </div>
            })}
        </div>
    }
}

#[component]
fn MemberTable(
    page: MembersOut,
    change: ActionOf<ChangeRole>,
    remove: ActionOf<RemoveMember>,
) -> impl IntoView {
    let manage = page.my_role.can_manage_members();
    let me = page.my_user_id.clone();
    let my_role = page.my_role;
    view! {
        <table class="table">
            <caption class="sr-only">"Members"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Joined"</th>
                    {manage.then(|| view! { <th scope="col">"Manage"</th> })}
                </tr>
            </thead>
            <tbody>
                {page.members.into_iter().map(|m| {
                    let is_me = m.user_id == me;
                    let editable = manage && !is_me && (my_role == Role::Owner || m.role != Role::Owner);
                    view! {
                        <tr>
                            <td>{m.display_name.clone()} {is_me.then(|| view! { <span class="badge">"You"</span> })}</td>
                            <td>{m.email.clone()}</td>
                            <td>{m.role.label()}</td>
                            <td>{m.joined.clone()}</td>
                            {manage.then(|| view! {
                                <td>{editable.then(|| view! { <MemberActions member=m.clone() my_role change remove/> })}</td>
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn MemberActions(
    member: MemberOut,
    my_role: Role,
    change: ActionOf<ChangeRole>,
    remove: ActionOf<RemoveMember>,
) -> impl IntoView {
    let select_id = format!("role-{}", member.user_id);
    let roles: Vec<Role> = Role::ALL
        .iter()
        .copied()
        .filter(|r| my_role == Role::Owner || *r != Role::Owner)
        .collect();
    let user_id = member.user_id.clone();
    let role_label = format!("Role for {}", member.display_name);
    let change_label = format!(" of {}", member.display_name);
    let remove_label = format!(" {}", member.display_name);
    view! {
        <div class="member-actions">
            <PostForm action=change attr:class="inline">
                <input type="hidden" name="user_id" value=member.user_id.clone()/>
                <label class="sr-only" for=select_id.clone()>{role_label}</label>
                <select id=select_id name="role">
                    {roles.into_iter().map(|r| view! {
                        <option value=r.as_str() selected=r == member.role>{r.label()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="btn small">"Change role"<span class="sr-only">{change_label}</span></button>
            </PostForm>
            <PostForm action=remove attr:class="inline">
                <input type="hidden" name="user_id" value=user_id/>
                <button type="submit" class="btn small danger">"Remove"<span class="sr-only">{remove_label}</span></button>
            </PostForm>
        </div>
    }
}
