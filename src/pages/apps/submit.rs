//! "Submit": what the app still needs before review (each item links to
//! the page that fixes it), the submission in review with Withdraw, and
//! every earlier submission with the reviewer's decision and note.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::AppNav;
use crate::api::review::SubmissionOut;
use crate::api::submit::{submit_page, SetPrivateAppActive, SubmitApp, WithdrawSubmission};
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
                            <PreReviewChecks checks=current.checks.clone()/>
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
                } else {
                    let unchanged = app.live_version.is_some() && page.changes.is_empty();
                    let ready = page.missing.is_empty() && !unchanged;
                    let heading = if app.live_version.is_some() { "Submit a new version" } else { "Submit for review" };
                    view! {
                        <section class="card">
                            <h1>{heading}</h1>
                            {unchanged.then(|| view! {
                                <p>"Nothing changed since the live version. Edit the app, and submit the changes here."</p>
                            })}
                            {page.lacks_production_secret.then(|| view! {
                                <p class="review-note" role="note">
                                    "No production client secret yet: once approved, the app is listed but nobody can install it until you "
                                    <a href=format!("/apps/{}/credentials", app.id)>"generate one on Credentials"</a>"."
                                </p>
                            })}
                            {if ready {
                                view! { <p>"Everything a review needs is here."</p> }.into_any()
                            } else if page.missing.is_empty() {
                                ().into_any()
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
                                    <TextField label="Release notes for users (optional)" name="release_notes" rows=3 required=false
                                        hint="What is new in this version; shown on the Marketplace once approved."
                                        value=submit.typed("release_notes", "") server_error=field_error(error, "release_notes")/>
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
                let live = app.live_version.map(|version| {
                    let app_id = app.id.clone();
                    let changes = page.changes.clone();
                    view! {
                        <section class="card">
                            <h2>{format!("Live: version {version}")}</h2>
                            <p>
                                "The approved version is on the "<a href=format!("/marketplace/{app_id}")>"Marketplace"</a>
                                " and its production credentials keep working. Your edits since are a draft of the next version: "
                                "users see them only after a reviewer approves it."
                            </p>
                            <Changes changes caption="Changes since the live version"/>
                        </section>
                    }
                });
                view! {
                    <div class="app-layout">
                        {nav}
                        <div class="app-main">
                            {notice().map(|text| view! { <p class="saved" role="status">{text}</p> })}
                            {live}
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

/// The automated pre-review checks of a submission.
#[component]
pub fn PreReviewChecks(checks: Vec<crate::domain::review::PreReviewCheck>) -> impl IntoView {
    if checks.is_empty() {
        return view! { <p class="muted">"No automated checks applied: no listing URLs or endpoints to try."</p> }.into_any();
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    view! {
        <h3>"Automated checks"</h3>
        <p class=if failed == 0 { "muted" } else { "form-error" }>
            {if failed == 0 { "Every check passed.".to_owned() } else { format!("{failed} of {} checks failed: the reviewer sees this too.", checks.len()) }}
        </p>
        <ul class="checks">
            {checks.into_iter().map(|c| view! {
                <li class=if c.passed { "check passed" } else { "check failed" }>
                    <span class="check-mark">{if c.passed { "Passed: " } else { "Failed: " }}</span>
                    {c.what}" — "<span class="muted">{c.detail}</span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The reviewer's note on one field (a `NOTE_FIELDS` key), if there is
/// one: shown beside the field it is about.
#[component]
pub fn ReviewNote(
    notes: Vec<crate::api::review::FieldNoteOut>,
    field: &'static str,
) -> impl IntoView {
    notes.into_iter().find(|n| n.field == field).map(|n| {
        view! {
            <p class="review-note" role="note"><strong>{format!("Reviewer’s note on {}: ", n.label.to_lowercase())}</strong>{n.note}</p>
        }
    })
}

/// A reviewer's notes on single fields; with `app_id`, each links to the
/// page that holds its field.
#[component]
pub fn FieldNotes(
    notes: Vec<crate::api::review::FieldNoteOut>,
    app_id: Option<String>,
) -> impl IntoView {
    (!notes.is_empty()).then(|| {
        view! {
            <ul class="field-notes">
                {notes.into_iter().map(|n| {
                    let label = match &app_id {
                        Some(id) => view! { <a href=format!("/apps/{id}/{}", n.page)>{n.label.clone()}</a> }.into_any(),
                        None => view! { <strong>{n.label.clone()}</strong> }.into_any(),
                    };
                    view! { <li>{label}": "{n.note.clone()}</li> }
                }).collect_view()}
            </ul>
        }
    })
}

/// A field-by-field comparison of two versions.
#[component]
pub fn Changes(
    changes: Vec<crate::domain::review::FieldChange>,
    caption: &'static str,
) -> impl IntoView {
    if changes.is_empty() {
        return view! { <p class="muted">{format!("{caption}: none.")}</p> }.into_any();
    }
    view! {
        <table class="table diff">
            <caption>{caption}</caption>
            <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"Now"</th></tr></thead>
            <tbody>
                {changes.into_iter().map(|c| view! {
                    <tr>
                        <th scope="row">{c.field}</th>
                        <td class="prewrap"><del>{c.before}</del></td>
                        <td class="prewrap"><ins>{c.after}</ins></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
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
                                <FieldNotes notes=s.field_notes.clone() app_id=Some(s.app_id.clone())/>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}
