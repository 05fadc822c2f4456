//! Team chat and chat bots: channels, a slash command reaching its bot as
//! a signed `bot_notification`, the bot answering through the chat message
//! API, buttons (`interactive_message_actions`) and edits, live updates
//! (server-sent events, across processes on PostgreSQL), and who may do
//! what: another account's conversations and bots are out of reach.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::routing::post;
use axum::Router;
use http_body_util::BodyExt;
use portico::server::webhooks::sign::{validation_token, zoom_signature};
use portico::server::webhooks::worker::deliver_due;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::oauth::{api, authorize, basic, oauth_app, post_oauth, Dev};
use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    a_command_reaches_its_bot_and_the_bots_answer_shows_in_the_channel,
    a_button_press_reaches_the_bot_which_edits_and_deletes_its_message,
    installing_a_bot_welcomes_the_member_and_a_taken_command_is_refused,
    bad_input_is_refused_beside_its_field_and_nothing_is_stored,
    message_text_is_shown_as_text_with_only_the_allowed_marks,
    another_account_cannot_reach_the_conversations_or_the_bot,
    a_bot_that_does_not_answer_is_shown_as_such,
    live_updates_reach_an_open_conversation,
    members_join_and_leave_channels_and_talk_directly,
);

/// What the bot's endpoint received (besides its challenges).
#[derive(Clone)]
struct Hit {
    headers: HeaderMap,
    body: String,
}

