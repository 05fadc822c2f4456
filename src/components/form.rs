//! Forms that post to a server function: a plain `<form method="post">`.
//! On a server-rendered page it stays one (the browser posts it and the
//! server answers with the page again: `?saved=…`, or the error and what
//! was typed). Inside an island (a media list, the delivery log) it is
//! sent by `fetch` and answered in place.
//!
//! Why not Leptos' `ActionForm` + `ServerAction`: those decode the form
//! into the server function's argument struct in the browser (serde_qs),
//! encode it again (serde_qs) and dispatch it through a typed `Action`,
//! all compiled once per server function, in the WASM every page loads.
//! Here the browser posts the form's own fields, exactly the bytes a
//! browser without JavaScript sends, so the server's decoding is the only
//! one and both paths are the same request. Only the reply's type is
//! per-form: one `serde_json` reader, which the page needs anyway.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The server's raw answer to one post: the reply's JSON bytes, or what
/// went wrong.
type Reply = Result<Vec<u8>, AppError>;

/// The state of a form bound to the server function whose reply is `T`:
/// the last result, whether a post is under way, and how many have
/// succeeded (pages refetch their data when this changes).
pub struct FormAction<T: Send + Sync + 'static> {
    target: FormTarget,
    value: RwSignal<Option<Result<T, AppError>>>,
}

impl<T: Send + Sync + 'static> Clone for FormAction<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for FormAction<T> {}

impl<T: DeserializeOwned + Send + Sync + 'static> FormAction<T> {
    /// A form for server function `S`. When a post without JavaScript
    /// failed, the server sent the browser back with the error in the URL
    /// (`__path`, `__err`); the form for that function starts with it.
    pub fn new<S>() -> Self
    where
        S: ServerFn<Output = T, Error = AppError>,
    {
        Self::at(S::PATH)
    }

    /// The part that does not depend on the server function, so that it is
    /// compiled once per reply type rather than once per function.
    fn at(url: &'static str) -> Self {
        let value = RwSignal::new(carried_error(url).map(Err));
        let version = RwSignal::new(0usize);
        let settle = Callback::new(move |reply: Reply| {
            let result = reply.and_then(|bytes| {
                serde_json::from_slice::<T>(&bytes)
                    .map_err(|_| transport("the server's answer could not be read"))
            });
            // Pages fetch their data again after a post that changed
            // something. Not after a refused one: drawing the form again
            // from the saved data would wipe what the person typed.
            let succeeded = result.is_ok();
            value.set(Some(result));
            if succeeded {
                version.update(|n| *n += 1);
            }
        });
        FormAction {
            target: FormTarget {
                url,
                pending: RwSignal::new(false),
                version,
                settle,
            },
            value,
        }
    }

    /// The last post's result; `None` before the first.
    pub fn value(&self) -> ReadSignal<Option<Result<T, AppError>>> {
        self.value.read_only()
    }
}

impl<T: Send + Sync + 'static> FormAction<T> {
    /// What field `name` shows: as typed, when this page is the way back
    /// from this form's refused plain post (see `server::returned_form`),
    /// else `saved`. The browser hydrates what the server drew, so only
    /// the server needs to know.
    pub fn typed(&self, name: &str, saved: impl Into<String>) -> String {
        returned_fields(self.target.url)
            .and_then(|fields| fields.into_iter().find(|(n, _)| n == name).map(|(_, v)| v))
            .unwrap_or_else(|| saved.into())
    }

    /// Whether the checkbox `name` (or one of the `name[i]` group) with
    /// `value` is checked: as it was posted, when the post came back
    /// refused, else `saved`.
    pub fn typed_checked(&self, name: &str, value: &str, saved: bool) -> bool {
        match returned_fields(self.target.url) {
            Some(fields) => fields
                .iter()
                .any(|(n, v)| v == value && (n == name || n.split('[').next() == Some(name))),
            None => saved,
        }
    }

    /// How many posts have succeeded.
    pub fn version(&self) -> ReadSignal<usize> {
        self.target.version.read_only()
    }

    /// Whether a post is under way.
    pub fn pending(&self) -> ReadSignal<bool> {
        self.target.pending.read_only()
    }

    /// The last post's error, if it failed.
    pub fn error(&self) -> Signal<Option<AppError>> {
        let value = self.value;
        Signal::derive(move || {
            value.with(|v| match v {
                Some(Err(error)) => Some(error.clone()),
                _ => None,
            })
        })
    }
}

/// The form state of server function `S`.
pub type ActionOf<S> = FormAction<<S as ServerFn>::Output>;

/// A form for server function `S` (see `FormAction::new`).
pub fn form_action<S>() -> ActionOf<S>
where
    S: ServerFn<Error = AppError>,
    S::Output: DeserializeOwned + Send + Sync + 'static,
{
    FormAction::new::<S>()
}

