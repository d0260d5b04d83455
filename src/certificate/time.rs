//! `ssl.cert_time_to_seconds()`, with the `time.strptime` and `repr()` details it shows.

use crate::error::{Error, Result};
use crate::pyvalue::py_repr_str;
use CharClass::{Digit, Is, Range};

/// The format `cert_time_to_seconds` hands to `time.strptime` (after the month).
const TIME_FORMAT: &str = " %d %H:%M:%S %Y GMT";

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ssl.cert_time_to_seconds(cert_time)`: seconds since the epoch for a certificate time
/// such as `"Jan  5 09:34:43 2018 GMT"` (the `notBefore`/`notAfter` format).
///
/// Reproduces the quirks of the Python code: the month is matched case-insensitively on the
/// first three characters, the rest goes through `time.strptime(rest, " %d %H:%M:%S %Y GMT")`
/// (any whitespace run matches a space, seconds 60 and 61 are accepted, `GMT` is
/// case-insensitive, Unicode digits count in the year), and the day is never checked against
/// the month (`"Feb 31"` is March 3). Errors are `ValueError`s with Python's texts.
///
/// ```python
/// ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 GMT")   # 1515144883
/// ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 UTC")
/// # ValueError: time data '  5 09:34:43 2018 UTC' does not match format ' %d %H:%M:%S %Y GMT'
/// ```
/// ```
/// use pyssl::cert_time_to_seconds;
/// assert_eq!(cert_time_to_seconds("Jan  5 09:34:43 2018 GMT").unwrap(), 1515144883);
/// let e = cert_time_to_seconds("Jan  5 09:34:43 2018 UTC").unwrap_err();
/// assert_eq!(e.python_type(), "ValueError");
/// assert_eq!(
///     e.python_str(),
///     "time data '  5 09:34:43 2018 UTC' does not match format ' %d %H:%M:%S %Y GMT'"
/// );
/// ```
pub fn cert_time_to_seconds(cert_time: &str) -> Result<i64> {
    cert_time_to_seconds_as(cert_time, crate::Profile::default())
}

/// `ssl.cert_time_to_seconds(cert_time)` as `profile`'s CPython words its errors: year 0 is
/// `ValueError('year 0 is out of range')` through 3.13 and `'year must be in 1..9999, not 0'`
/// from 3.14 (its `datetime` message).
///
/// ```
/// use pyssl::{Profile, certificate::cert_time_to_seconds_as};
/// let t = "Jan  1 00:00:00 0000 GMT";
/// let old = cert_time_to_seconds_as(t, Profile::PY313).unwrap_err();
/// assert_eq!(old.python_str(), "year 0 is out of range");
/// let new = cert_time_to_seconds_as(t, Profile::PY314).unwrap_err();
/// assert_eq!(new.python_str(), "year must be in 1..9999, not 0");
/// ```
pub fn cert_time_to_seconds_as(cert_time: &str, profile: crate::Profile) -> Result<i64> {
    let chars: Vec<char> = cert_time.chars().collect();
    let month = chars.get(..3).and_then(|m| {
        // str.title() on three characters; only 'ſ' (titlecased to 'S') leaves ASCII behind.
        let first = match m[0] {
            'ſ' => 'S',
            c => c.to_ascii_uppercase(),
        };
        let title: String = [first, m[1].to_ascii_lowercase(), m[2].to_ascii_lowercase()]
            .iter()
            .collect();
        MONTHS.iter().position(|&name| name == title)
    });
    let Some(month) = month else {
        return Err(Error::value(format!(
            "time data {} does not match format \"%b{TIME_FORMAT}\"",
            py_repr_str(cert_time)
        )));
    };
    let data = &chars[3..];
    let mut groups = Vec::with_capacity(5);
    let Some(end) = match_pieces(TIME_PATTERN, data, 0, &mut groups) else {
        let data: String = data.iter().collect();
        return Err(Error::value(format!(
            "time data {} does not match format {}",
            py_repr_str(&data),
            py_repr_str(TIME_FORMAT)
        )));
    };
    if end != data.len() {
        let rest: String = data[end..].iter().collect();
        return Err(Error::value(format!("unconverted data remains: {rest}")));
    }
    let number = |(from, to): (usize, usize)| -> i64 {
        data[from..to]
            .iter()
            .filter_map(|&c| decimal_value(c))
            .fold(0, |n, d| n * 10 + i64::from(d))
    };
    let [day, hour, minute, second, year] = [0, 1, 2, 3, 4].map(|i| number(groups[i]));
    if year == 0 {
        // strptime computes the day of the year through datetime.date, which rejects year 0.
        return Err(Error::value(
            if profile.messages.datetime_year_range_names_bounds {
                "year must be in 1..9999, not 0"
            } else {
                "year 0 is out of range"
            },
        ));
    }
    let days = days_from_civil(year, month as i64 + 1) + day - 1;
    Ok(((days * 24 + hour) * 60 + minute) * 60 + second)
}

