//! A PNG whose header claims 60000x60000 pixels (14.4 GB as RGBA) is
//! refused without allocating anything like its pixel size. Its own test
//! binary, so the counting allocator sees only this test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use portico::domain::media::{check_preview_image, fixtures, verify_image_decodes, MediaProblem};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(now, Ordering::SeqCst);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_giant_png_header_costs_no_pixel_memory() {
    let bytes = fixtures::png_header_only(60_000, 60_000);
    let baseline = CURRENT.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);

    let result = check_preview_image(&bytes);
    let peak_extra = PEAK.load(Ordering::SeqCst) - baseline;

    assert_eq!(
        result,
        Err(MediaProblem::WrongSize {
            width: 60_000,
            height: 60_000
        })
    );
    let pixel_bytes = 60_000usize * 60_000 * 4;
    assert!(
        peak_extra < 1024 * 1024,
        "the check allocated {peak_extra} bytes for a {pixel_bytes}-byte image"
    );

    // Even if the header check were skipped, the server's decode refuses
    // before allocating: its limits cap width, height and allocation.
    // (One test function: the counters are process-wide.)
    let info = portico::domain::media::ImageInfo {
        format: portico::domain::media::PreviewFormat::Png,
        width: 1200,
        height: 780,
    };
    let baseline = CURRENT.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    assert_eq!(
        verify_image_decodes(&bytes, info),
        Err(MediaProblem::Unreadable)
    );
    let peak_extra = PEAK.load(Ordering::SeqCst) - baseline;
    assert!(
        peak_extra < 1024 * 1024,
        "decode allocated {peak_extra} bytes"
    );
}
