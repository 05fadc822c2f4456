//! Listing media: the app icon, preview images and the optional video.
//!
//! The browser runs [`check_preview_image`] (or [`check_icon`]) on a picked file before sending
//! a byte, and the server runs it again on what arrives, followed by
//! [`verify_image_decodes`] (server only: a full decode under strict limits,
//! so a forged or corrupt file whose header looks right is refused too).
//! The format always comes from the bytes, never from a name or MIME type.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};

mod problem;
pub use problem::MediaProblem;

/// A stored icon, preview image or video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaOut {
    pub id: String,
    pub kind: MediaKind,
    pub content_type: String,
    /// Pixels (0 for a video).
    pub width: u32,
    pub height: u32,
    pub byte_size: u64,
    /// Where the bytes are served.
    pub url: String,
}

impl MediaOut {
    /// The address a media item is served at.
    pub fn url_for(id: &str) -> String {
        format!("/media/{id}")
    }
}

/// Every preview image is exactly this size.
pub const IMAGE_WIDTH: u32 = 1200;
pub const IMAGE_HEIGHT: u32 = 780;
/// At most this many preview images…
pub const MAX_IMAGES: usize = 6;
/// …or this many when the listing also has a video.
pub const MAX_IMAGES_WITH_VIDEO: usize = 5;
/// The app icon is exactly this many pixels square.
pub const ICON_SIZE: u32 = 160;
/// The largest icon accepted (a 160x160 PNG of noise is ~77 KB).
pub const MAX_ICON_BYTES: u64 = 1024 * 1024;
/// The largest preview image accepted (a 1200x780 PNG of noise is ~2.8 MB).
pub const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;
/// The largest video accepted.
pub const MAX_VIDEO_BYTES: u64 = 10 * 1024 * 1024;
/// What a full decode may allocate: one 1200x780 RGBA frame is 3.7 MB; GIF
/// frames and decoder buffers fit well inside this.
const DECODE_ALLOC_LIMIT: u64 = 32 * 1024 * 1024;

super::stored_names! {
    /// Which kind of media an item is.
    pub enum MediaKind {
        Image = "image",
        Video = "video",
        Icon = "icon",
    }
}

impl MediaKind {
    /// The most bytes a file of this kind may have.
    pub fn byte_limit(self) -> u64 {
        match self {
            MediaKind::Image => MAX_IMAGE_BYTES,
            MediaKind::Video => MAX_VIDEO_BYTES,
            MediaKind::Icon => MAX_ICON_BYTES,
        }
    }
}

/// The preview image formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreviewFormat {
    Png,
    Jpeg,
    Gif,
}

impl PreviewFormat {
    /// The content type the image is stored and served with.
    pub fn content_type(self) -> &'static str {
        match self {
            PreviewFormat::Png => "image/png",
            PreviewFormat::Jpeg => "image/jpeg",
            PreviewFormat::Gif => "image/gif",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            PreviewFormat::Png => ImageFormat::Png,
            PreviewFormat::Jpeg => ImageFormat::Jpeg,
            PreviewFormat::Gif => ImageFormat::Gif,
        }
    }
}

/// A preview image that passed the header check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: PreviewFormat,
    pub width: u32,
    pub height: u32,
}

/// The format of an image, read from its first bytes.
fn sniff(bytes: &[u8]) -> Result<PreviewFormat, MediaProblem> {
    if bytes.is_empty() {
        return Err(MediaProblem::Empty);
    }
    match image::guess_format(bytes) {
        Ok(ImageFormat::Png) => Ok(PreviewFormat::Png),
        Ok(ImageFormat::Jpeg) => Ok(PreviewFormat::Jpeg),
        Ok(ImageFormat::Gif) => Ok(PreviewFormat::Gif),
        Ok(other) => Err(MediaProblem::UnsupportedFormat {
            format: other
                .extensions_str()
                .first()
                .map(|ext| ext.to_ascii_uppercase())
                .unwrap_or_else(|| format!("{other:?}")),
        }),
        Err(_) if looks_like_svg(bytes) => Err(MediaProblem::UnsupportedFormat {
            format: "SVG".into(),
        }),
        Err(_) => Err(MediaProblem::NotAnImage),
    }
}

