//! Normalisation of what doctors type: full-width characters and
//! Japanese-era dates.

use chrono::NaiveDate;

/// Full-width ASCII (U+FF01–U+FF5E) to ASCII and the ideographic space to a
/// space, which is what NFKC does to these characters. Other text is kept.
pub fn to_half_width(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            // Minus signs people type for negative numbers or dashes.
            '\u{2212}' | '\u{30FC}' | '\u{2015}' | '\u{2010}' => '-',
            _ => c,
        })
        .collect()
}

/// A Japanese era: its name, its Latin letter (upper and lower case) and
/// its first day (year, month, day).
type Era = (&'static str, &'static str, char, (i32, u32, u32));

/// Japanese eras with their first day.
const ERAS: [Era; 5] = [
    ("令和", "R", 'r', (2019, 5, 1)),
    ("平成", "H", 'h', (1989, 1, 8)),
    ("昭和", "S", 's', (1926, 12, 25)),
    ("大正", "T", 't', (1912, 7, 30)),
    ("明治", "M", 'm', (1868, 1, 25)),
];

/// Parses a date written in the western calendar (2024-04-01, 2024/4/1,
/// 2024年4月1日, 20240401) or a Japanese era (令和6年4月1日, 令和元年5月1日,
/// R6.4.1, H31/4/30). Returns `None` for anything that is not a real date or
/// that lies outside its era.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = to_half_width(raw.trim());
    let s = s.trim();
    for (i, (kanji, latin, lower, first_day)) in ERAS.iter().enumerate() {
        let Some(rest) = s.strip_prefix(kanji).or_else(|| s.strip_prefix(latin)).or_else(|| s.strip_prefix(*lower))
        else {
            continue;
        };
        let rest = rest.trim_start();
        // 元年 is the first year of an era.
        let first_year;
        let rest = match rest.strip_prefix('元') {
            Some(r) => {
                first_year = format!("1{r}");
                first_year.as_str()
            }
            None => rest,
        };
        let (y, m, d) = split_ymd(rest)?;
        let date = NaiveDate::from_ymd_opt(first_day.0 + y - 1, m, d)?;
        let (fy, fm, fd) = *first_day;
        if y < 1 || date < NaiveDate::from_ymd_opt(fy, fm, fd)? {
            return None;
        }
        if i > 0 {
            let (ny, nm, nd) = ERAS[i - 1].3;
            if date >= NaiveDate::from_ymd_opt(ny, nm, nd)? {
                return None;
            }
        }
        return Some(date);
    }
    if s.len() == 8 && s.bytes().all(|c| c.is_ascii_digit()) {
        let y = s[0..4].parse().ok()?;
        let m = s[4..6].parse().ok()?;
        let d = s[6..8].parse().ok()?;
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    let (y, m, d) = split_ymd(s)?;
    if !(1868..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Splits "Y-M-D", "Y/M/D", "Y.M.D" or "Y年M月D日" into numbers.
fn split_ymd(s: &str) -> Option<(i32, u32, u32)> {
    let s = s.strip_suffix('日').unwrap_or(s);
    let mut parts = s.split(['-', '/', '.', '年', '月']).map(str::trim);
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn full_width_to_half_width() {
        assert_eq!(to_half_width("１２３ＡＢｃ－"), "123ABc-");
        assert_eq!(to_half_width("山田　太郎"), "山田 太郎");
        assert_eq!(to_half_width("abc"), "abc");
    }

    #[test]
    fn western_dates() {
        assert_eq!(parse_date("2024-04-01"), d(2024, 4, 1));
        assert_eq!(parse_date("2024/4/1"), d(2024, 4, 1));
        assert_eq!(parse_date("２０２４年４月１日"), d(2024, 4, 1));
        assert_eq!(parse_date("20240401"), d(2024, 4, 1));
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("not a date"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn era_dates() {
        assert_eq!(parse_date("令和6年4月1日"), d(2024, 4, 1));
        assert_eq!(parse_date("令和元年5月1日"), d(2019, 5, 1));
        assert_eq!(parse_date("R6.4.1"), d(2024, 4, 1));
        assert_eq!(parse_date("H31/4/30"), d(2019, 4, 30));
        assert_eq!(parse_date("平成元年1月8日"), d(1989, 1, 8));
        assert_eq!(parse_date("昭和64年1月7日"), d(1989, 1, 7));
        assert_eq!(parse_date("Ｓ６３．１２．３１"), d(1988, 12, 31));
    }

    #[test]
    fn era_boundaries_are_enforced() {
        assert_eq!(parse_date("平成31年5月1日"), None, "令和 had begun");
        assert_eq!(parse_date("令和元年4月30日"), None, "令和 had not begun");
        assert_eq!(parse_date("昭和64年1月8日"), None, "平成 had begun");
        assert_eq!(parse_date("平成元年1月7日"), None);
        assert_eq!(parse_date("令和0年1月1日"), None);
    }
}
