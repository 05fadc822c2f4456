//! The reviewers' pages: the queue of submissions (oldest first) and one
//! submission with its frozen listing and configuration, the developer's
//! notes, a claim, and the decision.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::review::{review_queue, review_submission, ClaimSubmission, DecideSubmission};
use crate::components::async_view;
use crate::components::field::{field_error, FormError, TextField};
use crate::components::form::{form_action, PostForm};
use crate::components::time::moment;
use crate::domain::app::AppKind;
use crate::domain::listing::category_label;
use crate::domain::review::Snapshot;
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/review`: every submission in review, oldest first, by app type.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let query = use_query_map();
    let kind = move || query.read().get("kind");
    let queue = page_resource(kind, review_queue);
    let decided = move || query.read().get("decided").is_some();
    view! {
        <Title text="Review"/>
        <section class="card">
            <h1>"Review"</h1>
            {move || decided().then(|| view! { <p class="saved" role="status">"Decision recorded."</p> })}
            <nav class="filters" aria-label="Filter by app type">
                {std::iter::once(("", "All types")).chain(AppKind::ALL.iter().map(|k| (k.as_str(), k.label()))).map(|(value, label)| {
                    let href = if value.is_empty() { "/review".to_owned() } else { format!("/review?kind={value}") };
                    let current = move || (kind().unwrap_or_default() == value).then_some("page");
                    view! { <a href=href aria-current=current>{label}</a>" " }
                }).collect_view()}
            </nav>
            <Transition>
                {move || async_view(async move {
                    let items = match queue.await {
                        Ok(items) => items,
                        Err(e) => return error_view(e),
                    };
                    if items.is_empty() {
                        return view! { <p class="muted">"Nothing is waiting for review."</p> }.into_any();
                    }
                    view! {
                        <table class="table">
                            <thead><tr><th>"App"</th><th>"Type"</th><th>"Publisher"</th><th>"Submitted"</th><th>"Claimed by"</th></tr></thead>
                            <tbody>
                                {items.into_iter().map(|s| view! {
                                    <tr>
                                        <td><a href=format!("/review/{}", s.id)>{format!("{} (version {})", s.app_name, s.version)}</a></td>
                                        <td>{s.app_kind.label()}</td>
                                        <td>{s.publisher.clone()}</td>
                                        <td>{moment(s.submitted_ms)}</td>
                                        <td>{s.claimed_by.clone().unwrap_or_else(|| "Nobody".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                })}
            </Transition>
        </section>
    }
}

/// `/review/:submission`: one submission and the decision.
#[component]
pub fn ReviewSubmissionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("submission").unwrap_or_default();
    let data = page_resource(id, review_submission);
    let claim = form_action::<ClaimSubmission>();
    let decide = form_action::<DecideSubmission>();
    let claim_error = claim.error();
    let error = decide.error();
    view! {
        <Title text="Review a submission"/>
        <Transition>
            {move || async_view(async move {
                let page = match data.await {
                    Ok(page) => page,
                    Err(e) => return error_view(e),
                };
                let s = page.submission.clone();
                let open = s.status == crate::domain::review::SubmissionStatus::InReview;
                let claim_line = match (&s.claimed_by, page.claimed_by_me) {
                    (_, true) => "You are reviewing this submission.".to_owned(),
                    (Some(who), false) => format!("{who} is reviewing this submission."),
                    (None, false) => "Nobody has claimed this submission.".to_owned(),
                };
                let submission_id = s.id.clone();
                let decide_id = s.id.clone();
                view! {
                    <div class="app-main">
                        <section class="card">
                            <h1>{format!("{} — version {}", s.app_name, s.version)}</h1>
                            <p class="muted">
                                {format!("{} by {} · submitted by {} ", s.app_kind.label(), s.publisher, s.submitted_by)}
                                {moment(s.submitted_ms)}
                                {format!(" · {}", s.status.label())}
                            </p>
                            {open.then(|| view! {
                                <p>{claim_line.clone()}</p>
                                <FormError error=claim_error/>
                                {(!page.claimed_by_me).then(|| view! {
                                    <PostForm action=claim attr:class="inline">
                                        <input type="hidden" name="submission_id" value=submission_id.clone()/>
                                        <button type="submit" class="btn">"Claim for review"</button>
                                    </PostForm>
                                })}
                            })}
                        </section>
                        <section class="card">
                            <crate::pages::apps::submit::PreReviewChecks checks=s.checks.clone()/>
                        </section>
                        <section class="card">
                            <h2>"Changes"</h2>
                            {match page.changes.clone() {
                                Some(changes) => view! { <crate::pages::apps::submit::Changes changes caption="Changes since the last approved version"/> }.into_any(),
                                None => view! { <p class="muted">"The first version: nothing was approved before."</p> }.into_any(),
                            }}
                        </section>
                        <Listing snapshot=page.snapshot.clone()/>
                        <section class="card">
                            <h2>"The app's activity"</h2>
                            <crate::pages::apps::activity::AuditLog entries=page.activity.clone()/>
                        </section>
                        {open.then(|| view! {
                            <section class="card">
                                <h2>"Try it"</h2>
                                {match page.try_url.clone() {
                                    Some(url) => view! {
                                        <p>"Install it in your own account with its development credentials, and follow the test plan below."</p>
                                        <p><a class="btn" href=url>"Install in my account"</a></p>
                                    }.into_any(),
                                    None => view! { <p class="muted">"It cannot be installed to try: it has no development credentials or development redirect URL."</p> }.into_any(),
                                }}
                            </section>
                        })}
                        <section class="card">
                            <h2>"From the developer"</h2>
                            <h3>"Notes"</h3>
                            <p class="prose">{if s.notes.is_empty() { "None.".to_owned() } else { s.notes.clone() }}</p>
                            <h3>"Test plan"</h3>
                            <p class="prose">{if s.test_plan.is_empty() { "None.".to_owned() } else { s.test_plan.clone() }}</p>
                        </section>
                        {open.then(|| view! {
                            <section class="card">
                                <h2>"Decision"</h2>
                                <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
                                <PostForm action=decide>
                                    <input type="hidden" name="submission_id" value=decide_id.clone()/>
                                    <fieldset class="group" aria-describedby="decision-error">
                                        <legend>"Your decision"</legend>
                                        <div class="field checkbox">
                                            <input type="radio" id="decision-approve" name="decision" value="approve"
                                                checked=decide.typed_checked("decision", "approve", false)/>
                                            <label for="decision-approve">"Approve: publish this version"</label>
                                        </div>
                                        <div class="field checkbox">
                                            <input type="radio" id="decision-reject" name="decision" value="reject"
                                                checked=decide.typed_checked("decision", "reject", false)/>
                                            <label for="decision-reject">"Reject: send it back with a note"</label>
                                        </div>
                                        {move || field_error(error, "decision").get().map(|m| view! { <p class="field-error" id="decision-error">{m}</p> })}
                                    </fieldset>
                                    <TextField label="Note to the developer" name="note" rows=4 required=false
                                        hint="To reject, say what must change here or on the fields below."
                                        value=decide.typed("note", "") server_error=field_error(error, "note")/>
                                    <details class="field-notes" open=crate::domain::review::NOTE_FIELDS.iter().any(|(.., input)| !decide.typed(input, "").is_empty())>
                                        <summary>"Notes on single fields (shown beside each field)"</summary>
                                        {crate::domain::review::NOTE_FIELDS.iter().map(|(_, label, _, name)| {
                                            let name: &'static str = name;
                                            view! {
                                                <TextField label=format!("Note on {}", label.to_lowercase()) name=name rows=2 required=false
                                                    value=decide.typed(name, "") server_error=field_error(error, name)/>
                                            }
                                        }).collect_view()}
                                    </details>
                                    <button type="submit" class="btn primary">"Record decision"</button>
                                </PostForm>
                            </section>
                        })}
                        {(!s.decision_note.is_empty() || !s.field_notes.is_empty()).then(|| view! {
                            <section class="card">
                                <h2>"Reviewer's note"</h2>
                                <p class="prose">{s.decision_note.clone()}</p>
                                <crate::pages::apps::submit::FieldNotes notes=s.field_notes.clone() app_id=None/>
                            </section>
                        })}
                        {(!page.earlier.is_empty()).then(|| view! {
                            <section class="card">
                                <h2>"Earlier submissions"</h2>
                                <ul class="history">
                                    {page.earlier.iter().map(|e| view! {
                                        <li>
                                            {format!("Version {}: {}", e.version, e.status.label())}
                                            {(!e.decision_note.is_empty()).then(|| view! { <blockquote class="note">{e.decision_note.clone()}</blockquote> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        })}
                        <p><a href="/review" class="btn">"Back to the queue"</a></p>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

/// The submitted listing and configuration, as frozen.
#[component]
fn Listing(snapshot: Snapshot) -> impl IntoView {
    let or_none = |text: &str| {
        if text.is_empty() {
            "—".to_owned()
        } else {
            text.to_owned()
        }
    };
    let categories = snapshot
        .categories
        .iter()
        .map(|c| category_label(c).unwrap_or(c.as_str()).to_owned())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <section class="card">
            <h2>"Listing as submitted"</h2>
            <dl class="facts">
                <dt>"Name"</dt><dd>{snapshot.name.clone()}</dd>
                <dt>"Short description"</dt><dd>{or_none(&snapshot.short_description)}</dd>
                <dt>"Long description"</dt><dd class="prose">{or_none(&snapshot.long_description)}</dd>
                <dt>"Categories"</dt><dd>{or_none(&categories)}</dd>
                <dt>"Developer contact"</dt><dd>{format!("{} <{}>", snapshot.contact_name, snapshot.contact_email)}</dd>
                <dt>"Privacy policy"</dt><dd>{or_none(&snapshot.privacy_url)}</dd>
                <dt>"Support"</dt><dd>{or_none(&snapshot.support_url)}</dd>
                <dt>"Media"</dt><dd>{format!("{} preview image(s){}", snapshot.images, if snapshot.has_video { " and a video" } else { "" })}</dd>
            </dl>
            <h2>"Configuration"</h2>
            <dl class="facts">
                <dt>"Production redirect URL"</dt><dd>{or_none(&snapshot.production_redirect_url)}</dd>
                <dt>"Development redirect URL"</dt><dd>{or_none(&snapshot.development_redirect_url)}</dd>
                <dt>"Scopes"</dt><dd>{or_none(&snapshot.scopes.join(" "))}</dd>
                <dt>"Events"</dt><dd>{or_none(&snapshot.events.join(" "))}</dd>
                <dt>"Deauthorization endpoint"</dt><dd>{or_none(&snapshot.deauthorization_url)}</dd>
                {(!snapshot.slash_command.is_empty() || !snapshot.bot_endpoint.is_empty()).then(|| view! {
                    <dt>"Slash command"</dt><dd>{format!("/{}", snapshot.slash_command)}</dd>
                    <dt>"Bot endpoint (production)"</dt><dd>{or_none(&snapshot.bot_endpoint)}</dd>
                })}
            </dl>
        </section>
    }
}
