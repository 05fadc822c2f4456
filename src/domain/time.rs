//! Moments and durations as pages show them, from Unix milliseconds.
//!
//! Plain arithmetic, no time-zone database: the server writes UTC (the
//! page without JavaScript shows that), and the browser rewrites it in the
//! viewer's time zone with the UTC moment kept on hover
//! (`components::time`). Both start from these functions.

/// Days since 1970-01-01 to a (year, month, day) in the proleptic
/// Gregorian calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The parts of a UTC moment: (year, month, day, hour, minute, second).
fn utc_parts(ms: i64) -> (i64, u32, u32, u32, u32, u32) {
    let seconds = ms.div_euclid(1000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let in_day = seconds.rem_euclid(86_400) as u32;
    (
        year,
        month,
        day,
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60,
    )
}

/// `2026-12-03 14:05 UTC`: how every page writes a moment for people
/// before the browser puts it in their time zone.
pub fn utc_words(ms: i64) -> String {
    let (y, mo, d, h, mi, _) = utc_parts(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// `2026-12-03T14:05:09Z`: the moment for `<time datetime>` and JSON.
pub fn iso(ms: i64) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// What is left from `now` until `until`, in words: `23 h 59 min`,
/// `5 min`, `less than a minute`; `None` once it is over. Minutes are
/// rounded down, so it never promises more than is left.
pub fn remaining(now_ms: i64, until_ms: i64) -> Option<String> {
    let left = until_ms - now_ms;
    if left <= 0 {
        return None;
    }
    let minutes = left / 60_000;
    let (hours, minutes) = (minutes / 60, minutes % 60);
    Some(match (hours, minutes) {
        (0, 0) => "less than a minute".to_owned(),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_in_utc() {
        assert_eq!(utc_words(0), "1970-01-01 00:00 UTC");
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        // 2026-12-03T14:05:09.999Z
        let ms = 1_796_306_709_999;
        assert_eq!(iso(ms), "2026-12-03T14:05:09Z");
        assert_eq!(utc_words(ms), "2026-12-03 14:05 UTC");
        // A leap day, and before 1970.
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso(-1_000), "1969-12-31T23:59:59Z");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_same_as_the_time_crate_across_years() {
        let format = ::time::format_description::well_known::Rfc3339;
        for step in 0..2_000i64 {
            let ms = step * 7_919_999_937;
            let expected = ::time::OffsetDateTime::from_unix_timestamp(ms / 1000)
                .unwrap()
                .format(&format)
                .unwrap();
            assert_eq!(iso(ms), expected, "{ms}");
        }
    }

    #[test]
    fn what_is_left() {
        let hour = 3_600_000;
        assert_eq!(remaining(0, 24 * hour - 1).as_deref(), Some("23 h 59 min"));
        assert_eq!(remaining(0, 24 * hour).as_deref(), Some("24 h"));
        assert_eq!(remaining(0, 5 * 60_000 + 59_999).as_deref(), Some("5 min"));
        assert_eq!(remaining(0, 59_999).as_deref(), Some("less than a minute"));
        assert_eq!(remaining(10, 10), None);
        assert_eq!(remaining(11, 10), None);
    }
}