/// A bot's endpoint: passes the challenge with `token`; answers every
/// other delivery as `mode` says: "ok" (200), "fail" (500), "hang" (no
/// answer for 30 s).
async fn bot_endpoint(token: String, mode: &'static str) -> (String, Arc<Mutex<Vec<Hit>>>) {
    let hits = Arc::new(Mutex::new(Vec::<Hit>::new()));
    let record = hits.clone();
    let app = Router::new().route(
        "/bot",
        post(move |headers: HeaderMap, body: String| {
            let (record, token) = (record.clone(), token.clone());
            async move {
                let json: Value = serde_json::from_str(&body).unwrap_or_default();
                if json["event"] == "endpoint.url_validation" {
                    let plain = json["payload"]["plainToken"].as_str().unwrap_or_default().to_owned();
                    return (
                        StatusCode::OK,
                        json!({"plainToken": plain, "encryptedToken": validation_token(&token, &plain)})
                            .to_string(),
                    );
                }
                record.lock().unwrap().push(Hit { headers, body });
                match mode {
                    "ok" => (StatusCode::OK, String::new()),
                    "hang" => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        (StatusCode::OK, String::new())
                    }
                    _ => (StatusCode::INTERNAL_SERVER_ERROR, "bot down".to_owned()),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/bot",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, hits)
}

/// A chat bot app with development credentials, `/command` at a local
/// endpoint answering as `mode`, installed by its developer in their own
/// account; and the bot's token.
struct Bot {
    open: TestApp,
    dev: Dev,
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    secret_token: String,
    token: String,
    account_id: String,
}

async fn bot(app: &TestApp, email: &str, command: &str, mode: &'static str) -> Bot {
    let open = app
        .with_config(|c| {
            c.allow_private_outbound = true;
            c.webhook_timeout_ms = 1000;
        })
        .await;
    let dev = oauth_app(&open, email, "marketplace.chat_bot", &["imchat:bot"]).await;
    let secret_token = open
        .call("features_page", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json()["secret_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (url, hits) = bot_endpoint(secret_token.clone(), mode).await;
    let res = save_bot(&open, &dev, command, &url).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    authorize(&open, &dev.cookie, &dev.client_id, None).await;
    let res = post_oauth(
        &open,
        "/oauth/token",
        &[("grant_type", "client_credentials")],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let token = res.json()["access_token"].as_str().unwrap().to_owned();
    let account_id = open.me(&dev.cookie).await["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    Bot {
        open,
        dev,
        url,
        hits,
        secret_token,
        token,
        account_id,
    }
}

/// A chat bot app built by the user of `cookie` in their account, with
/// development credentials, the redirect URL and `imchat:bot`.
async fn bot_app_in(open: &TestApp, cookie: &str, name: &str) -> Dev {
    let app_id = open
        .create_app_as(cookie, "marketplace.chat_bot", name)
        .await;
    let made = open
        .call(
            "generate_secret",
            &[("id", &app_id), ("environment", "development")],
            Some(cookie),
        )
        .await
        .json();
    for (function, form) in [
        (
            "save_redirects",
            vec![
                ("id", app_id.as_str()),
                ("development_redirect_url", crate::oauth::REDIRECT),
                ("production_redirect_url", ""),
                ("allow_list", ""),
                ("strict_mode", "on"),
            ],
        ),
        (
            "save_scopes",
            vec![("id", app_id.as_str()), ("scopes[0]", "imchat:bot")],
        ),
    ] {
        let res = open.call(function, &form, Some(cookie)).await;
        assert_eq!(res.status, StatusCode::OK, "{function}: {}", res.body);
    }
    Dev {
        cookie: cookie.to_owned(),
        app_id,
        client_id: made["client_id"].as_str().unwrap().to_owned(),
        secret: made["client_secret"].as_str().unwrap().to_owned(),
    }
}

async fn save_bot(
    open: &TestApp,
    dev: &Dev,
    command: &str,
    url: &str,
) -> crate::support::TestResponse {
    open.call(
        "save_chat_bot",
        &[
            ("id", &dev.app_id),
            ("slash_command", command),
            ("description", "The weather in a city"),
            ("hint", "city"),
            ("welcome_message", "Hello! Try *weather* with a city."),
            ("development_url", url),
            ("production_url", ""),
        ],
        Some(&dev.cookie),
    )
    .await
}

/// Creates channel `name` as `cookie`; returns its id.
async fn channel(open: &TestApp, cookie: &str, name: &str) -> String {
    let res = open
        .call("create_channel", &[("name", name)], Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page = open.call("chat_page", &[], Some(cookie)).await.json();
    page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {page}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn say(
    open: &TestApp,
    cookie: &str,
    channel: &str,
    text: &str,
) -> crate::support::TestResponse {
    open.call(
        "post_message",
        &[("channel", channel), ("text", text)],
        Some(cookie),
    )
    .await
}

/// The open conversation's messages as `cookie` sees them.
async fn messages(open: &TestApp, cookie: &str, channel: &str) -> Vec<Value> {
    let res = open
        .call("chat_page", &[("channel", channel)], Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["open"]["messages"].as_array().unwrap().clone()
}

/// The message refused beside `field` ('' when none).
fn field_error(res: &crate::support::TestResponse, field: &str) -> String {
    res.json()["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|pair| pair[0] == field)
        .and_then(|pair| pair[1].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn delivered(bot: &Bot, event: &str) -> Vec<Hit> {
    bot.hits
        .lock()
        .unwrap()
        .iter()
        .filter(|h| serde_json::from_str::<Value>(&h.body).unwrap()["event"] == event)
        .cloned()
        .collect()
}

async fn a_command_reaches_its_bot_and_the_bots_answer_shows_in_the_channel(app: &TestApp) {
    let bot = bot(app, "weather@example.com", "weather", "ok").await;
    let open = &bot.open;
    let general = channel(open, &bot.dev.cookie, "general").await;
    let res = say(open, &bot.dev.cookie, &general, "/weather Paris, 3 days").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["bot_state"], "sent");
    let trigger = res.json()["id"].as_str().unwrap().to_owned();
    deliver_due(&open.state, "w").await.unwrap();

    let hits = delivered(&bot, "bot_notification");
    assert_eq!(hits.len(), 1, "one bot_notification");
    let hit = &hits[0];
    // Signed with the app's Secret Token, as every webhook is.
    let timestamp: i64 = hit.headers["x-zm-request-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        hit.headers["x-zm-signature"].to_str().unwrap(),
        zoom_signature(&bot.secret_token, timestamp, &hit.body)
    );
    let body: Value = serde_json::from_str(&hit.body).unwrap();
    let payload = &body["payload"];
    assert_eq!(payload["cmd"], "Paris, 3 days");
    assert_eq!(payload["accountId"], bot.account_id.as_str());
    assert_eq!(payload["channelName"], "general");
    assert_eq!(
        payload["toJid"],
        format!("{general}@conference.xmpp.portico")
    );
    assert_eq!(
        payload["robotJid"],
        format!("{}@bot.xmpp.portico", bot.dev.app_id)
    );
    assert_eq!(payload["triggerId"], trigger.as_str());
    assert_eq!(payload["userName"], "Dev");
    let user_jid = payload["userJid"].as_str().unwrap();
    assert_eq!(
        user_jid,
        format!("{}@xmpp.portico", payload["userId"].as_str().unwrap())
    );
    for key in ["timestamp", "userId"] {
        assert!(!payload[key].is_null(), "{key} in {payload}");
    }
    let listed = messages(open, &bot.dev.cookie, &general).await;
    assert_eq!(listed[0]["bot_state"], "delivered", "{listed:?}");

    // The bot answers where it was asked.
    let answer = json!({
        "robot_jid": payload["robotJid"],
        "to_jid": payload["toJid"],
        "account_id": payload["accountId"],
        "content": {
            "head": {"text": "Paris", "sub_head": {"text": "3 days"}},
            "body": [
                {"type": "message", "text": "Sunny, *22 °C*"},
                {"type": "fields", "items": [{"key": "Wind", "value": "12 km/h"}]},
            ],
        },
    });
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some(&answer.to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let sent = res.json();
    assert!(sent["message_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(sent["to_jid"], payload["toJid"]);
    let listed = messages(open, &bot.dev.cookie, &general).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let reply = &listed[1];
    assert_eq!(reply["is_bot"], true);
    assert_eq!(reply["author"], format!("App of weather@example.com"));
    assert_eq!(reply["content"]["head"]["text"], "Paris");
    assert_eq!(reply["content"]["body"][1]["items"][0]["value"], "12 km/h");
    // The page shows it, without JavaScript too.
    let page = open
        .get(&format!("/chat/{general}"), Some(&bot.dev.cookie))
        .await;
    assert!(
        page.body
            .contains("<span>Sunny, </span><strong>22 °C</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("12 km/h"));

    // A bot's own conversation with a member: to the member's JID.
    let dm = json!({
        "robot_jid": payload["robotJid"],
        "to_jid": user_jid,
        "account_id": payload["accountId"],
        "content": {"body": [{"type": "message", "text": "Just for you"}]},
    });
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some(&dm.to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let page = open
        .call("chat_page", &[], Some(&bot.dev.cookie))
        .await
        .json();
    let own = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "bot")
        .unwrap_or_else(|| panic!("the bot's conversation in {page}"))
        .clone();
    // Two: the welcome message of the install, and this one.
    assert_eq!(own["unread"], 2, "{own}");
    let texts: Vec<String> = messages(open, &bot.dev.cookie, own["id"].as_str().unwrap())
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(texts.iter().any(|t| t == "Just for you"), "{texts:?}");
    // The bot is told of its command in its own conversation, too: the
    // answer then goes to the member.
    let res = say(
        open,
        &bot.dev.cookie,
        own["id"].as_str().unwrap(),
        "/weather Oslo",
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    deliver_due(&open.state, "w").await.unwrap();
    let hits = delivered(&bot, "bot_notification");
    let last: Value = serde_json::from_str(&hits.last().unwrap().body).unwrap();
    assert_eq!(last["payload"]["toJid"], user_jid);
}

async fn a_button_press_reaches_the_bot_which_edits_and_deletes_its_message(app: &TestApp) {
    let bot = bot(app, "poll@example.com", "poll", "ok").await;
    let open = &bot.open;
    let team = channel(open, &bot.dev.cookie, "team").await;
    let robot = format!("{}@bot.xmpp.portico", bot.dev.app_id);
    let to = format!("{team}@conference.xmpp.portico");
    let question = json!({
        "robot_jid": robot, "to_jid": to, "account_id": bot.account_id,
        "content": {"head": {"text": "Lunch?"}, "body": [{"type": "actions", "items": [
            {"text": "Pizza", "value": "pizza", "style": "Primary"},
            {"text": "Salad", "value": "salad"},
        ]}]},
    });
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some(&question.to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let message_id = res.json()["message_id"].as_str().unwrap().to_owned();

    // A value the message has no button for is not sent.
    let res = open
        .call(
            "press_button",
            &[("message", &message_id), ("value", "steak")],
            Some(&bot.dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = open
        .call(
            "press_button",
            &[("message", &message_id), ("value", "pizza")],
            Some(&bot.dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    deliver_due(&open.state, "w").await.unwrap();
    let hits = delivered(&bot, "interactive_message_actions");
    assert_eq!(hits.len(), 1);
    let payload = serde_json::from_str::<Value>(&hits[0].body).unwrap()["payload"].clone();
    assert_eq!(
        payload["actionItem"],
        json!({"text": "Pizza", "value": "pizza"})
    );
    assert_eq!(payload["messageId"], message_id.as_str());
    assert_eq!(payload["toJid"], to.as_str());
    assert_eq!(payload["original"]["head"]["text"], "Lunch?");

    // The bot edits its message in answer.
    let edit = json!({
        "robot_jid": robot, "account_id": bot.account_id,
        "content": {"head": {"text": "Lunch: pizza it is"}},
    });
    let path = format!("/v2/im/chat/messages/{message_id}");
    let res = api(open, "PUT", &path, &bot.token, Some(&edit.to_string())).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let listed = messages(open, &bot.dev.cookie, &team).await;
    assert_eq!(listed[0]["content"]["head"]["text"], "Lunch: pizza it is");
    assert_eq!(listed[0]["edited"], true);

    // A member's message is not the bot's to edit or delete.
    let res = say(open, &bot.dev.cookie, &team, "mine").await;
    let mine = res.json()["id"].as_str().unwrap().to_owned();
    let res = api(
        open,
        "PUT",
        &format!("/v2/im/chat/messages/{mine}"),
        &bot.token,
        Some(&edit.to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let query = format!("robot_jid={robot}&account_id={}", bot.account_id);
    let res = api(
        open,
        "DELETE",
        &format!("/v2/im/chat/messages/{mine}?{query}"),
        &bot.token,
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

    let res = api(open, "DELETE", &format!("{path}?{query}"), &bot.token, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let listed = messages(open, &bot.dev.cookie, &team).await;
    assert_eq!(
        listed.len(),
        1,
        "only the member's message is left: {listed:?}"
    );
    assert_eq!(listed[0]["text"], "mine");
}

async fn installing_a_bot_welcomes_the_member_and_a_taken_command_is_refused(app: &TestApp) {
    let bot = bot(app, "welcome@example.com", "weather", "ok").await;
    let open = &bot.open;
    deliver_due(&open.state, "w").await.unwrap();
    let installed = delivered(&bot, "bot_installed");
    assert_eq!(installed.len(), 1, "bot_installed once");
    let payload = serde_json::from_str::<Value>(&installed[0].body).unwrap()["payload"].clone();
    assert_eq!(payload["accountId"], bot.account_id.as_str());
    let page = open
        .call("chat_page", &[], Some(&bot.dev.cookie))
        .await
        .json();
    let own = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "bot")
        .unwrap_or_else(|| panic!("a conversation with the bot: {page}"))
        .clone();
    assert_eq!(own["name"], "App of welcome@example.com");
    let listed = messages(open, &bot.dev.cookie, own["id"].as_str().unwrap()).await;
    assert_eq!(listed[0]["text"], "Hello! Try *weather* with a city.");
    assert_eq!(page["commands"][0]["command"], "weather");
    // Installing again (a new consent) neither welcomes nor tells again.
    authorize(open, &bot.dev.cookie, &bot.dev.client_id, None).await;
    deliver_due(&open.state, "w").await.unwrap();
    assert_eq!(delivered(&bot, "bot_installed").len(), 1);
    assert_eq!(
        messages(open, &bot.dev.cookie, own["id"].as_str().unwrap())
            .await
            .len(),
        1
    );

    // A second bot answering /weather cannot join the same account.
    // (Built in the same account: a bot in development installs only
    // there.)
    let other = bot_app_in(open, &bot.dev.cookie, "Rival bot").await;
    let res = save_bot(open, &other, "weather", "").await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an endpoint is needed: {}",
        res.body
    );
    let rival_token = open
        .call(
            "features_page",
            &[("id", &other.app_id)],
            Some(&other.cookie),
        )
        .await
        .json()["secret_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (url, _) = bot_endpoint(rival_token, "ok").await;
    let res = save_bot(open, &other, "weather", &url).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let query = crate::oauth::authorize_query(&other.client_id, crate::oauth::REDIRECT, None);
    let res = crate::oauth::decide(open, &bot.dev.cookie, &query, "allow").await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("answers /weather"), "{}", res.body);
}

async fn bad_input_is_refused_beside_its_field_and_nothing_is_stored(app: &TestApp) {
    let bot = bot(app, "bad-input@example.com", "weather", "ok").await;
    let open = &bot.open;
    let cookie = &bot.dev.cookie;
    let general = channel(open, cookie, "general").await;

    // A command no bot here answers: refused beside the field, not sent.
    let res = say(open, cookie, &general, "/nope now").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let text = field_error(&res, "text");
    assert!(
        text.contains("No bot answers /nope") && text.contains("/weather"),
        "{text}"
    );
    // 1 MB of text, and an empty message.
    let huge = "a".repeat(1 << 20);
    let res = say(open, cookie, &general, &huge).await;
    assert!(
        matches!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYLOAD_TOO_LARGE
        ),
        "{}",
        res.status
    );
    let res = say(open, cookie, &general, &"b".repeat(4097)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&res, "text").contains("at most 4096"));
    let res = say(open, cookie, &general, "   ").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        messages(open, cookie, &general).await.is_empty(),
        "nothing stored"
    );
    deliver_due(&open.state, "w").await.unwrap();
    assert!(
        delivered(&bot, "bot_notification").is_empty(),
        "nothing sent"
    );

    // A channel's name: no markup, no duplicates (whatever the case).
    for name in ["<script>x</script>", "", &"n".repeat(65)] {
        let res = open
            .call("create_channel", &[("name", name)], Some(cookie))
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}: {}",
            res.body
        );
        assert!(!field_error(&res, "name").is_empty(), "{}", res.body);
    }
    // A NUL byte is refused before the function runs.
    let res = open
        .call("create_channel", &[("name", "a\u{0}b")], Some(cookie))
        .await;
    assert!(res.status.is_client_error(), "{}", res.body);
    let listed = open.call("chat_page", &[], Some(cookie)).await.json();
    assert_eq!(
        listed["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "channel")
            .count(),
        1,
        "{listed}"
    );
    let res = open
        .call("create_channel", &[("name", "General")], Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("exists already"), "{}", res.body);
    // Without JavaScript, the refused form comes back with what was typed.
    let origin = "http://127.0.0.1:3000";
    let form = crate::support::form_body(&[("channel", &general), ("text", "/nope keep this")]);
    let req = Request::post("/api/post_message")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::COOKIE, cookie.as_str())
        .header(header::ORIGIN, origin)
        .header(header::REFERER, format!("{origin}/chat/{general}"))
        .body(Body::from(form))
        .unwrap();
    let res = open.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    let back = res.header("location").trim_start_matches(origin).to_owned();
    let page = open.get(&back, Some(cookie)).await;
    assert!(page.body.contains("No bot answers /nope"), "{}", page.body);
    assert!(page.body.contains("/nope keep this"), "the text is kept");

    // The chat message API refuses bad content with a reason.
    let robot = format!("{}@bot.xmpp.portico", bot.dev.app_id);
    let to = format!("{general}@conference.xmpp.portico");
    for (content, says) in [
        (
            json!({"body": [{"type": "video", "text": "x"}]}),
            "content is not a chat message",
        ),
        (
            json!({"body": [{"type": "message", "text": "x".repeat(5000)}]}),
            "at most",
        ),
        (json!({}), "needs a head text or at least one body item"),
    ] {
        let body = json!({"robot_jid": robot, "to_jid": to, "account_id": bot.account_id, "content": content});
        let res = api(
            open,
            "POST",
            "/v2/im/chat/messages",
            &bot.token,
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert_eq!(res.json()["code"], 300);
        assert!(
            res.json()["message"].as_str().unwrap().contains(says),
            "{says}: {}",
            res.body
        );
    }
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some("{not json"),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(
        messages(open, cookie, &general).await.is_empty(),
        "nothing stored"
    );
}

async fn message_text_is_shown_as_text_with_only_the_allowed_marks(app: &TestApp) {
    let owner = app
        .sign_up("marks@example.com", "Marks <b>", "correct horse battery")
        .await;
    let room = channel(app, &owner, "marks").await;
    let text = "<script>alert(1)</script> *bold* [site](https://example.com) [bad](javascript:alert(1)) `<i>`";
    let res = say(app, &owner, &room, text).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["text"], text, "stored as typed");
    let page = app.get(&format!("/chat/{room}"), Some(&owner)).await;
    let body = &page.body;
    assert!(!body.contains("<script>alert(1)"), "{body}");
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{body}"
    );
    assert!(body.contains("<strong>bold</strong>"));
    assert!(body.contains("href=\"https://example.com/\""));
    assert!(!body.contains("href=\"javascript:"), "only http(s) links");
    assert!(body.contains("<code>&lt;i&gt;</code>"));
    assert!(
        body.contains("Marks &lt;b&gt;"),
        "the author's name is text"
    );
    assert!(body.contains("<title>#marks · Chat"), "{body}");
}

async fn another_account_cannot_reach_the_conversations_or_the_bot(app: &TestApp) {
    let bot = bot(app, "tenant@example.com", "weather", "ok").await;
    let open = &bot.open;
    let mine = channel(open, &bot.dev.cookie, "private-plans").await;
    say(open, &bot.dev.cookie, &mine, "secret plan").await;
    let stranger = open
        .sign_up("stranger@example.com", "Stranger", "correct horse battery")
        .await;
    let theirs = channel(open, &stranger, "theirs").await;

    // Another account's conversation does not exist for them.
    let res = open
        .call("chat_page", &[("channel", &mine)], Some(&stranger))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let page = open.call("chat_page", &[], Some(&stranger)).await;
    assert!(
        !page.body.contains("private-plans") && !page.body.contains("weather"),
        "{}",
        page.body
    );
    for (function, form) in [
        (
            "post_message",
            vec![("channel", mine.as_str()), ("text", "hi")],
        ),
        ("join_channel", vec![("channel", mine.as_str())]),
        ("leave_channel", vec![("channel", mine.as_str())]),
    ] {
        let res = open.call(function, &form, Some(&stranger)).await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "{function}: {}",
            res.body
        );
    }
    let res = open
        .get(&format!("/chat/{mine}/events"), Some(&stranger))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = open.get(&format!("/chat/{mine}/events"), None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    // Nor another account's member, for a direct conversation.
    let stranger_id = open.me(&stranger).await["id"].as_str().unwrap().to_owned();
    let res = open
        .call(
            "open_direct",
            &[("person", &stranger_id)],
            Some(&bot.dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    // Nor any of it anonymous.
    let res = open.call("chat_page", &[("channel", &mine)], None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);

    // The bot reaches only the account it is installed in.
    let robot = format!("{}@bot.xmpp.portico", bot.dev.app_id);
    let stranger_account = open.me(&stranger).await["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let content = json!({"body": [{"type": "message", "text": "hello"}]});
    let body = json!({"robot_jid": robot, "to_jid": format!("{theirs}@conference.xmpp.portico"), "account_id": stranger_account, "content": content});
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(res.json()["code"], 7010);
    // Its own account with another account's channel: no such channel.
    let body = json!({"robot_jid": robot, "to_jid": format!("{theirs}@conference.xmpp.portico"), "account_id": bot.account_id, "content": content});
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    // Or another account's member.
    let body = json!({"robot_jid": robot, "to_jid": format!("{stranger_id}@xmpp.portico"), "account_id": bot.account_id, "content": content});
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    // Another bot's JID, or a user's token, is refused.
    let body = json!({"robot_jid": "someone@bot.xmpp.portico", "to_jid": format!("{mine}@conference.xmpp.portico"), "account_id": bot.account_id, "content": content});
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    // Two members' direct conversation is not the bot's to speak in.
    let colleague = open
        .join_as(&bot.dev.cookie, "colleague@example.com", "member")
        .await;
    let colleague_id = open.me(&colleague).await["id"].as_str().unwrap().to_owned();
    let res = open
        .call(
            "open_direct",
            &[("person", &colleague_id)],
            Some(&bot.dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page = open.call("chat_page", &[], Some(&colleague)).await.json();
    let direct = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "direct")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"robot_jid": robot, "to_jid": format!("{direct}@conference.xmpp.portico"), "account_id": bot.account_id, "content": content});
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

    // Uninstalled, the bot reaches nothing, its command is unknown, and
    // its deauthorization endpoint hears of it.
    let res = open
        .call(
            "save_deauthorization_url",
            &[("id", &bot.dev.app_id), ("deauthorization_url", &bot.url)],
            Some(&bot.dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let installs = open
        .call("installed_apps", &[], Some(&bot.dev.cookie))
        .await
        .json();
    let install_id = installs[0]["id"].as_str().unwrap().to_owned();
    let res = open
        .call("uninstall", &[("id", &install_id)], Some(&bot.dev.cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = json!({"robot_jid": robot, "to_jid": format!("{mine}@conference.xmpp.portico"), "account_id": bot.account_id, "content": content});
    let res = api(
        open,
        "POST",
        "/v2/im/chat/messages",
        &bot.token,
        Some(&body.to_string()),
    )
    .await;
    assert!(
        matches!(res.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED),
        "{}",
        res.body
    );
    let res = say(open, &bot.dev.cookie, &mine, "/weather Rome").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    deliver_due(&open.state, "w").await.unwrap();
    assert_eq!(delivered(&bot, "app_deauthorized").len(), 1);
}

async fn a_bot_that_does_not_answer_is_shown_as_such(app: &TestApp) {
    for mode in ["hang", "fail"] {
        let bot = bot(app, &format!("{mode}@example.com"), "slow", mode).await;
        let open = &bot.open;
        let room = channel(open, &bot.dev.cookie, "room").await;
        let res = say(open, &bot.dev.cookie, &room, "/slow please").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        tokio::time::timeout(Duration::from_secs(10), deliver_due(&open.state, "w"))
            .await
            .expect("a hanging bot is given up on")
            .unwrap();
        // Tried (at once, and once more at once, by the default schedule).
        assert!(!delivered(&bot, "bot_notification").is_empty(), "{mode}");
        let listed = messages(open, &bot.dev.cookie, &room).await;
        assert_eq!(listed[0]["bot_state"], "no_answer", "{mode}: {listed:?}");
        let page = open
            .get(&format!("/chat/{room}"), Some(&bot.dev.cookie))
            .await;
        assert!(page.body.contains("The bot did not answer"), "{mode}");
        // And retried later, durably, as every webhook is.
        let (status, next): (String, i64) = sqlx::query_as(
            "SELECT status, next_attempt_at FROM webhook_events WHERE app_id = $1 AND event_type = 'bot_notification'",
        )
        .bind(&bot.dev.app_id)
        .fetch_one(&open.state.db.pool)
        .await
        .unwrap();
        assert_eq!(status, "pending", "{mode}");
        assert!(next > open.state.now_ms(), "{mode}: a retry is scheduled");
    }
}

/// The live updates of `channel` as `cookie`: the next `update` events.
struct Listener {
    body: Body,
    buffer: String,
}

async fn listen(open: &TestApp, cookie: &str, channel: &str, after: i64) -> Listener {
    let req = Request::get(format!("/chat/{channel}/events?after={after}"))
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/event-stream")
        .body(Body::empty())
        .unwrap();
    let res = open.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    Listener {
        body: res.into_body(),
        buffer: String::new(),
    }
}

impl Listener {
    /// The next `update` event's data (within 10 s).
    async fn next(&mut self) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if !event.lines().any(|l| l == "event: update") {
                    continue;
                }
                let data: String = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                return serde_json::from_str(&data).unwrap();
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .expect("an update within 10 s")
                .expect("the stream goes on")
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
}

async fn live_updates_reach_an_open_conversation(app: &TestApp) {
    let owner = app
        .sign_up("live@example.com", "Live", "correct horse battery")
        .await;
    let room = channel(app, &owner, "live").await;
    let first = say(app, &owner, &room, "before listening").await.json();
    // What was said after the page's last message comes first.
    let mut listener = listen(app, &owner, &room, 0).await;
    let update = listener.next().await;
    assert_eq!(update["op"], "message");
    assert_eq!(update["message"]["id"], first["id"]);
    let second = say(app, &owner, &room, "while listening").await.json();
    let update = listener.next().await;
    assert_eq!(update["message"]["text"], "while listening");
    assert_eq!(update["message"]["id"], second["id"]);

    // One user holds at most 8 streams (tabs) at once.
    let mut more = Vec::new();
    for _ in 1..8 {
        more.push(listen(app, &owner, &room, i64::MAX).await);
    }
    let req = Request::get(format!("/chat/{room}/events"))
        .header(header::COOKIE, owner.as_str())
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    drop(more);
    // Another process on the same PostgreSQL database hears it too.
    if app.database_url().starts_with("postgres") {
        let other = app.second_instance().await;
        let seq = second["seq"].as_i64().unwrap();
        let mut far = listen(&other, &owner, &room, seq).await;
        // Its LISTEN is set up when its first listener connects: the
        // message below could otherwise come before it.
        tokio::time::sleep(Duration::from_millis(500)).await;
        say(app, &owner, &room, "across processes").await;
        let update = far.next().await;
        assert_eq!(update["message"]["text"], "across processes");
        let update = listener.next().await;
        assert_eq!(update["message"]["text"], "across processes");
    }
}

async fn members_join_and_leave_channels_and_talk_directly(app: &TestApp) {
    let owner = app
        .sign_up("owner-chat@example.com", "Olive", "correct horse battery")
        .await;
    let member = app
        .join_as(&owner, "member-chat@example.com", "member")
        .await;
    let room = channel(app, &owner, "plans").await;
    say(app, &owner, &room, "first").await;
    // A member sees the channel, not its messages, until they join.
    let page = app
        .call("chat_page", &[("channel", &room)], Some(&member))
        .await
        .json();
    assert_eq!(page["open"]["member"], false);
    assert!(page["open"]["messages"].as_array().unwrap().is_empty());
    let res = say(app, &member, &room, "let me in").await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("Join the channel"), "{}", res.body);
    let res = app
        .call("join_channel", &[("channel", &room)], Some(&member))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // What was said before they joined is history, not unread; what
    // comes after is.
    let list = app.call("chat_page", &[], Some(&member)).await.json();
    let unread = |list: &Value| {
        list["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == room.as_str())
            .unwrap()["unread"]
            .clone()
    };
    assert_eq!(unread(&list), 0, "{list}");
    say(app, &owner, &room, "welcome").await;
    say(app, &owner, &room, "Olive here").await;
    let list = app.call("chat_page", &[], Some(&member)).await.json();
    assert_eq!(unread(&list), 2, "{list}");
    assert_eq!(messages(app, &member, &room).await.len(), 3);
    let list = app.call("chat_page", &[], Some(&member)).await.json();
    let plans = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == room.as_str())
        .unwrap()
        .clone();
    assert_eq!(plans["unread"], 0, "read once opened");
    let res = app
        .call("leave_channel", &[("channel", &room)], Some(&member))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = say(app, &member, &room, "gone").await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    // A direct conversation: one per pair, named after the other.
    let owner_id = app.me(&owner).await["id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let res = app
            .call("open_direct", &[("person", &owner_id)], Some(&member))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let list = app.call("chat_page", &[], Some(&member)).await.json();
    let directs: Vec<&Value> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "direct")
        .collect();
    assert_eq!(directs.len(), 1, "{list}");
    assert_eq!(directs[0]["name"], "Olive");
    let direct = directs[0]["id"].as_str().unwrap().to_owned();
    let res = say(app, &member, &direct, "just us").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(messages(app, &owner, &direct).await[0]["text"], "just us");
    let res = app
        .call("leave_channel", &[("channel", &direct)], Some(&member))
        .await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "a direct conversation is not left: {}",
        res.body
    );
    // A third member of the account does not see the pair's conversation.
    let third = app
        .join_as(&owner, "third-chat@example.com", "member")
        .await;
    let res = app
        .call("chat_page", &[("channel", &direct)], Some(&third))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
}
