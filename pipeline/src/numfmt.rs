//! The one policy that turns full-precision statistics into displayed numbers.
//!
//! `stats.json` keeps every float at full precision; documents and figures show them
//! only through these functions, so a number reads the same on a slide, in the brief
//! and on a chart axis. Rust's float formatting rounds the exact binary value
//! correctly, so the output does not depend on the platform.

/// The minus sign of every displayed negative number: U+2212, the typographic minus,
/// never the hyphen, so "−0.33" and "+0.09" line up and read alike everywhere.
pub const MINUS: char = '\u{2212}';

/// `x` with `decimals` digits after the point (`fixed(2.345, 1)` is `"2.3"`,
/// `fixed(-1.25, 1)` is `"−1.2"` with a true minus sign). A value that rounds to zero
/// prints without a sign.
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let magnitude = s.trim_start_matches('-');
    if magnitude.chars().all(|c| c == '0' || c == '.') {
        magnitude.to_owned()
    } else if s.starts_with('-') {
        format!("{MINUS}{magnitude}")
    } else {
        s
    }
}

/// `x` with an explicit sign (`signed(0.25, 2)` is `"+0.25"`, zero has none).
pub fn signed(x: f64, decimals: usize) -> String {
    let s = fixed(x, decimals);
    if s.starts_with(MINUS) || s.chars().all(|c| c == '0' || c == '.') {
        s
    } else {
        format!("+{s}")
    }
}

/// A share in `[0, 1]` as a whole percentage (`percent(0.6739)` is `"67%"`).
pub fn percent(share: f64) -> String {
    format!("{}%", fixed(share * 100.0, 0))
}

/// A difference of two shares in percentage points, signed and whole
/// (`points(0.2049)` is `"+20"`, `points(-0.031)` is `"−3"`).
pub fn points(diff: f64) -> String {
    signed(diff * 100.0, 0)
}

/// A p-value as reviewers expect it: three decimals, or `< 0.001`.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_owned()
    } else {
        fixed(p, 3)
    }
}

/// Two values side by side (an old and a new statistic) with the fewest decimals, from
/// two to nine, at which they read differently; equal values get two decimals. Values
/// that differ only beyond nine decimals print in full (shortest round-trip form), so
/// a change is never shown as "0.33 → 0.33".
pub fn distinct_pair(old: f64, new: f64) -> (String, String) {
    if old == new {
        return (fixed(old, 2), fixed(new, 2));
    }
    for decimals in 2..=9 {
        let pair = (fixed(old, decimals), fixed(new, decimals));
        if pair.0 != pair.1 {
            return pair;
        }
    }
    let full = |x: f64| x.to_string().replace('-', &MINUS.to_string());
    (full(old), full(new))
}

/// Two values side by side, each printed by `format(x, decimals)`: at `decimals`, or,
/// when the two would read alike there, at the fewest more decimals (up to nine) at
/// which they differ, so a change is never shown as "61% → 61%". Equal values print at
/// `decimals`; values that differ only beyond nine decimals print at seventeen.
/// `distinct_pair_with(a, b, 2, fixed)` is [`distinct_pair`] apart from that last case.
pub fn distinct_pair_with(
    old: f64,
    new: f64,
    decimals: usize,
    format: impl Fn(f64, usize) -> String,
) -> (String, String) {
    let at = |d: usize| (format(old, d), format(new, d));
    if old == new {
        return at(decimals);
    }
    (decimals..=decimals.max(9))
        .map(at)
        .find(|(a, b)| a != b)
        .unwrap_or_else(|| at(17))
}

/// An integer with the typographic minus sign.
pub fn integer(n: i128) -> String {
    if n < 0 {
        format!("{MINUS}{}", n.unsigned_abs())
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fixed(2.345, 1), "2.3");
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(fixed(-1.25, 1), "\u{2212}1.2");
        assert_eq!(percent(62.0 / 92.0), "67%");
        assert_eq!(signed(0.25, 2), "+0.25");
        assert_eq!(signed(-0.25, 1), "\u{2212}0.2");
        assert_eq!(signed(-0.0001, 1), "0.0");
        assert_eq!(signed(0.0, 1), "0.0");
        assert_eq!(p_value(0.0004), "< 0.001");
        assert_eq!(p_value(0.0456), "0.046");
        assert_eq!(points(0.2049), "+20");
        assert_eq!(points(-0.031), "\u{2212}3");
    }

    #[test]
    fn pairs_show_just_enough_decimals_to_differ() {
        assert_eq!(distinct_pair(0.25, 0.5), ("0.25".into(), "0.50".into()));
        assert_eq!(
            distinct_pair(0.3371, 0.3374),
            ("0.3371".into(), "0.3374".into())
        );
        assert_eq!(
            distinct_pair(-1.0, -1.0),
            ("\u{2212}1.00".into(), "\u{2212}1.00".into())
        );
        let (a, b) = distinct_pair(0.1, 0.1 + 1e-12);
        assert_ne!(a, b);
        let percent_at = |x: f64, d: usize| format!("{}%", fixed(x * 100.0, d));
        assert_eq!(
            distinct_pair_with(0.6112, 0.6146, 0, percent_at),
            ("61.1%".into(), "61.5%".into())
        );
        assert_eq!(
            distinct_pair_with(0.59, 0.61, 0, percent_at),
            ("59%".into(), "61%".into())
        );
        assert_eq!(
            distinct_pair_with(2.0, 2.0, 0, signed),
            ("+2".into(), "+2".into())
        );
        assert_eq!(
            distinct_pair_with(2.0, 2.04, 1, signed),
            ("+2.00".into(), "+2.04".into())
        );
        assert_eq!(integer(-3), "\u{2212}3");
        assert_eq!(integer(12), "12");
    }
}
