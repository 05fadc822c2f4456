//! Browser-only helpers (the `hydrate` build): reading a picked file and
//! uploading it with progress. The checks themselves live in `domain`.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FormData, ProgressEvent, XmlHttpRequest};

/// The whole file's bytes.
pub async fn file_bytes(file: &File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "The file could not be read.".to_owned())?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Starts timing `name` (a `performance` mark).
pub fn start_measure(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(&format!("{name}:start"));
    }
}

/// Records the time since `start_measure(name)` as the `performance`
/// measure `name` (the benchmark reads these from the page).
pub fn end_measure(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.measure_with_start_mark(name, &format!("{name}:start"));
    }
}

/// What the server answered an upload.
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// POSTs `file` as the multipart field `field` to `url`, asking for JSON,
/// and reports progress (0.0–1.0) as the bytes go out. XMLHttpRequest,
/// because `fetch` cannot report upload progress.
pub async fn upload(
    url: &str,
    field: &str,
    file: &File,
    on_progress: impl Fn(f64) + 'static,
) -> Result<Reply, String> {
    let failed = |_| "The upload could not start.".to_owned();
    let xhr = XmlHttpRequest::new().map_err(failed)?;
    xhr.open("POST", url).map_err(failed)?;
    xhr.set_request_header("Accept", "application/json")
        .map_err(failed)?;
    let form = FormData::new().map_err(failed)?;
    form.append_with_blob_and_filename(field, file, &file.name())
        .map_err(failed)?;

    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |ev: ProgressEvent| {
        if ev.length_computable() && ev.total() > 0.0 {
            on_progress(ev.loaded() / ev.total());
        }
    });
    xhr.upload()
        .map_err(failed)?
        .set_onprogress(Some(progress.as_ref().unchecked_ref()));

    let (sender, finished) = oneshot::channel::<bool>();
    let sender = Rc::new(RefCell::new(Some(sender)));
    let settle = |loaded: bool| {
        let sender = sender.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(sender) = sender.borrow_mut().take() {
                let _ = sender.send(loaded);
            }
        })
    };
    let (on_load, on_error) = (settle(true), settle(false));
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_error.as_ref().unchecked_ref()));
    xhr.send_with_opt_form_data(Some(&form)).map_err(failed)?;

    let loaded = finished.await.unwrap_or(false);
    // The callbacks must live until the request is over.
    drop((progress, on_load, on_error));
    if !loaded {
        return Err("The upload failed: the server could not be reached.".into());
    }
    Ok(Reply {
        status: xhr.status().unwrap_or(0),
        body: xhr.response_text().ok().flatten().unwrap_or_default(),
    })
}

/// Copies `text` with the asynchronous Clipboard API; false when the
/// browser refuses (no permission, not a secure context).
pub async fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    // navigator.clipboard.writeText(text), through Reflect: web-sys gates
    // its Clipboard bindings behind an unstable-API flag.
    let Ok(navigator) = js_sys::Reflect::get(&window, &JsValue::from_str("navigator")) else {
        return false;
    };
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")) else {
        return false;
    };
    let Ok(write) = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText")) else {
        return false;
    };
    let Ok(write) = write.dyn_into::<js_sys::Function>() else {
        return false;
    };
    match write.call1(&clipboard, &JsValue::from_str(text)) {
        Ok(promise) => match promise.dyn_into::<js_sys::Promise>() {
            Ok(promise) => JsFuture::from(promise).await.is_ok(),
            Err(_) => false,
        },
        Err(_) => false,
    }
}