/// What `PostForm` needs of a `FormAction`, without its reply type, so
/// the form component is compiled once.
#[derive(Clone, Copy)]
pub struct FormTarget {
    url: &'static str,
    pending: RwSignal<bool>,
    version: RwSignal<usize>,
    /// Decodes and stores a reply (only the browser posts).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    settle: Callback<Reply>,
}

impl<T: Send + Sync + 'static> From<FormAction<T>> for FormTarget {
    fn from(action: FormAction<T>) -> Self {
        action.target
    }
}

/// A `<form method="post">` to a server function. Attributes given as
/// `attr:…` land on the `<form>`.
#[component]
pub fn PostForm(
    /// The form's server function and state.
    #[prop(into)]
    action: FormTarget,
    children: Children,
) -> impl IntoView {
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        submit(action, &ev);
    };
    view! {
        <form action=action.url method="post" on:submit=on_submit>
            {children()}
        </form>
    }
}

/// Posts the submitted form's fields as `application/x-www-form-urlencoded`
/// (as a browser without JavaScript would) and hands the answer to the
/// form's action.
#[cfg(feature = "hydrate")]
fn submit(action: FormTarget, ev: &leptos::ev::SubmitEvent) {
    let body = match form_body(ev) {
        Ok(body) => body,
        Err(()) => {
            action
                .settle
                .run(Err(transport("the form could not be read")));
            return;
        }
    };
    action.pending.set(true);
    leptos::task::spawn_local(async move {
        let reply = post(action.url, body).await;
        action.pending.set(false);
        action.settle.run(reply);
    });
}

/// The form's fields, URL-encoded, with the button that submitted it (a
/// browser sends that button's name and value when it has a name).
#[cfg(feature = "hydrate")]
fn form_body(ev: &leptos::ev::SubmitEvent) -> Result<String, ()> {
    use wasm_bindgen::JsCast;
    use web_sys::{FormData, HtmlButtonElement, HtmlFormElement, UrlSearchParams};

    let form: HtmlFormElement = ev.target().ok_or(())?.dyn_into().map_err(|_| ())?;
    let data = FormData::new_with_form(&form).map_err(|_| ())?;
    if let Some(button) = ev
        .submitter()
        .and_then(|s| s.dyn_into::<HtmlButtonElement>().ok())
    {
        if !button.name().is_empty() {
            data.append_with_str(&button.name(), &button.value())
                .map_err(|_| ())?;
        }
    }
    let params = UrlSearchParams::new_with_str_sequence_sequence(&data).map_err(|_| ())?;
    Ok(params.to_string().into())
}

/// Sends one post the way Leptos' own client does (the same request and
/// response code the pages' data loading already uses), and follows the
/// server's redirect through the router.
#[cfg(feature = "hydrate")]
async fn post(url: &str, body: String) -> Reply {
    use leptos::server_fn::client::{browser::BrowserClient, Client};
    use leptos::server_fn::error::FromServerFnError;
    use leptos::server_fn::request::{browser::BrowserRequest, ClientReq};
    use leptos::server_fn::response::ClientRes;

    let request = <BrowserRequest as ClientReq<AppError>>::try_new_post(
        url,
        "application/x-www-form-urlencoded",
        "application/json",
        body,
    )?;
    let response = <BrowserClient as Client<AppError>>::send(request).await?;
    let status = ClientRes::<AppError>::status(&response);
    let location = ClientRes::<AppError>::location(&response);
    let redirected = ClientRes::<AppError>::has_redirect(&response);
    let bytes = ClientRes::<AppError>::try_into_bytes(response).await?;
    if (400..=599).contains(&status) {
        return Err(AppError::de(bytes));
    }
    if redirected {
        leptos::server_fn::redirect::call_redirect_hook(&location);
    }
    Ok(bytes.to_vec())
}

/// The error a page's URL carries from a refused plain post to `url`, if
/// it is genuine: anyone can write one into a link, so only one the server
/// signed counts. Server only: a page is drawn there; inside an island,
/// which the browser draws again without the page's URL, none (the page
/// hands the island what it must show as a prop).
fn carried_error(url: &str) -> Option<AppError> {
    #[cfg(feature = "ssr")]
    {
        if Owner::current_shared_context().is_some_and(|context| context.get_is_hydrating()) {
            return None;
        }
        use leptos::server::ServerActionError;
        use leptos::server_fn::error::ServerFnUrlError;
        use_context::<ServerActionError>()
            .filter(|error| {
                error.path() == url
                    && crate::server::context::carried_form_error_is_genuine(
                        error.path(),
                        error.err(),
                    )
            })
            .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = url;
        None
    }
}

/// The fields of the refused plain post to `url` this page was sent back
/// with (server only: the browser hydrates what the server drew).
fn returned_fields(url: &str) -> Option<Vec<(String, String)>> {
    #[cfg(feature = "ssr")]
    {
        crate::server::returned_form::fields_for(url)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = url;
        None
    }
}

/// A failure between the browser and the server, in words.
fn transport(message: &str) -> AppError {
    AppError::Transport {
        message: message.to_owned(),
    }
}