/// SVG is text, so no magic number: look for its root element near the top.
fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    String::from_utf8_lossy(head)
        .to_ascii_lowercase()
        .contains("<svg")
}

/// Checks a preview image from its bytes: the format from its magic
/// number, the dimensions from its header alone (no pixel is decoded, so
/// a header claiming 60000x60000 costs nothing).
pub fn check_preview_image(bytes: &[u8]) -> Result<ImageInfo, MediaProblem> {
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(MediaProblem::TooLarge {
            kind: MediaKind::Image,
            limit: MAX_IMAGE_BYTES,
        });
    }
    let format = sniff(bytes)?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format.image_format())
        .into_dimensions()
        .map_err(|_| MediaProblem::Unreadable)?;
    if (width, height) != (IMAGE_WIDTH, IMAGE_HEIGHT) {
        return Err(MediaProblem::WrongSize { width, height });
    }
    Ok(ImageInfo {
        format,
        width,
        height,
    })
}

/// Checks an app icon as [`check_preview_image`] checks a preview image:
/// PNG or JPEG (an icon is a still square, so no GIF), exactly
/// 160x160, from the header alone.
pub fn check_icon(bytes: &[u8]) -> Result<ImageInfo, MediaProblem> {
    if bytes.len() as u64 > MAX_ICON_BYTES {
        return Err(MediaProblem::TooLarge {
            kind: MediaKind::Icon,
            limit: MAX_ICON_BYTES,
        });
    }
    let format = match sniff(bytes) {
        Ok(PreviewFormat::Gif) => {
            return Err(MediaProblem::IconFormat {
                format: "GIF".into(),
            })
        }
        Ok(format) => format,
        Err(MediaProblem::UnsupportedFormat { format }) => {
            return Err(MediaProblem::IconFormat { format })
        }
        Err(MediaProblem::NotAnImage) => {
            return Err(MediaProblem::IconFormat {
                format: String::new(),
            })
        }
        Err(other) => return Err(other),
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format.image_format())
        .into_dimensions()
        .map_err(|_| MediaProblem::Unreadable)?;
    if (width, height) != (ICON_SIZE, ICON_SIZE) {
        return Err(MediaProblem::IconWrongSize { width, height });
    }
    Ok(ImageInfo {
        format,
        width,
        height,
    })
}

/// Decodes every pixel of an image that passed [`check_preview_image`] or
/// [`check_icon`], under limits (its checked dimensions and an allocation
/// cap), so truncated or forged data is refused. The server runs this; the
/// browser does not need to.
pub fn verify_image_decodes(bytes: &[u8], info: ImageInfo) -> Result<(), MediaProblem> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), info.format.image_format());
    let mut limits = Limits::default();
    limits.max_image_width = Some(info.width.min(IMAGE_WIDTH));
    limits.max_image_height = Some(info.height.min(IMAGE_HEIGHT));
    limits.max_alloc = Some(DECODE_ALLOC_LIMIT);
    reader.limits(limits);
    reader
        .decode()
        .map(|_| ())
        .map_err(|_| MediaProblem::Unreadable)
}

/// The size check the browser can make on a video before sending it.
pub fn check_video_size(len: u64) -> Result<(), MediaProblem> {
    if len == 0 {
        return Err(MediaProblem::Empty);
    }
    if len > MAX_VIDEO_BYTES {
        return Err(MediaProblem::TooLarge {
            kind: MediaKind::Video,
            limit: MAX_VIDEO_BYTES,
        });
    }
    Ok(())
}

/// MP4 major brands accepted in the leading `ftyp` box.
const MP4_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
    b"mmp4", b"dash", b"MSNV",
];

