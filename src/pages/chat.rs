//! `/chat` and `/chat/:id`: team chat. The list of conversations (with
//! unread counts) and the forms to make one are plain server-rendered
//! forms. The open conversation is an island (`ChatRoom`, a lazy chunk):
//! with JavaScript, it listens to the server's live updates (server-sent
//! events), posts without a reload and suggests slash commands as one
//! types; without, it is the same list with forms that post and come back.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::chat::{
    chat_page, CommandOut, ConversationOut, CreateChannel, JoinChannel, LeaveChannel, OpenDirect,
    PostMessage, PressButton,
};
use crate::components::async_view;
use crate::components::field::{field_error, raw_text, FormError, TextField};
use crate::components::form::{form_action, ActionOf, PostForm};
use crate::components::time::moment;
use crate::domain::chat::{spans, BodyItem, BotState, ChatMessage, Content, Span};
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/chat` (no conversation open) and `/chat/:id`.
#[component]
pub fn ChatPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let channel = move || params.read().get("id");
    let create = form_action::<CreateChannel>();
    let direct = form_action::<OpenDirect>();
    let join = form_action::<JoinChannel>();
    let leave = form_action::<LeaveChannel>();
    // What a refused plain post of the open conversation's forms left in
    // the address (the island cannot read it, see `form::carried_error`).
    let (post, press) = (form_action::<PostMessage>(), form_action::<PressButton>());
    let refused = move || Refused {
        post: post.error().get_untracked(),
        typed: post.typed("text", ""),
        press: press.error().get_untracked(),
    };
    let data = page_resource(channel, chat_page);
    let pressed = move || query.read().get("pressed").is_some();
    let (join_error, leave_error) = (join.error(), leave.error());
    let page_error = Signal::derive(move || join_error.get().or(leave_error.get()));
    view! {
        <Transition>
            {move || async_view(async move {
                let page = match data.await {
                    Ok(page) => page,
                    Err(e) => return error_view(e),
                };
                let open_id = page.open.as_ref().map(|o| o.id.clone());
                let title = match &page.open {
                    Some(o) if o.kind == "channel" => format!("#{} · Chat", o.name),
                    Some(o) => format!("{} · Chat", o.name),
                    None => "Chat".to_owned(),
                };
                let group = |kind: &str| -> Vec<ConversationOut> {
                    page.conversations.iter().filter(|c| c.kind == kind).cloned().collect()
                };
                let (channels, directs, bots) = (group("channel"), group("direct"), group("bot"));
                let people = page.people.clone();
                let commands = page.commands.clone();
                view! {
                    <Title text=title/>
                    <div class="chat">
                        <aside class="card chat-side">
                            <nav aria-label="Conversations">
                                <ConversationList heading="Channels" items=channels open=open_id.clone() empty="No channels yet."/>
                                <ConversationList heading="Direct messages" items=directs open=open_id.clone() empty="None yet."/>
                                {(!bots.is_empty()).then(|| view! {
                                    <ConversationList heading="Bots" items=bots open=open_id.clone() empty=""/>
                                })}
                            </nav>
                            <PostForm action=create attr:class="chat-new">
                                <TextField label="New channel" name="name" value=create.typed("name", "")
                                    hint="Letters, digits, spaces, dashes and underscores."
                                    server_error=field_error(create.error(), "name")/>
                                <button type="submit" class="btn small">"Create channel"</button>
                            </PostForm>
                            {(!people.is_empty()).then(|| view! {
                                <PostForm action=direct attr:class="chat-new">
                                    <div class="field">
                                        <label for="field-person">"Message a member"</label>
                                        <select id="field-person" name="person">
                                            {people.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                                        </select>
                                    </div>
                                    <button type="submit" class="btn small">"Open conversation"</button>
                                </PostForm>
                            })}
                        </aside>
                        <section class="card chat-main">
                            <FormError error=page_error/>
                            {match page.open {
                                None => view! {
                                    <h1>"Chat"</h1>
                                    <p class="muted">"Choose a conversation, or create a channel. Bots installed in your account answer their slash commands in any channel."</p>
                                    {(!commands.is_empty()).then(|| view! {
                                        <h2>"Commands here"</h2>
                                        <CommandList commands=commands.clone()/>
                                    })}
                                }.into_any(),
                                Some(open) => {
                                    let heading = if open.kind == "channel" { format!("#{}", open.name) } else { open.name.clone() };
                                    let members = if open.members.is_empty() { "No members".to_owned() } else { format!("Members: {}", open.members.join(", ")) };
                                    let id = open.id.clone();
                                    view! {
                                        <header class="chat-head">
                                            <h1>{heading}</h1>
                                            <p class="muted small">{members}</p>
                                            {(open.member && open.kind == "channel").then(|| {
                                                let id = id.clone();
                                                view! {
                                                    <PostForm action=leave attr:class="inline">
                                                        <input type="hidden" name="channel" value=id/>
                                                        <button type="submit" class="btn ghost small">"Leave channel"</button>
                                                    </PostForm>
                                                }
                                            })}
                                        </header>
                                        {pressed().then(|| view! { <p class="saved" role="status">"Sent to the bot."</p> })}
                                        {if open.member {
                                            view! {
                                                <ChatRoom channel=id messages=open.messages commands=commands refused=refused()/>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <p>"You are not in this channel yet."</p>
                                                <PostForm action=join>
                                                    <input type="hidden" name="channel" value=id/>
                                                    <button type="submit" class="btn primary">"Join channel"</button>
                                                </PostForm>
                                            }.into_any()
                                        }}
                                    }.into_any()
                                }
                            }}
                        </section>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

#[component]
fn ConversationList(
    heading: &'static str,
    items: Vec<ConversationOut>,
    open: Option<String>,
    empty: &'static str,
) -> impl IntoView {
    view! {
        <h2>{heading}</h2>
        {if items.is_empty() {
            view! { <p class="muted small">{empty}</p> }.into_any()
        } else {
            view! {
                <ul class="chat-list">
                    {items.into_iter().map(|c| {
                        let current = (open.as_deref() == Some(c.id.as_str())).then_some("page");
                        let name = if c.kind == "channel" { format!("#{}", c.name) } else { c.name.clone() };
                        let unread = (c.unread > 0).then(|| {
                            let label = format!("{} unread", c.unread);
                            view! { " "<span class="badge" aria-label=label.clone() title=label>{c.unread}</span> }
                        });
                        view! {
                            <li>
                                <a href=format!("/chat/{}", c.id) aria-current=current>{name}</a>
                                {unread}
                                {(!c.member).then(|| view! { " "<span class="muted small">"(not joined)"</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

#[component]
fn CommandList(commands: Vec<CommandOut>) -> impl IntoView {
    view! {
        <ul class="command-list">
            {commands.into_iter().map(|c| view! {
                <li>
                    <code>{format!("/{}", c.command)}</code>
                    {(!c.hint.is_empty()).then(|| view! { " "<span class="muted">{c.hint.clone()}</span> })}
                    " — "{if c.description.is_empty() { c.bot.clone() } else { format!("{} ({})", c.description, c.bot) }}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// What the composer and the buttons show after a refused plain post.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Refused {
    post: Option<AppError>,
    /// The message as typed.
    typed: String,
    press: Option<AppError>,
}

/// The open conversation (see the module's comment).
#[island(lazy)]
fn ChatRoom(
    channel: String,
    messages: Vec<ChatMessage>,
    commands: Vec<CommandOut>,
    refused: Refused,
) -> impl IntoView {
    let post = form_action::<PostMessage>();
    let press = form_action::<PressButton>();
    let list = RwSignal::new(messages);
    let typed = refused.typed;
    let text = RwSignal::new(typed.clone());
    // A refused plain post's errors, until the next answer.
    let carried_post = RwSignal::new(refused.post);
    let carried_press = RwSignal::new(refused.press);
    Effect::new(move |_| {
        if post.value().with(Option::is_some) {
            carried_post.set(None);
        }
        if press.value().with(Option::is_some) {
            carried_press.set(None);
        }
    });
    let post_error = Signal::derive(move || post.error().get().or_else(|| carried_post.get()));
    let press_error = Signal::derive(move || press.error().get().or_else(|| carried_press.get()));
    let live = RwSignal::new(false);
    let list_ref = NodeRef::<leptos::html::Ol>::new();
    // A post answered in place: its message shows at once (the live
    // update that follows changes nothing), and the composer clears.
    Effect::new(move |_| {
        if let Some(Ok(message)) = post.value().get() {
            // The answer is the message as it was made; a live update
            // may already have brought a newer version (its bot's state).
            if list.with_untracked(|m| m.iter().all(|old| old.id != message.id)) {
                upsert(list, message);
            }
            text.set(String::new());
        }
    });
    #[cfg(feature = "hydrate")]
    listen(&channel, list, live);
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
    // Keeps the newest message in view.
    Effect::new(move |_| {
        list.track();
        if let Some(element) = list_ref.get() {
            element.set_scroll_top(element.scroll_height());
        }
    });
    let suggestions = {
        let commands = commands.clone();
        move || {
            let typed = text.get();
            let Some(word) = typed.strip_prefix('/') else {
                return Vec::new();
            };
            if word.contains(char::is_whitespace) {
                return Vec::new();
            }
            commands
                .iter()
                .filter(|c| c.command.starts_with(word))
                .cloned()
                .collect::<Vec<_>>()
        }
    };
    let error = field_error(post_error, "text");
    let other_error = Signal::derive(move || {
        press_error.get().or_else(|| {
            post_error
                .get()
                .filter(|e| e.field_message("text").is_none())
        })
    });
    let channel_value = channel.clone();
    view! {
        <p class="muted small chat-live" role="status">{move || if live.get() { "Live: new messages appear as they are sent." } else { "" }}</p>
        <FormError error=other_error/>
        <ol class="chat-messages" aria-label="Messages" node_ref=list_ref>
            {move || {
                let messages = list.get();
                if messages.is_empty() {
                    view! { <li class="muted">"No messages yet. Say hello."</li> }.into_any()
                } else {
                    messages.into_iter().map(|m| view! { <MessageView message=m press/> }).collect_view().into_any()
                }
            }}
        </ol>
        <PostForm action=post attr:class="chat-composer">
            <input type="hidden" name="channel" value=channel_value/>
            <div class="field" class:has-error=move || error.get().is_some()>
                <label for="field-text">"Message"</label>
                <textarea
                    id="field-text"
                    name="text"
                    rows="2"
                    required
                    aria-invalid=move || error.get().map(|_| "true")
                    aria-describedby=move || error.get().map(|_| "field-text-error")
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        // Enter sends, Shift+Enter is a new line.
                        #[cfg(feature = "hydrate")]
                        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                            use wasm_bindgen::JsCast;
                            ev.prevent_default();
                            let form = ev
                                .target()
                                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                                .and_then(|t| t.closest("form").ok().flatten())
                                .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok());
                            if let Some(form) = form {
                                let _ = form.request_submit();
                            }
                        }
                        #[cfg(not(feature = "hydrate"))]
                        let _ = ev;
                    }
                >
                    {raw_text(typed)}
                </textarea>
                {move || error.get().map(|message| view! { <p class="field-error" id="field-text-error">{message}</p> })}
            </div>
            {move || {
                let found = suggestions();
                (!found.is_empty()).then(|| view! {
                    <ul class="command-suggestions" aria-label="Matching commands">
                        {found.into_iter().map(|c| {
                            let fill = format!("/{} ", c.command);
                            let label = format!("/{}", c.command);
                            let about = if c.hint.is_empty() { c.description.clone() } else { format!("{} — {}", c.hint, c.description) };
                            view! {
                                <li>
                                    <button type="button" class="btn ghost small" on:click=move |_| text.set(fill.clone())>{label}</button>
                                    " "<span class="muted small">{about}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
            <button type="submit" class="btn primary" disabled=move || post.pending().get()>"Send"</button>
            <p class="hint">"Type / for the commands of the bots installed here. Marks: *bold*, _italic_, `code`, [text](https://…)."</p>
        </PostForm>
        {(!commands.is_empty()).then(|| view! {
            <details class="chat-commands">
                <summary>"Commands here"</summary>
                <CommandList commands/>
            </details>
        })}
    }
}

/// Puts a new message in its place, or a new version over the old one.
fn upsert(list: RwSignal<Vec<ChatMessage>>, message: ChatMessage) {
    list.update(
        |messages| match messages.iter_mut().find(|m| m.id == message.id) {
            Some(old) => *old = message,
            None => {
                let at = messages.partition_point(|m| m.seq < message.seq);
                messages.insert(at, message);
            }
        },
    );
}

/// Listens to the conversation's live updates (server-sent events). The
/// browser reconnects by itself, saying where it was (`Last-Event-ID`).
#[cfg(feature = "hydrate")]
fn listen(channel: &str, list: RwSignal<Vec<ChatMessage>>, live: RwSignal<bool>) {
    use crate::domain::chat::ChatUpdate;
    use wasm_bindgen::prelude::Closure;
    use wasm_bindgen::JsCast;
    let after = list.with_untracked(|m| m.last().map(|m| m.seq).unwrap_or(0));
    let Ok(source) = web_sys::EventSource::new(&format!("/chat/{channel}/events?after={after}"))
    else {
        return;
    };
    let on_update =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(data) = ev.data().as_string() else {
                return;
            };
            match serde_json::from_str::<ChatUpdate>(&data) {
                Ok(ChatUpdate::Message { message }) => upsert(list, message),
                Ok(ChatUpdate::Deleted { id }) => list.update(|m| m.retain(|m| m.id != id)),
                Err(_) => {}
            }
        });
    let on_open = Closure::<dyn FnMut()>::new(move || live.set(true));
    let on_error = Closure::<dyn FnMut()>::new(move || live.set(false));
    // Fell behind the server: what was missed comes with a reload.
    let on_reload = Closure::<dyn FnMut()>::new(move || {
        let _ = window().location().reload();
    });
    let _ = source.add_event_listener_with_callback("update", on_update.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("reload", on_reload.as_ref().unchecked_ref());
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The page's whole life (a navigation loads a new page).
    on_update.forget();
    on_open.forget();
    on_error.forget();
    on_reload.forget();
    std::mem::forget(source);
}

#[component]
fn MessageView(message: ChatMessage, press: ActionOf<PressButton>) -> impl IntoView {
    let class = if message.is_bot {
        "chat-message bot"
    } else {
        "chat-message"
    };
    let id = message.id.clone();
    let state = match message.bot_state {
        BotState::Sent => Some(view! { <p class="muted small">"Sent to the bot…"</p> }.into_any()),
        BotState::Delivered => Some(view! { <p class="muted small">"The bot got it."</p> }.into_any()),
        BotState::NoAnswer => Some(
            view! { <p class="field-error" role="alert">"The bot did not answer. Portico will try again."</p> }.into_any(),
        ),
        BotState::None => None,
    };
    let body = match message.content.clone() {
        Some(content) => view! { <RichContent content message_id=id.clone() press/> }.into_any(),
        None => view! { <p class="chat-text"><Spans text=message.text.clone()/></p> }.into_any(),
    };
    view! {
        <li class=class id=format!("message-{id}")>
            <p class="chat-meta">
                <strong>{message.author.clone()}</strong>
                {message.is_bot.then(|| view! { " "<span class="badge">"Bot"</span> })}
                " "<span class="muted small">{moment(message.created_ms)}{message.edited.then_some(" (edited)")}</span>
            </p>
            {body}
            {state}
        </li>
    }
}

/// Text with its allowed marks (`domain::chat::spans`); the rest is text.
#[component]
fn Spans(text: String) -> impl IntoView {
    spans(&text)
        .into_iter()
        .map(|span| match span {
            Span::Text(t) => view! { <span>{t}</span> }.into_any(),
            Span::Bold(t) => view! { <strong>{t}</strong> }.into_any(),
            Span::Italic(t) => view! { <em>{t}</em> }.into_any(),
            Span::Code(t) => view! { <code>{t}</code> }.into_any(),
            Span::Link { text, href } => {
                view! { <a href=href rel="noopener noreferrer" target="_blank">{text}</a> }
                    .into_any()
            }
        })
        .collect_view()
}

/// A bot's content: head and subhead, then its items.
#[component]
fn RichContent(
    content: Content,
    message_id: String,
    press: ActionOf<PressButton>,
) -> impl IntoView {
    let head = content.head.clone().map(|head| {
        view! {
            <p class="chat-head-text"><strong><Spans text=head.text/></strong></p>
            {head.sub_head.map(|s| view! { <p class="muted small"><Spans text=s.text/></p> })}
        }
    });
    let items = content
        .body
        .into_iter()
        .map(|item| match item {
            BodyItem::Message { text } => view! { <p class="chat-text"><Spans text/></p> }.into_any(),
            BodyItem::Fields { items } => view! {
                <dl class="chat-fields">
                    {items.into_iter().map(|f| view! { <dt>{f.key}</dt><dd><Spans text=f.value/></dd> }).collect_view()}
                </dl>
            }
            .into_any(),
            BodyItem::Attachments { resource_url, information } => {
                let info = information.unwrap_or_default();
                let title = info.title.map(|t| t.text).unwrap_or_else(|| resource_url.clone());
                let description = info.description.map(|d| d.text);
                let link = crate::domain::chat::safe_link(&resource_url);
                view! {
                    <div class="chat-attachment">
                        {match link {
                            Some(href) => view! { <a href=href rel="noopener noreferrer" target="_blank">{title}</a> }.into_any(),
                            None => view! { <strong>{title}</strong> }.into_any(),
                        }}
                        {description.map(|d| view! { <p class="muted small">{d}</p> })}
                    </div>
                }
                .into_any()
            }
            BodyItem::Actions { items } => {
                let message_id = message_id.clone();
                view! {
                    <div class="chat-actions">
                        {items.into_iter().map(|a| {
                            let class = if a.style.eq_ignore_ascii_case("primary") { "btn primary small" } else { "btn small" };
                            let message_id = message_id.clone();
                            view! {
                                <PostForm action=press attr:class="inline">
                                    <input type="hidden" name="message" value=message_id/>
                                    <input type="hidden" name="value" value=a.value/>
                                    <button type="submit" class=class>{a.text}</button>
                                </PostForm>
                            }
                        }).collect_view()}
                    </div>
                }
                .into_any()
            }
        })
        .collect_view();
    view! { {head} {items} }
}
