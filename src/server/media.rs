//! Listing media over plain HTTP: the upload (multipart, so a form works
//! without JavaScript and the browser can show upload progress) and serving
//! stored media from the database.
//!
//! An upload answers JSON when the client asks for it (`Accept:
//! application/json`, as the page's script does) and otherwise redirects
//! back to the App information page with the outcome in the query.

use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use sha2::{Digest, Sha256};

use crate::domain::app_access::AppAction;
use crate::domain::media::MediaOut;
use crate::domain::media::{
    check_icon, check_preview_image, check_video, verify_image_decodes, MediaKind, MediaProblem,
    MAX_IMAGES, MAX_IMAGES_WITH_VIDEO, MAX_VIDEO_BYTES,
};
use crate::error::AppError;
use crate::server::auth::session::{self, SessionUser};
use crate::server::repo::media::{Inserted, NewMedia};
use crate::server::state::AppState;
use crate::server::{context, repo};

/// The request body limit of the upload route: the largest file plus room
/// for the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = MAX_VIDEO_BYTES as usize + 64 * 1024;

/// How an upload failed.
enum UploadError {
    /// Not signed in.
    Unauthenticated,
    /// No such app in the user's account.
    NotFound,
    /// The user may not change this app (the reason, for them).
    NotAllowed(AppError),
    /// Not now (the app is in review), with the reason.
    Refused(AppError),
    /// The file was refused; `field` is the form field it came in.
    Problem {
        field: &'static str,
        problem: MediaProblem,
    },
    /// No file in the form.
    Missing,
    /// Our fault (logged with the request id).
    Internal(AppError),
}

/// `POST /apps/{id}/media`: one file in a field named `icon`, `image` or
/// `video` (a new icon replaces the old one).
pub async fn upload(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let result = async {
        let user = session::user_from_headers(&state, &headers)
            .await
            .map_err(|e| UploadError::Internal(internal(&headers, e)))?
            .ok_or(UploadError::Unauthenticated)?;
        let multipart = multipart.map_err(|_| UploadError::Missing)?;
        store_upload(&state, &headers, &user, &app_id, multipart).await
    }
    .await;
    match (result, wants_json) {
        (Ok(media), true) => (StatusCode::CREATED, Json(media)).into_response(),
        (Ok(media), false) => see_other(&format!(
            "/apps/{app_id}/information?media=added&media_field={kind}#media-{kind}",
            kind = media.kind.as_str()
        )),
        (Err(err), true) => {
            let (status, error) = err.into_app_error();
            (status, Json(error)).into_response()
        }
        (Err(UploadError::Unauthenticated), false) => see_other(&format!(
            "/signin?next={}",
            urlencode(&format!("/apps/{app_id}/information"))
        )),
        (Err(UploadError::Problem { field, problem }), false) => {
            let problem = serde_json::to_string(&problem).unwrap_or_default();
            see_other(&format!(
                "/apps/{app_id}/information?media_problem={}&media_field={field}#media-{field}",
                urlencode(&problem)
            ))
        }
        (Err(err), false) => {
            let (status, error) = err.into_app_error();
            (status, error.to_string()).into_response()
        }
    }
}

async fn store_upload(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    app_id: &str,
    mut multipart: Multipart,
) -> Result<MediaOut, UploadError> {
    let pool = &state.db.pool;
    // Looked up before reading the body: someone else's app is a 404
    // whatever the file.
    let access = crate::server::app_access::authorize(pool, user.clone(), app_id, AppAction::Edit)
        .await
        .map_err(|e| match e {
            AppError::NotFound => UploadError::NotFound,
            e @ AppError::Forbidden { .. } => UploadError::NotAllowed(e),
            e @ AppError::Refused { .. } => UploadError::Refused(e),
            e => UploadError::Internal(internal(headers, e)),
        })?;
    let (kind, bytes) = loop {
        let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| too_large_or_missing(&e))?
        else {
            return Err(UploadError::Missing);
        };
        let kind = match field.name() {
            Some("image") => MediaKind::Image,
            Some("video") => MediaKind::Video,
            Some("icon") => MediaKind::Icon,
            _ => continue,
        };
        break (kind, read_limited(field, kind).await?);
    };
    let field = kind.as_str();
    let problem = |problem| UploadError::Problem { field, problem };
    let (content_type, width, height) = match kind {
        MediaKind::Image | MediaKind::Icon => {
            let info = if kind == MediaKind::Icon {
                check_icon(&bytes)
            } else {
                check_preview_image(&bytes)
            }
            .map_err(problem)?;
            // A full decode takes milliseconds of CPU: off the async threads.
            let decoded = {
                let bytes = bytes.clone();
                tokio::task::spawn_blocking(move || verify_image_decodes(&bytes, info))
                    .await
                    .map_err(|e| UploadError::Internal(internal(headers, e)))?
            };
            decoded.map_err(problem)?;
            (info.format.content_type(), info.width, info.height)
        }
        MediaKind::Video => {
            check_video(&bytes).map_err(problem)?;
            ("video/mp4", 0, 0)
        }
    };
    let etag = hex::encode(Sha256::digest(&bytes));
    let mut change = crate::server::change::Change::begin(state)
        .await
        .map_err(|e| UploadError::Internal(internal(headers, e)))?;
    let inserted = repo::media::insert(
        &mut change,
        NewMedia {
            app_id,
            account_id: &user.account_id,
            kind,
            content_type,
            width,
            height,
            etag: &etag,
            bytes: &bytes,
            now: state.now_ms(),
        },
    )
    .await
    .map_err(|e| UploadError::Internal(internal(headers, e)))?;
    if let Inserted::Added(id) = &inserted {
        let detail = format!(
            "{} {id} ({} bytes{})",
            kind.as_str(),
            bytes.len(),
            if width > 0 {
                format!(", {width}×{height}")
            } else {
                String::new()
            }
        );
        access
            .audit(
                &mut change,
                crate::domain::audit::AuditAction::MediaAdded,
                &detail,
            )
            .await
            .map_err(|e| UploadError::Internal(internal(headers, e)))?;
        change
            .commit()
            .await
            .map_err(|e| UploadError::Internal(internal(headers, e)))?;
    }
    match inserted {
        Inserted::Added(id) => Ok(MediaOut {
            url: MediaOut::url_for(&id),
            id,
            kind,
            content_type: content_type.to_owned(),
            width,
            height,
            byte_size: bytes.len() as u64,
        }),
        Inserted::NoApp => Err(UploadError::NotFound),
        Inserted::Full => {
            let has_video = matches!(kind, MediaKind::Image)
                && repo::media::list_for_app(pool, app_id)
                    .await
                    .map_err(|e| UploadError::Internal(internal(headers, e)))?
                    .iter()
                    .any(|m| m.kind == MediaKind::Video);
            let limit = if has_video {
                MAX_IMAGES_WITH_VIDEO
            } else {
                MAX_IMAGES
            };
            Err(problem(MediaProblem::TooMany { kind, limit }))
        }
    }
}

