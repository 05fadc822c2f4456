//! "Submit": what the app still needs before review (each item links to
//! the page that fixes it), the submission in review with Withdraw, and
//! every earlier submission with the reviewer's decision and note.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::AppNav;
use crate::api::review::{
    submit_page, SetPrivateAppActive, SubmissionOut, SubmitApp, WithdrawSubmission,
};
use crate::components::async_view;
use crate::components::field::{field_error, FormError, TextField};
use crate::components::form::{form_action, PostForm};
use crate::components::time::moment;
use crate::domain::app::AppStatus;
use crate::domain::app_access::AppAction;
use crate::domain::review::SubmissionStatus;
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/apps/:id/submit`.
#[component]
pub fn SubmitPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let submit = form_action::<SubmitApp>();
    let withdraw = form_action::<WithdrawSubmission>();
    let activate = form_action::<SetPrivateAppActive>();
    let activate_error = activate.error();
    let data = page_resource(id, submit_page);
    let error = submit.error();
    let withdraw_error = withdraw.error();
    let query = use_query_map();
    let notice = move || {
        let query = query.read();
        if query.get("submitted").is_some() {
            Some("Submitted. A reviewer will look at it; you'll see the decision here.")
        } else if query.get("withdrawn").is_some() {
            Some("Withdrawn. You can change the app and submit it again.")
        } else if query.get("activated").is_some() {
            Some("Activated: its production credentials work in your account.")
        } else if query.get("deactivated").is_some() {
            Some("Deactivated: its production credentials no longer work.")
        } else {
            None
        }
    };
    view! {
        <Title text="Submit"/>
        <Transition>
            {move || async_view(async move {
                let page = match data.await {
                    Ok(page) => page,
                    Err(e) => return error_view(e),
                };
                let app = page.app.clone();
                let may_submit = app.role().may(AppAction::Submit);
                let app_id = app.id.clone();
                let nav = view! { <AppNav id=app.id.clone() name=app.name.clone() current="submit"/> };
                let body = if !app.app_type.marketplace {
                    let active = app.status == AppStatus::Published;
                    view! {
                        <section class="card">
                            <h1>{if active { "Active in your account" } else { "Activate" }}</h1>
                            <p>
                                "A private app is not reviewed and never listed. Activating it turns its production "
                                "credentials on for your own account only; another account is refused when it tries to install it."
                            </p>
                            <FormError error=activate_error/>
                            {if may_submit {
                                view! {
                                    <PostForm action=activate attr:class="inline">
                                        <input type="hidden" name="id" value=app_id.clone()/>
                                        <input type="hidden" name="active" value=if active { "off" } else { "on" }/>
                                        <button type="submit" class=if active { "btn danger" } else { "btn primary" }>
                                            {if active { "Deactivate" } else { "Activate" }}
                                        </button>
                                    </PostForm>
                                }
                                .into_any()
                            } else {
                                view! { <p class="muted">"Only the app's creator and the account's owners and admins can activate it."</p> }.into_any()
                            }}
                        </section>
                    }
                    .into_any()
                } else if let Some(current) = page.in_review.clone() {
                    view! {
                        <section class="card">
                            <h1>"In review"</h1>
                            <p>
                                {format!("Version {} was submitted by {} ", current.version, current.submitted_by)}
                                {moment(current.submitted_ms)}
                                ". Its listing and configuration are frozen until a reviewer decides."
                            </p>
                            {may_submit.then(|| view! {
                                <FormError error=withdraw_error/>
                                <PostForm action=withdraw attr:class="inline">
                                    <input type="hidden" name="id" value=app_id.clone()/>
                                    <button type="submit" class="btn">"Withdraw submission"</button>
                                </PostForm>
                            })}
                        </section>
                    }
                    .into_any()
                } else if app.status == AppStatus::Published {
                    view! {
                        <section class="card">
                            <h1>"Published"</h1>
                            <p>"This app is live on the Marketplace. Submitting a new version of a live app is not built yet."</p>
                        </section>
                    }
                    .into_any()
                } else {
                    let ready = page.missing.is_empty();
                    view! {
                        <section class="card">
                            <h1>"Submit for review"</h1>
                            {if ready {
                                view! { <p>"Everything a review needs is here."</p> }.into_any()
                            } else {
                                view! {
                                    <p>"Before this app can be submitted:"</p>
                                    <ul class="checklist">
                                        {page.missing.iter().map(|m| {
                                            let href = if m.page.is_empty() {
                                                format!("/apps/{}", app.id)
                                            } else {
                                                format!("/apps/{}/{}", app.id, m.page)
                                            };
                                            view! { <li><a href=href>{m.what.clone()}</a></li> }
                                        }).collect_view()}
                                    </ul>
                                }
                                .into_any()
                            }}
                            {(ready && may_submit).then(|| view! {
                                <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
                                <PostForm action=submit>
                                    <input type="hidden" name="id" value=app_id.clone()/>
                                    <TextField label="Notes to the reviewer (optional)" name="notes" rows=3 required=false
                                        value=submit.typed("notes", "") server_error=field_error(error, "notes")/>
                                    <TextField label="Test plan (optional)" name="test_plan" rows=5 required=false
                                        hint="How to try the app: steps, and a test account's details."
                                        value=submit.typed("test_plan", "") server_error=field_error(error, "test_plan")/>
                                    <button type="submit" class="btn primary">"Submit for review"</button>
                                </PostForm>
                            })}
                            {(!may_submit).then(|| view! {
                                <p class="muted">"Only the app's creator and the account's owners and admins can submit it."</p>
                            })}
                        </section>
                    }
                    .into_any()
                };
                view! {
                    <div class="app-layout">
                        {nav}
                        <div class="app-main">
                            {notice().map(|text| view! { <p class="saved" role="status">{text}</p> })}
                            {body}
                            <History submissions=page.history.clone()/>
                        </div>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

/// Earlier submissions, newest first, with each decision and its note.
#[component]
fn History(submissions: Vec<SubmissionOut>) -> impl IntoView {
    (!submissions.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>"Earlier submissions"</h2>
                <ul class="history">
                    {submissions.into_iter().map(|s| {
                        let class = match s.status {
                            SubmissionStatus::Approved => "status status-published",
                            SubmissionStatus::Rejected => "status status-rejected",
                            _ => "status",
                        };
                        view! {
                            <li>
                                <p>
                                    <strong>{format!("Version {}", s.version)}</strong>" "
                                    <span class=class>{s.status.label()}</span>" "
                                    <span class="muted">"submitted " {moment(s.submitted_ms)}
                                        {s.decided_by.clone().map(|who| format!(" · decided by {who}"))}</span>
                                </p>
                                {(!s.decision_note.is_empty()).then(|| view! {
                                    <blockquote class="note">{s.decision_note.clone()}</blockquote>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}