/// Checks a video: size, then an MP4 `ftyp` box first in the file (box
/// size, the `ftyp` type and an MP4 major brand).
pub fn check_video(bytes: &[u8]) -> Result<(), MediaProblem> {
    check_video_size(bytes.len() as u64)?;
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return Err(MediaProblem::NotMp4);
    }
    let box_size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    if !(16..=bytes.len().min(4096)).contains(&box_size) {
        return Err(MediaProblem::NotMp4);
    }
    let brand: &[u8] = &bytes[8..12];
    let compatible = bytes[16..box_size].chunks_exact(4);
    if MP4_BRANDS.iter().any(|b| &b[..] == brand)
        || compatible
            .into_iter()
            .any(|c| MP4_BRANDS.iter().any(|b| &b[..] == c))
    {
        Ok(())
    } else {
        Err(MediaProblem::NotMp4)
    }
}

/// A human size: "1.4 MB", "820 KB".
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Small, valid media files made in code, for tests and the benchmark.
#[cfg(any(test, feature = "ssr"))]
pub mod fixtures {
    use image::{ImageBuffer, Rgb, RgbImage};

    fn picture(width: u32, height: u32) -> RgbImage {
        ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        })
    }

    fn encode(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        picture(width, height)
            .write_to(&mut out, format)
            .expect("encoding a test picture");
        out.into_inner()
    }

    pub fn png(width: u32, height: u32) -> Vec<u8> {
        encode(width, height, image::ImageFormat::Png)
    }

    pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
        encode(width, height, image::ImageFormat::Jpeg)
    }

    pub fn gif(width: u32, height: u32) -> Vec<u8> {
        encode(width, height, image::ImageFormat::Gif)
    }

    /// A PNG whose header claims `width`x`height` but has almost no pixel
    /// data (a decompression bomb's opening, without the bomb).
    pub fn png_header_only(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        chunk(&mut bytes, b"IHDR", &ihdr);
        // The start of a zlib stream and no more: decoders read the
        // header up to the first IDAT, then run out of data.
        chunk(&mut bytes, b"IDAT", &[0x78, 0x9c]);
        chunk(&mut bytes, b"IEND", &[]);
        bytes
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// The smallest WebP file (a 1x1 lossless image).
    pub fn webp() -> Vec<u8> {
        let mut bytes = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00".to_vec();
        bytes.extend_from_slice(&[0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00]);
        bytes
    }

    pub fn svg() -> Vec<u8> {
        br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1200" height="780"></svg>"#.to_vec()
    }

    /// An MP4 of `len` bytes: an `ftyp` box, then filler in an `mdat` box.
    pub fn mp4(len: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(len);
        bytes.extend_from_slice(&24u32.to_be_bytes());
        bytes.extend_from_slice(b"ftypisom\x00\x00\x02\x00isomiso2");
        let rest = len.saturating_sub(bytes.len());
        bytes.extend_from_slice(&(rest as u32).to_be_bytes());
        bytes.extend_from_slice(b"mdat");
        bytes.resize(len.max(32), 0);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn accepts_each_format_at_the_exact_size() {
        for (bytes, format) in [
            (png(1200, 780), PreviewFormat::Png),
            (jpeg(1200, 780), PreviewFormat::Jpeg),
            (gif(1200, 780), PreviewFormat::Gif),
        ] {
            let info = check_preview_image(&bytes).expect("valid image");
            assert_eq!(info.format, format);
            assert_eq!((info.width, info.height), (1200, 780));
            verify_image_decodes(&bytes, info).expect("decodes");
        }
    }

    #[test]
    fn names_the_actual_size() {
        let problem = check_preview_image(&png(1200, 781)).unwrap_err();
        assert_eq!(
            problem,
            MediaProblem::WrongSize {
                width: 1200,
                height: 781
            }
        );
        assert!(problem.message().contains("1200x781"), "{problem}");
        assert!(check_preview_image(&jpeg(780, 1200)).is_err());
    }

    #[test]
    fn rejects_what_is_not_a_png_jpeg_or_gif() {
        assert_eq!(
            check_preview_image(b"just some text, named photo.png"),
            Err(MediaProblem::NotAnImage)
        );
        assert_eq!(
            check_preview_image(&webp()),
            Err(MediaProblem::UnsupportedFormat {
                format: "WEBP".into()
            })
        );
        assert_eq!(
            check_preview_image(&svg()),
            Err(MediaProblem::UnsupportedFormat {
                format: "SVG".into()
            })
        );
        assert_eq!(check_preview_image(b""), Err(MediaProblem::Empty));
    }

    #[test]
    fn a_giant_header_is_refused_from_the_header() {
        let bytes = png_header_only(60_000, 60_000);
        assert_eq!(
            check_preview_image(&bytes),
            Err(MediaProblem::WrongSize {
                width: 60_000,
                height: 60_000
            })
        );
    }

    #[test]
    fn truncated_or_forged_pixels_fail_the_decode() {
        let full = png(1200, 780);
        let truncated = &full[..full.len() / 2];
        // The header is intact, so the quick check passes…
        let info = check_preview_image(truncated).expect("header readable");
        // …and the full decode refuses it.
        assert_eq!(
            verify_image_decodes(truncated, info),
            Err(MediaProblem::Unreadable)
        );
        let forged = png_header_only(1200, 780);
        let info = check_preview_image(&forged).expect("header readable");
        assert_eq!(
            verify_image_decodes(&forged, info),
            Err(MediaProblem::Unreadable)
        );
    }

    #[test]
    fn icons_are_160_square_png_or_jpeg() {
        for bytes in [png(160, 160), jpeg(160, 160)] {
            let info = check_icon(&bytes).expect("valid icon");
            assert_eq!((info.width, info.height), (160, 160));
            verify_image_decodes(&bytes, info).expect("decodes");
        }
        assert_eq!(
            check_icon(&png(1200, 780)),
            Err(MediaProblem::IconWrongSize {
                width: 1200,
                height: 780
            })
        );
        assert_eq!(
            check_icon(&gif(160, 160)),
            Err(MediaProblem::IconFormat {
                format: "GIF".into()
            })
        );
        assert_eq!(
            check_icon(&svg()),
            Err(MediaProblem::IconFormat {
                format: "SVG".into()
            })
        );
        assert_eq!(
            check_icon(b"not an image"),
            Err(MediaProblem::IconFormat {
                format: String::new()
            })
        );
        // A preview image is not an icon, nor the other way round.
        assert!(check_preview_image(&png(160, 160)).is_err());
        let truncated = png(160, 160);
        let truncated = &truncated[..truncated.len() / 2];
        let info = check_icon(truncated).expect("header readable");
        assert_eq!(
            verify_image_decodes(truncated, info),
            Err(MediaProblem::Unreadable)
        );
    }

    #[test]
    fn videos() {
        assert_eq!(check_video(&mp4(4096)), Ok(()));
        assert_eq!(check_video(&mp4(MAX_VIDEO_BYTES as usize)), Ok(()));
        assert_eq!(
            check_video(&mp4(MAX_VIDEO_BYTES as usize + 1)),
            Err(MediaProblem::TooLarge {
                kind: MediaKind::Video,
                limit: MAX_VIDEO_BYTES
            })
        );
        assert_eq!(check_video(&png(10, 10)), Err(MediaProblem::NotMp4));
        assert_eq!(check_video(b"0000ftypqt  "), Err(MediaProblem::NotMp4));
        let mut quicktime = mp4(4096);
        quicktime[8..12].copy_from_slice(b"qt  ");
        quicktime[16..24].copy_from_slice(b"qt  qt  ");
        assert_eq!(check_video(&quicktime), Err(MediaProblem::NotMp4));
        assert_eq!(check_video(&[]), Err(MediaProblem::Empty));
        assert!(check_video_size(MAX_VIDEO_BYTES + 1).is_err());
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(human_size(1536 * 1024), "1.5 MB");
        assert_eq!(human_size(1000), "1 KB");
    }
}
