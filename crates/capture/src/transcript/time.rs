//! RFC 3339 timestamps as the agents write them in transcripts (`2026-11-25T08:54:40.936Z`), to
//! [`Timestamp`], without a date-time dependency.

use event::Timestamp;

/// The instant an RFC 3339 date-time names: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of up to
/// nine digits (more are cut), and `Z` or a `±HH:MM` offset. A space or lower-case `t` may stand
/// for the `T`, a lower-case `z` for the `Z`. `None` for anything else or out of range.
pub(crate) fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    let b = s.trim().as_bytes();
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    let separators_ok = b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && matches!(b.get(10), Some(b'T' | b't' | b' '))
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':');
    // 60 is a leap second; it reads as the next second, as in most systems.
    let in_range = (1..=12).contains(&month)
        && (1..=event::civil::days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    if !separators_ok || !in_range {
        return None;
    }
    let mut at = 19;
    let mut nanos: i64 = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        let mut scale = 100_000_000;
        while let Some(c) = b.get(at).filter(|c| c.is_ascii_digit()) {
            nanos += i64::from(c - b'0') * scale;
            scale /= 10;
            at += 1;
        }
        if at == start {
            return None;
        }
    }
    let offset_secs: i64 = match b.get(at..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 && rest.get(2) == Some(&b':') => {
            let h = digits(rest, 0, 2)?;
            let m = digits(rest, 3, 2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    let days = event::civil::days_from_civil(year, month, day);
    let secs = days
        .checked_mul(86_400)?
        .checked_add(hour * 3600 + minute * 60 + second)?
        .checked_sub(offset_secs)?;
    Some(Timestamp(secs.checked_mul(1_000_000_000)?.checked_add(nanos)?))
}

/// The number `b[at..at + len]` spells in ASCII digits.
fn digits(b: &[u8], at: usize, len: usize) -> Option<i64> {
    let part = b.get(at..at.checked_add(len)?)?;
    part.iter().try_fold(0i64, |n, c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_agents_write() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2026-11-25T08:54:40.936Z", Some(1_795_596_880_936_000_000)),
            ("2026-11-25T08:54:40Z", Some(1_795_596_880_000_000_000)),
            ("2026-11-25T09:54:40.936+01:00", Some(1_795_596_880_936_000_000)),
            ("2026-11-25 08:54:40.123456789z", Some(1_795_596_880_123_456_789)),
            ("2026-11-25T08:54:40.1234567891Z", Some(1_795_596_880_123_456_789)),
            ("1969-12-31T23:59:59Z", Some(-1_000_000_000)),
            ("2024-02-29T00:00:00Z", Some(1_709_164_800_000_000_000)),
            ("2023-02-29T00:00:00Z", None),
            ("2026-13-01T00:00:00Z", None),
            ("2026-11-25T24:00:00Z", None),
            ("2026-11-25T08:54:40", None),
            ("2026-11-25T08:54:40.Z", None),
            ("2026-11-25T08:54:40+0100", None),
            ("2026-11-25", None),
            ("", None),
            ("２０２６-11-25T08:54:40Z", None),
            ("9999999-11-25T08:54:40Z", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rfc3339(text).map(|t| t.as_unix_nanos()), *want, "{text:?}");
        }
    }
}