/// Reads a file field, refusing it as soon as it passes its kind's limit
/// (the body limit of the route caps the whole request as well).
async fn read_limited(mut field: Field<'_>, kind: MediaKind) -> Result<Vec<u8>, UploadError> {
    let limit = kind.byte_limit();
    let too_large = || UploadError::Problem {
        field: kind.as_str(),
        problem: MediaProblem::TooLarge { kind, limit },
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| match too_large_or_missing(&e) {
            UploadError::Problem { .. } => too_large(),
            other => other,
        })?
    {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn too_large_or_missing(err: &MultipartError) -> UploadError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UploadError::Problem {
            field: "video",
            problem: MediaProblem::TooLarge {
                kind: MediaKind::Video,
                limit: MAX_VIDEO_BYTES,
            },
        }
    } else {
        UploadError::Missing
    }
}

impl UploadError {
    fn into_app_error(self) -> (StatusCode, AppError) {
        match self {
            UploadError::Unauthenticated => (StatusCode::UNAUTHORIZED, AppError::Unauthenticated),
            UploadError::NotFound => (StatusCode::NOT_FOUND, AppError::NotFound),
            UploadError::NotAllowed(err) => (StatusCode::FORBIDDEN, err),
            UploadError::Refused(err) => (StatusCode::CONFLICT, err),
            UploadError::Missing => (
                StatusCode::UNPROCESSABLE_ENTITY,
                AppError::field("image", "Choose a file to upload."),
            ),
            UploadError::Problem { field, problem } => {
                let status = match problem {
                    MediaProblem::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    MediaProblem::TooMany { .. } => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                (status, AppError::field(field, problem.message()))
            }
            UploadError::Internal(err) => (StatusCode::INTERNAL_SERVER_ERROR, err),
        }
    }
}

/// `GET /media/{id}`: a stored image or video, with its stored content
/// type, a strong ETag (the SHA-256 of its bytes) and cache headers.
/// Media the live Marketplace listing shows are public; others only reach reviewers and
/// those who may open the app (anyone else gets a 404, as if none existed).
pub async fn serve(
    State(state): State<AppState>,
    Path(media_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let pool = &state.db.pool;
    let head = match repo::media::head(pool, &media_id).await {
        Ok(Some(head)) => head,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return internal_response(&headers, e),
    };
    let public = head.listed != 0;
    if !public {
        let user = match session::user_from_headers(&state, &headers).await {
            Ok(user) => user,
            Err(e) => return internal_response(&headers, e),
        };
        let allowed = match user {
            None => false,
            Some(u) if u.is_reviewer => true,
            Some(u) if u.account_id == head.account_id => {
                match crate::server::app_access::authorize(pool, u, &head.app_id, AppAction::Open)
                    .await
                {
                    Ok(_) => true,
                    Err(AppError::NotFound | AppError::Forbidden { .. }) => false,
                    Err(e) => return internal_response(&headers, e),
                }
            }
            Some(_) => false,
        };
        if !allowed {
            return StatusCode::NOT_FOUND.into_response();
        }
    }
    let etag = format!("\"{}\"", head.etag);
    let cache = if public {
        "public, max-age=86400"
    } else {
        "private, max-age=3600"
    };
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let media = match repo::media::find(pool, &media_id).await {
            Ok(Some(media)) => media,
            Ok(None) => return StatusCode::NOT_FOUND.into_response(),
            Err(e) => return internal_response(&headers, e),
        };
        let mut res = Response::new(Body::from(media.bytes));
        if let Ok(value) = HeaderValue::from_str(&media.content_type) {
            res.headers_mut().insert(header::CONTENT_TYPE, value);
        }
        res.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("inline"),
        );
        res
    };
    let h = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    res
}

fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn internal(headers: &HeaderMap, detail: impl std::fmt::Display) -> AppError {
    context::internal_for(context::request_id_of(headers), detail)
}

fn internal_response(headers: &HeaderMap, detail: impl std::fmt::Display) -> Response {
    let err = internal(headers, detail);
    (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response()
}
