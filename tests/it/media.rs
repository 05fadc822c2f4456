//! Listing media: uploads (JSON and plain form posts), the checks, limits,
//! order, deletion, serving, and who may see what.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use portico::domain::media::fixtures;
use sha2::{Digest, Sha256};

use crate::on_both_databases;
use crate::support::{TestApp, TestResponse};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    each_format_is_stored_and_served_with_its_headers,
    bad_files_are_refused_with_a_reason_and_nothing_changes,
    a_video_one_byte_over_the_limit_is_413,
    image_and_video_limits_hold,
    two_uploads_racing_for_the_last_place_one_wins,
    images_are_reordered_and_deleted,
    media_of_other_accounts_do_not_exist,
    plain_form_posts_redirect_back_with_the_outcome,
    the_icon_is_checked_and_a_new_one_replaces_it,
);

fn multipart_body(field: &str, filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----portico-test-boundary-7MA4YWxkTrZu0gW".to_owned();
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

/// Uploads as the page's script does (asks for JSON).
pub(crate) async fn upload(
    app: &TestApp,
    cookie: &str,
    app_id: &str,
    field: &str,
    bytes: &[u8],
) -> TestResponse {
    upload_accepting(app, cookie, app_id, field, bytes, "application/json").await
}

async fn upload_accepting(
    app: &TestApp,
    cookie: &str,
    app_id: &str,
    field: &str,
    bytes: &[u8],
    accept: &str,
) -> TestResponse {
    let (boundary, body) = multipart_body(field, "upload.bin", bytes);
    let req = Request::post(format!("/apps/{app_id}/media"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::ACCEPT, accept)
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn information(app: &TestApp, cookie: &str, app_id: &str) -> serde_json::Value {
    let res = app
        .call("app_information", &[("id", app_id)], Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn media_ids(app: &TestApp, cookie: &str, app_id: &str) -> Vec<String> {
    information(app, cookie, app_id).await["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn get_media(
    app: &TestApp,
    id: &str,
    cookie: Option<&str>,
    etag: Option<&str>,
) -> TestResponse {
    let mut req = Request::get(format!("/media/{id}"));
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    if let Some(etag) = etag {
        req = req.header(header::IF_NONE_MATCH, etag);
    }
    app.send(req.body(Body::empty()).unwrap()).await
}

fn field_message(res: &TestResponse, field: &str) -> String {
    let body = res.json();
    assert_eq!(body["kind"], "invalid", "{}", res.body);
    let fields = body["fields"].as_array().unwrap();
    let entry = fields
        .iter()
        .find(|f| f[0] == field)
        .unwrap_or_else(|| panic!("no message for {field}: {}", res.body));
    entry[1].as_str().unwrap().to_owned()
}

async fn each_format_is_stored_and_served_with_its_headers(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("media1@example.com", "marketplace.account_level")
        .await;
    for (bytes, content_type) in [
        (fixtures::png(1200, 780), "image/png"),
        (fixtures::jpeg(1200, 780), "image/jpeg"),
        (fixtures::gif(1200, 780), "image/gif"),
    ] {
        let res = upload(app, &dev, &id, "image", &bytes).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let item = res.json();
        assert_eq!(item["content_type"], content_type);
        assert_eq!(item["width"], 1200);
        assert_eq!(item["height"], 780);
        assert_eq!(item["byte_size"], bytes.len());
        let url = item["url"].as_str().unwrap();
        let media_id = item["id"].as_str().unwrap();
        assert_eq!(url, format!("/media/{media_id}"));

        let served = get_media(app, media_id, Some(&dev), None).await;
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.raw, bytes, "the original bytes");
        assert_eq!(served.header("content-type"), content_type);
        assert_eq!(served.header("x-content-type-options"), "nosniff");
        let etag = format!("\"{}\"", hex::encode(Sha256::digest(&bytes)));
        assert_eq!(served.header("etag"), etag, "strong ETag of the bytes");
        assert!(served.header("cache-control").contains("max-age="));
        assert!(
            served.header("cache-control").starts_with("private"),
            "a draft's media are not public"
        );

        let again = get_media(app, media_id, Some(&dev), Some(&etag)).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.raw.is_empty());
        assert_eq!(again.header("etag"), etag);
    }
    let info = information(app, &dev, &id).await;
    let types: Vec<&str> = info["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["image/png", "image/jpeg", "image/gif"],
        "upload order"
    );
    let video = upload(app, &dev, &id, "video", &fixtures::mp4(50_000)).await;
    assert_eq!(video.status, StatusCode::CREATED, "{}", video.body);
    let served = get_media(app, video.json()["id"].as_str().unwrap(), Some(&dev), None).await;
    assert_eq!(served.header("content-type"), "video/mp4");
    assert_eq!(served.raw.len(), 50_000);
}

async fn bad_files_are_refused_with_a_reason_and_nothing_changes(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("media2@example.com", "marketplace.account_level")
        .await;
    let before = information(app, &dev, &id).await;
    let full = fixtures::png(1200, 780);
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "image",
            fixtures::png(1200, 781),
            "1200x781",
            "wrong size, named",
        ),
        (
            "image",
            b"hello, I am text named photo.png".to_vec(),
            "not an image",
            "renamed text",
        ),
        (
            "image",
            full[..full.len() / 2].to_vec(),
            "damaged",
            "truncated PNG",
        ),
        (
            "image",
            fixtures::png_header_only(1200, 780),
            "damaged",
            "forged header",
        ),
        ("image", fixtures::svg(), "SVG", "SVG"),
        ("image", fixtures::webp(), "WEBP", "WebP"),
        (
            "image",
            fixtures::png_header_only(60_000, 60_000),
            "60000x60000",
            "giant header",
        ),
        (
            "image",
            fixtures::mp4(1000),
            "not an image",
            "a video as an image",
        ),
        (
            "video",
            fixtures::png(1200, 780),
            "not an MP4",
            "an image as the video",
        ),
        (
            "video",
            b"0000ftypqt  0000".to_vec(),
            "not an MP4",
            "QuickTime brand",
        ),
    ];
    for (field, bytes, expected, what) in cases {
        let res = upload(app, &dev, &id, field, &bytes).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            res.body
        );
        let message = field_message(&res, field);
        assert!(message.contains(expected), "{what}: {message}");
    }
    let after = information(app, &dev, &id).await;
    assert_eq!(before, after, "every failure leaves the app unchanged");
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM app_media")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

async fn a_video_one_byte_over_the_limit_is_413(app: &TestApp) {
    use portico::domain::media::{MAX_IMAGE_BYTES, MAX_VIDEO_BYTES};
    let (dev, id) = app
        .developer_with_app("media3@example.com", "marketplace.account_level")
        .await;
    let before = information(app, &dev, &id).await;
    let res = upload(
        app,
        &dev,
        &id,
        "video",
        &fixtures::mp4(MAX_VIDEO_BYTES as usize + 1),
    )
    .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert!(field_message(&res, "video").contains("at most 10 MB"));
    let mut big_image = fixtures::png(1200, 780);
    big_image.resize(MAX_IMAGE_BYTES as usize + 1, 0);
    let res = upload(app, &dev, &id, "image", &big_image).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert!(field_message(&res, "image").contains("at most 5 MB"));
    assert_eq!(before, information(app, &dev, &id).await);
    // Exactly at the limit is fine.
    let res = upload(
        app,
        &dev,
        &id,
        "video",
        &fixtures::mp4(MAX_VIDEO_BYTES as usize),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
}

async fn image_and_video_limits_hold(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("media4@example.com", "marketplace.account_level")
        .await;
    let png = fixtures::png(1200, 780);
    for _ in 0..6 {
        assert_eq!(
            upload(app, &dev, &id, "image", &png).await.status,
            StatusCode::CREATED
        );
    }
    let seventh = upload(app, &dev, &id, "image", &png).await;
    assert_eq!(seventh.status, StatusCode::CONFLICT);
    assert!(field_message(&seventh, "image").contains("already has 6"));
    let video = upload(app, &dev, &id, "video", &fixtures::mp4(2000)).await;
    assert_eq!(
        video.status,
        StatusCode::CONFLICT,
        "6 images leave no room for a video"
    );

    let first = media_ids(app, &dev, &id).await[0].clone();
    let res = app
        .call(
            "delete_media",
            &[("app_id", &id), ("media_id", &first)],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let video = upload(app, &dev, &id, "video", &fixtures::mp4(2000)).await;
    assert_eq!(video.status, StatusCode::CREATED, "5 images and a video");
    let sixth = upload(app, &dev, &id, "image", &png).await;
    assert_eq!(sixth.status, StatusCode::CONFLICT);
    assert!(field_message(&sixth, "image").contains("with a video"));
    let second_video = upload(app, &dev, &id, "video", &fixtures::mp4(2000)).await;
    assert_eq!(second_video.status, StatusCode::CONFLICT);
    assert_eq!(media_ids(app, &dev, &id).await.len(), 6);
}

async fn two_uploads_racing_for_the_last_place_one_wins(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("media5@example.com", "marketplace.account_level")
        .await;
    let png = fixtures::png(1200, 780);
    for _ in 0..5 {
        assert_eq!(
            upload(app, &dev, &id, "image", &png).await.status,
            StatusCode::CREATED
        );
    }
    let (a, b) = tokio::join!(
        upload(app, &dev, &id, "image", &png),
        upload(app, &dev, &id, "image", &png)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        a.body,
        b.body
    );
    assert_eq!(media_ids(app, &dev, &id).await.len(), 6);
}

async fn images_are_reordered_and_deleted(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("media6@example.com", "marketplace.account_level")
        .await;
    for bytes in [
        fixtures::png(1200, 780),
        fixtures::jpeg(1200, 780),
        fixtures::gif(1200, 780),
    ] {
        assert_eq!(
            upload(app, &dev, &id, "image", &bytes).await.status,
            StatusCode::CREATED
        );
    }
    let ids = media_ids(app, &dev, &id).await;
    let moved = app
        .call(
            "move_media",
            &[("app_id", &id), ("media_id", &ids[2]), ("direction", "up")],
            Some(&dev),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let order: Vec<String> = moved
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, [ids[0].clone(), ids[2].clone(), ids[1].clone()]);
    // The first cannot move earlier: nothing changes.
    let res = app
        .call(
            "move_media",
            &[("app_id", &id), ("media_id", &ids[0]), ("direction", "up")],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(media_ids(app, &dev, &id).await, order);
    let res = app
        .call(
            "move_media",
            &[
                ("app_id", &id),
                ("media_id", &ids[0]),
                ("direction", "sideways"),
            ],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

    let deleted = app
        .call(
            "delete_media",
            &[("app_id", &id), ("media_id", &ids[2])],
            Some(&dev),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        media_ids(app, &dev, &id).await,
        [ids[0].clone(), ids[1].clone()]
    );
    assert_eq!(
        get_media(app, &ids[2], Some(&dev), None).await.status,
        StatusCode::NOT_FOUND
    );
    let again = app
        .call(
            "delete_media",
            &[("app_id", &id), ("media_id", &ids[2])],
            Some(&dev),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // Deleting the app deletes its media.
    let res = app.call("delete_app", &[("id", &id)], Some(&dev)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        get_media(app, &ids[0], Some(&dev), None).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn media_of_other_accounts_do_not_exist(app: &TestApp) {
    let (owner, id) = app
        .developer_with_app("media7@example.com", "marketplace.account_level")
        .await;
    let stranger = app
        .sign_up("stranger@example.com", "Stranger", PASSWORD)
        .await;
    let png = fixtures::png(1200, 780);
    let res = upload(app, &stranger, &id, "image", &png).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert!(
        media_ids(app, &owner, &id).await.is_empty(),
        "nothing stored"
    );

    let item = upload(app, &owner, &id, "image", &png).await.json();
    let media_id = item["id"].as_str().unwrap();
    assert_eq!(
        get_media(app, media_id, Some(&stranger), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_media(app, media_id, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    for (name, form) in [
        (
            "delete_media",
            vec![("app_id", id.as_str()), ("media_id", media_id)],
        ),
        (
            "move_media",
            vec![
                ("app_id", id.as_str()),
                ("media_id", media_id),
                ("direction", "down"),
            ],
        ),
    ] {
        let res = app.call(name, &form, Some(&stranger)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{name}");
    }
    assert_eq!(media_ids(app, &owner, &id).await, [media_id.to_owned()]);
    // Signed out: the upload asks for a sign-in.
    let (boundary, body) = multipart_body("image", "a.png", &png);
    let res = app
        .send(
            Request::post(format!("/apps/{id}/media"))
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header(header::ACCEPT, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    // A cross-site form post is refused before anything is read.
    let (boundary, body) = multipart_body("image", "a.png", &png);
    let res = app
        .send(
            Request::post(format!("/apps/{id}/media"))
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header("sec-fetch-site", "cross-site")
                .header(header::COOKIE, &owner)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(media_ids(app, &owner, &id).await.len(), 1);
}

async fn plain_form_posts_redirect_back_with_the_outcome(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("media8@example.com", "marketplace.account_level")
        .await;
    let page = format!("/apps/{id}/information");
    let ok = upload_accepting(
        app,
        &dev,
        &id,
        "image",
        &fixtures::png(1200, 780),
        "text/html",
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(
        ok.header("location"),
        format!("{page}?media=added&media_field=image#media-image")
    );
    let shown = app.get(&format!("{page}?media=added"), Some(&dev)).await;
    assert!(shown.body.contains("Uploaded."));
    assert!(
        shown.body.contains("alt=\"Preview image 1\""),
        "the thumbnail in the form"
    );
    assert!(
        shown.body.contains("alt=\"Card image\""),
        "and in the listing preview"
    );

    let bad = upload_accepting(
        app,
        &dev,
        &id,
        "image",
        &fixtures::png(1200, 781),
        "text/html",
    )
    .await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    let location = bad.header("location");
    assert!(
        location.starts_with(&format!("{page}?media_problem=")),
        "{location}"
    );
    assert!(
        location.ends_with("&media_field=image#media-image"),
        "{location}"
    );
    let shown = app
        .get(location.split('#').next().unwrap(), Some(&dev))
        .await;
    assert!(
        shown
            .body
            .contains("This image is 1200x781 pixels. Preview images must be exactly 1200x780."),
        "the server's message beside the field"
    );
    // A crafted problem cannot put arbitrary words on the page.
    let crafted = app
        .get(
            &format!("{page}?media_problem=%7B%22reason%22%3A%22evil%22%7D"),
            Some(&dev),
        )
        .await;
    assert_eq!(crafted.status, StatusCode::OK);
    assert!(!crafted.body.contains("evil"));
    assert_eq!(media_ids(app, &dev, &id).await.len(), 1);
}

/// The app icon: PNG or JPEG of exactly 160x160, checked like preview
/// images; one per app, a new upload replacing the old; a refused plain
/// post says why beside the icon's own picker.
async fn the_icon_is_checked_and_a_new_one_replaces_it(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("media-icon@example.com", "marketplace.account_level")
        .await;
    for (bytes, message) in [
        (
            fixtures::png(1200, 780),
            "This image is 1200x780 pixels. The app icon must be exactly 160x160.",
        ),
        (
            fixtures::gif(160, 160),
            "This is a GIF image. The app icon must be a PNG or JPEG file.",
        ),
        (
            b"just text".to_vec(),
            "This file is not a PNG or JPEG image. The app icon must be a PNG or JPEG file.",
        ),
    ] {
        let res = upload(app, &dev, &id, "icon", &bytes).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(field_message(&res, "icon"), message);
    }
    let mut too_big = fixtures::png(160, 160);
    too_big.resize(1024 * 1024 + 1, 0);
    let res = upload(app, &dev, &id, "icon", &too_big).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert!(media_ids(app, &dev, &id).await.is_empty(), "nothing stored");

    let first = upload(app, &dev, &id, "icon", &fixtures::png(160, 160)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.json()["kind"], "icon");
    let second = upload(app, &dev, &id, "icon", &fixtures::jpeg(160, 160)).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    let second_id = second.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        media_ids(app, &dev, &id).await,
        std::slice::from_ref(&second_id),
        "the new icon replaced the old"
    );
    // An icon is no preview image, and does not count as one.
    let res = upload(app, &dev, &id, "image", &fixtures::png(160, 160)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let old = get_media(app, first.json()["id"].as_str().unwrap(), Some(&dev), None).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND, "never live, so deleted");
    let current = get_media(app, &second_id, Some(&dev), None).await;
    assert_eq!(current.status, StatusCode::OK);
    assert_eq!(current.header("content-type"), "image/jpeg");
    assert_eq!(
        get_media(app, &second_id, None, None).await.status,
        StatusCode::NOT_FOUND,
        "a draft's icon is not public"
    );

    // Without JavaScript: the refusal comes back beside the icon's picker.
    let bad = upload_accepting(
        app,
        &dev,
        &id,
        "icon",
        &fixtures::png(161, 160),
        "text/html",
    )
    .await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    let location = bad.header("location");
    assert!(
        location.ends_with("&media_field=icon#media-icon"),
        "{location}"
    );
    let shown = app
        .get(location.split('#').next().unwrap(), Some(&dev))
        .await;
    let body = &shown.body;
    let message = "This image is 161x160 pixels. The app icon must be exactly 160x160.";
    let at = body.find(message).expect("the message is on the page");
    let icon_picker = body.find("id=\"media-icon\"").expect("the icon picker");
    let image_picker = body.find("id=\"media-image\"").expect("the image picker");
    assert!(
        icon_picker < at && at < image_picker,
        "beside the icon's picker, not the preview images'"
    );
    assert!(
        body.contains("alt=\"App icon\""),
        "the current icon is shown"
    );
    // A plain upload that works says so in the icon's card.
    let ok = upload_accepting(
        app,
        &dev,
        &id,
        "icon",
        &fixtures::png(160, 160),
        "text/html",
    )
    .await;
    let location = ok.header("location");
    assert!(
        location.ends_with("&media_field=icon#media-icon"),
        "{location}"
    );
    let shown = app
        .get(location.split('#').next().unwrap(), Some(&dev))
        .await
        .body;
    let said = shown.find("Uploaded.").expect("said");
    assert!(
        said < shown.find("id=\"media-image\"").unwrap(),
        "in the icon's card"
    );
}