/// Days from 1970-01-01 to the first day of `month` (1-12) of `year` (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64) -> i64 {
    // Count years from March so that the leap day ends the counted year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// One position of a `strptime` directive's regular expression.
#[derive(Clone, Copy)]
enum CharClass {
    Is(char),
    Range(char, char),
    /// `\d`: any Unicode decimal digit.
    Digit,
}

impl CharClass {
    fn matches(self, c: char) -> bool {
        match self {
            CharClass::Is(x) => c == x,
            CharClass::Range(lo, hi) => (lo..=hi).contains(&c),
            CharClass::Digit => decimal_value(c).is_some(),
        }
    }
}

/// The pieces of `_strptime`'s regex for [`TIME_FORMAT`] (case-insensitive).
enum Piece {
    /// `\s+`, greedy.
    Spaces,
    /// A captured alternation of fixed-length branches, tried in order.
    Group(&'static [&'static [CharClass]]),
    /// One literal character (ASCII case-insensitive).
    Literal(char),
}

const DAY: &[&[CharClass]] = &[
    &[Is('3'), Range('0', '1')],
    &[Range('1', '2'), Digit],
    &[Is('0'), Range('1', '9')],
    &[Range('1', '9')],
    &[Is(' '), Range('1', '9')],
];
const HOUR: &[&[CharClass]] = &[
    &[Is('2'), Range('0', '3')],
    &[Range('0', '1'), Digit],
    &[Digit],
];
const MINUTE: &[&[CharClass]] = &[&[Range('0', '5'), Digit], &[Digit]];
const SECOND: &[&[CharClass]] = &[
    &[Is('6'), Range('0', '1')],
    &[Range('0', '5'), Digit],
    &[Digit],
];
const YEAR: &[&[CharClass]] = &[&[Digit, Digit, Digit, Digit]];

const TIME_PATTERN: &[Piece] = &[
    Piece::Spaces,
    Piece::Group(DAY),
    Piece::Spaces,
    Piece::Group(HOUR),
    Piece::Literal(':'),
    Piece::Group(MINUTE),
    Piece::Literal(':'),
    Piece::Group(SECOND),
    Piece::Spaces,
    Piece::Group(YEAR),
    Piece::Spaces,
    Piece::Literal('G'),
    Piece::Literal('M'),
    Piece::Literal('T'),
];

/// Backtracking match of `pieces` at `pos` (like `re.match`, first success in priority
/// order); returns the end position and leaves the captured spans in `groups`.
fn match_pieces(
    pieces: &[Piece],
    text: &[char],
    pos: usize,
    groups: &mut Vec<(usize, usize)>,
) -> Option<usize> {
    let Some((piece, rest)) = pieces.split_first() else {
        return Some(pos);
    };
    match piece {
        Piece::Spaces => {
            let run = text[pos..].iter().take_while(|&&c| is_py_space(c)).count();
            (1..=run)
                .rev()
                .find_map(|n| match_pieces(rest, text, pos + n, groups))
        }
        Piece::Literal(l) => match text.get(pos) {
            Some(c) if c.eq_ignore_ascii_case(l) => match_pieces(rest, text, pos + 1, groups),
            _ => None,
        },
        Piece::Group(branches) => {
            for branch in *branches {
                let end = pos + branch.len();
                let fits = text
                    .get(pos..end)
                    .is_some_and(|s| branch.iter().zip(s).all(|(class, &c)| class.matches(c)));
                if fits {
                    groups.push((pos, end));
                    if let Some(done) = match_pieces(rest, text, end, groups) {
                        return Some(done);
                    }
                    groups.pop();
                }
            }
            None
        }
    }
}

/// `str.isspace()` (what `\s` and `str.strip()` use).
pub(super) fn is_py_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | '\x1c'..=' ' | '\u{85}' | '\u{a0}' | '\u{1680}')
        || matches!(
            c,
            '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}'
        )
        || matches!(c, '\u{205f}' | '\u{3000}')
}

/// First code point of each run of ten decimal digits (Unicode 15.1, category Nd).
const DIGIT_ZEROS: [u32; 68] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0,
    0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950,
    0x1FBF0,
];

/// The value of a Unicode decimal digit (what `\d` matches and `int()` reads).
fn decimal_value(c: char) -> Option<u32> {
    let code = u32::from(c);
    let i = DIGIT_ZEROS
        .partition_point(|&zero| zero <= code)
        .checked_sub(1)?;
    let value = code - DIGIT_ZEROS[i];
    (value < 10).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_digits_and_civil_days() {
        assert_eq!(decimal_value('٣'), Some(3));
        assert_eq!(decimal_value('a'), None);
        assert_eq!(decimal_value('\u{1fbf9}'), Some(9));
        assert_eq!(days_from_civil(1970, 1), 0);
        assert_eq!(days_from_civil(2000, 3), 11_017);
    }
}
