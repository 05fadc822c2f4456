//! Why a picked or uploaded file was refused, in the words its picker
//! reads, and how that crosses the wire.

use serde::{Deserialize, Serialize};

use super::{MediaKind, ICON_SIZE, IMAGE_HEIGHT, IMAGE_WIDTH, MAX_IMAGES_WITH_VIDEO};

/// Why a file cannot be the icon, a preview image or the video. `message()` is what
/// the person who picked it reads.
///
/// On the wire: `{"reason": "<variant>", ...its fields}`, serde's
/// internally tagged form, both ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum MediaProblem {
    /// The bytes are no image at all (a renamed text file, say).
    NotAnImage,
    /// An image, but of a format the Marketplace does not show.
    UnsupportedFormat { format: String },
    /// Not exactly 1200x780.
    WrongSize { width: u32, height: u32 },
    /// The header could not be read, or the pixels could not be decoded.
    Unreadable,
    /// Bigger than the limit for its kind.
    TooLarge { kind: MediaKind, limit: u64 },
    /// Not an MP4 file (no `ftyp` box of an MP4 brand at the start).
    NotMp4,
    /// The listing already holds as many of these as it may.
    TooMany { kind: MediaKind, limit: usize },
    /// Empty file.
    Empty,
    /// An icon that is not a PNG or JPEG (`format` names what it is, when
    /// it is an image at all).
    IconFormat { format: String },
    /// An icon that is not exactly 160x160.
    IconWrongSize { width: u32, height: u32 },
}

impl MediaProblem {
    /// What the person who picked the file reads.
    pub fn message(&self) -> String {
        match self {
            MediaProblem::NotAnImage => {
                "This file is not an image. Use a PNG, JPEG or GIF file.".into()
            }
            // Format names are short ASCII words (from the `image` crate's
            // extensions, or SVG); anything else did not come from us (a
            // no-JS refusal travels in the URL), so it is not repeated.
            MediaProblem::UnsupportedFormat { format }
                if format.len() <= 5 && format.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                format!("This is a {format} image. Use a PNG, JPEG or GIF file.")
            }
            MediaProblem::UnsupportedFormat { .. } => {
                "This image's format is not shown on the Marketplace. Use a PNG, JPEG or GIF file."
                    .to_owned()
            }
            MediaProblem::WrongSize { width, height } => format!(
                "This image is {width}x{height} pixels. Preview images must be exactly {IMAGE_WIDTH}x{IMAGE_HEIGHT}."
            ),
            MediaProblem::Unreadable => {
                "This image is damaged or incomplete and cannot be read.".into()
            }
            MediaProblem::TooLarge { kind, limit } => format!(
                "This file is too large: a {} can be at most {} MB.",
                match kind {
                    MediaKind::Image => "preview image",
                    MediaKind::Video => "video",
                    MediaKind::Icon => "app icon",
                },
                limit / (1024 * 1024)
            ),
            MediaProblem::NotMp4 => "This file is not an MP4 video.".into(),
            MediaProblem::TooMany { kind, limit } => match kind {
                MediaKind::Image => format!(
                    "This listing already has {limit} preview images, the most it can have{}. Delete one first.",
                    if *limit == MAX_IMAGES_WITH_VIDEO { " with a video" } else { "" }
                ),
                MediaKind::Video => {
                    "A listing has one video: delete the current one first (and keep at most 5 images beside it)."
                        .into()
                }
                MediaKind::Icon => "A listing has one icon: a new upload replaces it.".into(),
            },
            MediaProblem::Empty => "This file is empty.".into(),
            MediaProblem::IconFormat { format }
                if !format.is_empty()
                    && format.len() <= 5
                    && format.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                format!("This is a {format} image. The app icon must be a PNG or JPEG file.")
            }
            MediaProblem::IconFormat { .. } => {
                "This file is not a PNG or JPEG image. The app icon must be a PNG or JPEG file."
                    .into()
            }
            MediaProblem::IconWrongSize { width, height } => format!(
                "This image is {width}x{height} pixels. The app icon must be exactly {ICON_SIZE}x{ICON_SIZE}."
            ),
        }
    }

    /// The kind of upload field the problem belongs beside.
    pub fn field(&self) -> MediaKind {
        match self {
            MediaProblem::NotMp4 => MediaKind::Video,
            MediaProblem::IconFormat { .. } | MediaProblem::IconWrongSize { .. } => MediaKind::Icon,
            MediaProblem::TooLarge { kind, .. } | MediaProblem::TooMany { kind, .. } => *kind,
            _ => MediaKind::Image,
        }
    }
}

impl std::fmt::Display for MediaProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::media::{MAX_IMAGES, MAX_VIDEO_BYTES};

    #[test]
    fn every_problem_reads_back_what_it_writes() {
        for problem in [
            MediaProblem::NotAnImage,
            MediaProblem::UnsupportedFormat {
                format: "WebP".into(),
            },
            MediaProblem::WrongSize {
                width: 1200,
                height: 781,
            },
            MediaProblem::Unreadable,
            MediaProblem::TooLarge {
                kind: MediaKind::Video,
                limit: MAX_VIDEO_BYTES,
            },
            MediaProblem::NotMp4,
            MediaProblem::TooMany {
                kind: MediaKind::Image,
                limit: MAX_IMAGES,
            },
            MediaProblem::Empty,
            MediaProblem::IconFormat {
                format: "GIF".into(),
            },
            MediaProblem::IconWrongSize {
                width: 16,
                height: 16,
            },
        ] {
            let json = serde_json::to_string(&problem).unwrap();
            let back: MediaProblem = serde_json::from_str(&json).unwrap();
            assert_eq!(back, problem, "{json}");
        }
        let missing = serde_json::from_str::<MediaProblem>(r#"{"reason":"wrong_size","width":1}"#);
        assert!(missing.unwrap_err().to_string().contains("height"));
    }
}
