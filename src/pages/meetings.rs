//! "Meetings": schedule and see your meetings, the same data apps reach
//! through `/v2/users/me/meetings`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::meetings::{my_meetings, CreateMeeting, DeleteMeeting};
use crate::components::async_view;
use crate::components::field::{field_error, Check, FormError, TextField};
use crate::components::form::{form_action, PostForm};
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/meetings`.
#[component]
pub fn MeetingsPage() -> impl IntoView {
    let create = form_action::<CreateMeeting>();
    let delete = form_action::<DeleteMeeting>();
    let meetings = page_resource(|| (), |_| my_meetings());
    let error = create.error();
    let delete_error = delete.error();
    let query = use_query_map();
    let created = move || create.value().get().is_none() && query.read().get("created").is_some();
    view! {
        <Title text="Meetings"/>
        <div class="information-main">
            <section class="card">
                <h1>"Meetings"</h1>
                <FormError error=delete_error/>
                <Transition>
                    {move || async_view(async move {
                        let meetings = match meetings.await {
                            Ok(meetings) => meetings,
                            Err(e) => return error_view(e),
                        };
                        if meetings.is_empty() {
                            return view! { <p class="muted">"No meetings yet."</p> }.into_any();
                        }
                        view! {
                            <table class="table">
                                <caption class="sr-only">"Your meetings"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Topic"</th>
                                        <th scope="col">"Starts (UTC)"</th>
                                        <th scope="col">"Length"</th>
                                        <th scope="col">"Meeting ID"</th>
                                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {meetings.into_iter().map(|m| {
                                        let label = format!("Delete meeting {}", m.topic);
                                        view! {
                                            <tr>
                                                <td>{m.topic.clone()}</td>
                                                <td>{m.start_time.replace('T', " ").trim_end_matches('Z').to_owned()}</td>
                                                <td>{format!("{} min", m.duration)}</td>
                                                <td>{m.id}</td>
                                                <td>
                                                    <PostForm action=delete attr:class="inline">
                                                        <input type="hidden" name="id" value=m.id/>
                                                        <button type="submit" class="btn small danger" aria-label=label>"Delete"</button>
                                                    </PostForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any()
                    })}
                </Transition>
            </section>
            <section class="card" aria-labelledby="new-meeting-heading">
                <h2 id="new-meeting-heading">"Schedule a meeting"</h2>
                <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
                {move || created().then(|| view! { <p class="saved" role="status">"Meeting scheduled."</p> })}
                <PostForm action=create>
                    <TextField label="Topic" name="topic" value=create.typed("topic", "") check=Check::MeetingTopic
                        server_error=field_error(error, "topic")/>
                    <TextField label="Start (UTC)" name="start_time" input_type="datetime-local" value=create.typed("start_time", "")
                        check=Check::MeetingStart
                        server_error=field_error(error, "start_time")/>
                    <TextField label="Length in minutes" name="duration" input_type="number" value=create.typed("duration", "30")
                        check=Check::MeetingDuration
                        server_error=field_error(error, "duration")/>
                    <TextField label="Agenda (optional)" name="agenda" rows=3 required=false value=create.typed("agenda", "")
                        check=Check::MeetingAgenda
                        server_error=field_error(error, "agenda")/>
                    <button type="submit" class="btn primary">"Schedule"</button>
                </PostForm>
            </section>
        </div>
    }
}
