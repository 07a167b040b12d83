//! RFC 3339 UTC timestamps without a date-time dependency.

/// Seconds since the Unix epoch now (0 if the clock is before 1970).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0)
}

/// `1970-01-01T00:00:00Z` for `seconds` since the Unix epoch (proleptic Gregorian calendar).
pub fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Now as `1970-01-01T00:00:00.000Z` (milliseconds), for logs.
pub fn rfc3339_millis_now() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let seconds = rfc3339(i64::try_from(now.as_secs()).unwrap_or(0));
    format!("{}.{:03}Z", seconds.trim_end_matches('Z'), now.subsec_millis())
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days-from-civil);
/// the inverse of what [`rfc3339`] prints.
#[must_use]
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}

#[cfg(test)]
mod civil_tests {
    #[test]
    fn days_from_civil_inverts_rfc3339() {
        for days in [0i64, 1, 59, 60, 11_016, 20_454, 2_932_896] {
            let text = super::rfc3339(days * 86_400);
            let (y, rest) = text.split_once('-').unwrap_or_default();
            let (m, rest) = rest.split_once('-').unwrap_or_default();
            let d = rest.get(..2).unwrap_or_default();
            let parse = |s: &str| s.parse::<i64>().unwrap_or(i64::MIN);
            assert_eq!(super::days_from_civil(parse(y), parse(m), parse(d)), days, "{text}");
        }
    }
}
