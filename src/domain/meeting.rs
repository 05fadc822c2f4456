//! Meetings: the rules for what a meeting may hold, shared by the
//! Meetings page (as you type) and the REST API and server (the check that
//! counts).

use serde::{Deserialize, Serialize};

use super::fields::FieldErrors;

/// Longest topic, in characters (Zoom's limit).
pub const MAX_TOPIC: usize = 200;
/// Longest agenda, in characters (Zoom's limit).
pub const MAX_AGENDA: usize = 2000;
/// Longest meeting, in minutes (a day).
pub const MAX_DURATION: i64 = 24 * 60;

/// A meeting as a form or API request describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MeetingInput {
    pub topic: String,
    /// `2026-12-01T09:30`, `2026-12-01T09:30:00` or `…Z` (UTC).
    pub start_time: String,
    pub duration: String,
    pub agenda: String,
}

/// A meeting that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidMeeting {
    pub topic: String,
    /// Normalised: `yyyy-MM-ddTHH:mm:ssZ`.
    pub start_time: String,
    pub duration: i64,
    pub agenda: String,
}

/// 1–200 characters after trimming.
pub fn validate_topic(input: &str) -> Result<String, String> {
    let topic = input.trim();
    match topic.chars().count() {
        0 => Err("Enter a topic.".into()),
        n if n > MAX_TOPIC => Err(format!("At most {MAX_TOPIC} characters (this has {n}).")),
        _ => Ok(topic.to_owned()),
    }
}

/// Whole minutes, 1 to 1440.
pub fn validate_duration(input: &str) -> Result<i64, String> {
    let text = input.trim();
    let minutes: i64 = text
        .parse()
        .map_err(|_| "Enter the length in whole minutes, like 30.".to_owned())?;
    if !(1..=MAX_DURATION).contains(&minutes) {
        return Err(format!("Between 1 and {MAX_DURATION} minutes."));
    }
    Ok(minutes)
}

/// A start time in UTC: `yyyy-MM-ddTHH:mm` (what a datetime-local field
/// sends), optionally with `:ss` and a trailing `Z`. Normalised to
/// `yyyy-MM-ddTHH:mm:ssZ`, the form Zoom's API answers with.
pub fn validate_start_time(input: &str) -> Result<String, String> {
    const HINT: &str = "Enter a date and time like 2026-12-01T09:30 (UTC).";
    let text = input.trim().trim_end_matches('Z');
    let (date, clock) = text.split_once('T').ok_or(HINT)?;
    let numbers = |part: &str, sep: char, count: usize| -> Option<Vec<u32>> {
        let items: Vec<&str> = part.split(sep).collect();
        if items.len() != count
            || items
                .iter()
                .any(|i| i.is_empty() || !i.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        items.iter().map(|i| i.parse().ok()).collect()
    };
    let d = numbers(date, '-', 3).ok_or(HINT)?;
    let t = numbers(clock, ':', 3)
        .or_else(|| {
            numbers(clock, ':', 2).map(|mut t| {
                t.push(0);
                t
            })
        })
        .ok_or(HINT)?;
    let (year, month, day) = (d[0], d[1], d[2]);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(HINT.into()),
    };
    if !(2000..=9999).contains(&year)
        || day == 0
        || day > days_in_month
        || t[0] > 23
        || t[1] > 59
        || t[2] > 59
    {
        return Err(HINT.into());
    }
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        t[0], t[1], t[2]
    ))
}

/// Up to 2000 characters.
pub fn validate_agenda(input: &str) -> Result<String, String> {
    let agenda = input.trim();
    let n = agenda.chars().count();
    if n > MAX_AGENDA {
        return Err(format!("At most {MAX_AGENDA} characters (this has {n})."));
    }
    Ok(agenda.to_owned())
}

/// Every field at once; each invalid field gets its message.
pub fn validate_meeting(input: &MeetingInput) -> Result<ValidMeeting, FieldErrors> {
    let mut errors = FieldErrors::new();
    let topic = errors.check("topic", validate_topic(&input.topic));
    let start_time = errors.check("start_time", validate_start_time(&input.start_time));
    let duration = errors.check("duration", validate_duration(&input.duration));
    let agenda = errors.check("agenda", validate_agenda(&input.agenda));
    match (topic, start_time, duration, agenda) {
        (Some(topic), Some(start_time), Some(duration), Some(agenda)) if errors.is_empty() => {
            Ok(ValidMeeting {
                topic,
                start_time,
                duration,
                agenda,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_durations() {
        assert_eq!(validate_topic("  Standup "), Ok("Standup".into()));
        assert!(validate_topic("   ").is_err());
        assert!(validate_topic(&"x".repeat(201))
            .unwrap_err()
            .contains("201"));
        assert_eq!(validate_duration("30"), Ok(30));
        for bad in ["0", "1441", "-5", "half an hour", "", "1.5"] {
            assert!(validate_duration(bad).is_err(), "{bad}");
        }
        assert!(validate_agenda(&"a".repeat(2001)).is_err());
    }

    #[test]
    fn start_times_are_normalised_to_utc() {
        assert_eq!(
            validate_start_time("2026-12-01T09:30"),
            Ok("2026-12-01T09:30:00Z".into())
        );
        assert_eq!(
            validate_start_time("2026-12-01T09:30:15Z"),
            Ok("2026-12-01T09:30:15Z".into())
        );
        assert_eq!(
            validate_start_time("2028-02-29T00:00"),
            Ok("2028-02-29T00:00:00Z".into())
        );
        for bad in [
            "",
            "tomorrow",
            "2026-13-01T09:30",
            "2026-02-29T09:30",
            "2026-12-01 09:30",
            "2026-12-01T24:00",
            "2026-12-01T09:60",
            "1999-12-31T23:59",
            "2026-12-01T09:30+01:00",
        ] {
            assert!(validate_start_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_invalid_field_gets_its_message() {
        let errors = validate_meeting(&MeetingInput {
            topic: String::new(),
            start_time: "soon".into(),
            duration: "30".into(),
            agenda: String::new(),
        })
        .unwrap_err();
        assert!(errors.get("topic").is_some() && errors.get("start_time").is_some());
        assert!(errors.get("duration").is_none());
        let ok = validate_meeting(&MeetingInput {
            topic: "Plan".into(),
            start_time: "2026-12-01T09:30".into(),
            duration: "45".into(),
            agenda: " a ".into(),
        })
        .unwrap();
        assert_eq!((ok.duration, ok.agenda.as_str()), (45, "a"));
    }
}
