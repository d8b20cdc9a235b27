//! Seeded randomness for the statistics: seed derivation, bounded integers, shuffles
//! and samples, all fully specified here so the draws never change with a `rand`
//! upgrade.
//!
//! The generator is ChaCha8 ([`rand_chacha::ChaCha8Rng`]), whose output stream is
//! fixed by its 32-byte seed and stream number. The seed of each random procedure is
//! built from the study's `seed` and stable FNV-1a hashes of what the procedure is
//! for (its purpose, the dimension column and the wave id), never from a `HashMap`
//! hasher, so it is the same on every machine and run. Bounded integers use Lemire's
//! multiply-and-reject method on 32-bit draws and shuffles are Fisher-Yates; both are
//! written out below instead of taken from `rand`, whose algorithms may change
//! between versions.
//!
//! The synthetic-study generator draws through the same functions, plus a few more
//! below: bounded draws of any `usize` ([`index`]), uniform numbers in `[0, 1)`
//! ([`unit()`]), Bernoulli trials ([`bernoulli`]), weighted choice ([`weighted`]) and
//! weighted sampling without replacement ([`weighted_sample`]). They use only integer
//! arithmetic and the correctly rounded IEEE operations `+ - * /` and comparisons
//! (no logarithm, power or fused multiply-add), so every platform makes the same
//! choices from the same stream.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// 64-bit FNV-1a hash of `bytes` (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The 32-byte ChaCha8 seed of one random procedure: the study seed followed by the
/// FNV-1a hashes of `purpose`, `column` and `wave`, each as 8 little-endian bytes.
pub fn derive_seed(study_seed: u64, purpose: &str, column: &str, wave: &str) -> [u8; 32] {
    let mut seed = [0u8; 32];
    let parts = [
        study_seed,
        fnv1a64(purpose.as_bytes()),
        fnv1a64(column.as_bytes()),
        fnv1a64(wave.as_bytes()),
    ];
    for (chunk, part) in seed.chunks_exact_mut(8).zip(parts) {
        chunk.copy_from_slice(&part.to_le_bytes());
    }
    seed
}

/// A ChaCha8 generator on `stream` of `seed`. Independent streams let the draws of
/// permutation `i` be made on any thread without changing them.
pub fn generator(seed: [u8; 32], stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::from_seed(seed);
    rng.set_stream(stream);
    rng
}

/// A uniform integer in `0..bound` (`bound > 0`) by Lemire's method: multiply a
/// 32-bit draw by `bound`, keep the high word, and reject the few low words that
/// would bias it (D. Lemire, "Fast random integer generation in an interval", ACM
/// TOMACS 29(1), 2019).
pub fn below(rng: &mut impl RngCore, bound: u32) -> u32 {
    debug_assert!(bound > 0);
    let mut m = u64::from(rng.next_u32()) * u64::from(bound);
    // The rejection threshold `2^32 mod bound` is below `bound`, so a low word at or
    // above `bound` is always accepted and the division is needed only rarely (Lemire
    // 2019). The accepted draws, and so the results, are those of the plain rule.
    if (m as u32) < bound {
        let threshold = bound.wrapping_neg() % bound;
        while (m as u32) < threshold {
            m = u64::from(rng.next_u32()) * u64::from(bound);
        }
    }
    (m >> 32) as u32
}

/// Shuffles `items` in place (Durstenfeld's Fisher-Yates: for `i` from the end down
/// to 1, swap item `i` with a uniform item in `0..=i`).
pub fn shuffle<T>(rng: &mut impl RngCore, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = below(rng, (i + 1) as u32) as usize;
        items.swap(i, j);
    }
}

/// [`shuffle`] for items that can be copied: the same draws and the same result,
/// with the two items exchanged by plain reads and writes. `slice::swap` goes through
/// `ptr::swap`, whose precondition checks run on every exchange in the build users
/// run (debug assertions on); the permutation tests make billions of exchanges.
pub fn shuffle_copied<T: Copy>(rng: &mut impl RngCore, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = below(rng, (i + 1) as u32) as usize;
        let (x, y) = (items[i], items[j]);
        items[i] = y;
        items[j] = x;
    }
}

/// `k` distinct indices drawn uniformly from `0..n` (the first `k` steps of a
/// Fisher-Yates shuffle of `0..n` run from the front), returned sorted.
pub fn sample(rng: &mut impl RngCore, n: usize, k: usize) -> Vec<u32> {
    let k = k.min(n);
    let mut all: Vec<u32> = (0..n as u32).collect();
    for i in 0..k {
        let j = i + below(rng, (n - i) as u32) as usize;
        all.swap(i, j);
    }
    all.truncate(k);
    all.sort_unstable();
    all
}

/// A uniform integer in `0..bound` (`bound > 0`), by Lemire's method on 64-bit draws:
/// the 128-bit product of a draw and `bound`, high word kept, biased low words
/// rejected. The 64-bit twin of [`below`].
pub fn below64(rng: &mut impl RngCore, bound: u64) -> u64 {
    debug_assert!(bound > 0);
    let mut m = u128::from(rng.next_u64()) * u128::from(bound);
    if (m as u64) < bound {
        let threshold = bound.wrapping_neg() % bound;
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(bound);
        }
    }
    (m >> 64) as u64
}

/// A uniform index in `0..len` (`len > 0`): [`below`] (one or more 32-bit draws) when
/// `len` fits in 32 bits, as every list of a study does, and [`below64`] otherwise.
pub fn index(rng: &mut impl RngCore, len: usize) -> usize {
    match u32::try_from(len) {
        Ok(bound) => below(rng, bound) as usize,
        Err(_) => below64(rng, len as u64) as usize,
    }
}

/// A uniform number in `[0, 1)`: the top 53 bits of one 64-bit draw times 2^-53, so
/// every value is a multiple of 2^-53 and the conversion is exact.
pub fn unit(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A Bernoulli trial: true with chance `p` (one [`unit()`] draw, true when it is below
/// `p`; so `p <= 0` is never and `p >= 1` always true, and each still uses one draw).
pub fn bernoulli(rng: &mut impl RngCore, p: f64) -> bool {
    unit(rng) < p
}

/// An index drawn with chance proportional to `weights[i]` (weights finite and at
/// least 0, at least one above 0). One [`unit()`] draw `u` is scaled by the sum of the
/// weights (added from the front); then, from the front, each positive weight `w`
/// is taken when `u < w` and subtracted otherwise. Rounding can leave `u` past the
/// last weight; the last positive weight is then taken, so a weight of 0 is never
/// chosen.
pub fn weighted(rng: &mut impl RngCore, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = unit(rng) * total;
    let mut last = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            if u < w {
                return i;
            }
            u -= w;
            last = i;
        }
    }
    last
}

/// `k` distinct items of `pool` drawn one at a time without replacement, each draw
/// with chance proportional to `weights[item]` among the items left (successive
/// sampling); returned sorted. Items of equal weight form a class (classes ordered
/// by the weight's bits, members in pool order): each draw picks a class by
/// [`weighted`] over the classes' total weights, then a uniform member by [`index`],
/// which is removed by swapping the class's last member into its place. A draw thus
/// costs the number of distinct weights, not the pool size. Items of weight 0 are
/// drawn only when no positive weight is left.
pub fn weighted_sample(
    rng: &mut impl RngCore,
    pool: &[usize],
    weights: &[f64],
    k: usize,
) -> Vec<usize> {
    let mut by_weight: std::collections::BTreeMap<u64, Vec<usize>> =
        std::collections::BTreeMap::new();
    for &i in pool {
        by_weight.entry(weights[i].to_bits()).or_default().push(i);
    }
    let mut classes: Vec<(f64, Vec<usize>)> = by_weight
        .into_iter()
        .map(|(bits, members)| (f64::from_bits(bits), members))
        .collect();
    let mut out = Vec::with_capacity(k.min(pool.len()));
    for _ in 0..k.min(pool.len()) {
        classes.retain(|(_, members)| !members.is_empty());
        let mass: Vec<f64> = classes
            .iter()
            .map(|(w, members)| w * members.len() as f64)
            .collect();
        let c = if mass.iter().any(|m| *m > 0.0) {
            weighted(rng, &mass)
        } else {
            index(rng, classes.len())
        };
        let members = &mut classes[c].1;
        let j = index(rng, members.len());
        out.push(members.swap_remove(j));
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn seeds_differ_by_purpose_column_and_wave() {
        let a = derive_seed(1, "ei", "population", "before");
        assert_ne!(a, derive_seed(1, "ei", "population", "survey"));
        assert_ne!(a, derive_seed(1, "ei", "org_type", "before"));
        assert_ne!(a, derive_seed(2, "ei", "population", "before"));
        assert_eq!(a, derive_seed(1, "ei", "population", "before"));
    }

    #[test]
    fn draws_are_in_range_and_repeatable() {
        let seed = derive_seed(7, "test", "", "");
        let mut r1 = generator(seed, 3);
        let mut r2 = generator(seed, 3);
        for bound in 1..200u32 {
            let x = below(&mut r1, bound);
            assert!(x < bound);
            assert_eq!(x, below(&mut r2, bound));
        }
        let mut v: Vec<u32> = (0..50).collect();
        shuffle(&mut r1, &mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        // The copying shuffle makes the same draws and the same order.
        let (mut a, mut b) = (generator(seed, 9), generator(seed, 9));
        let (mut x, mut y): (Vec<u8>, Vec<u8>) = ((0..=255).collect(), (0..=255).collect());
        shuffle(&mut a, &mut x);
        shuffle_copied(&mut b, &mut y);
        assert_eq!(x, y);
        assert_eq!(a.next_u32(), b.next_u32());
        let s = sample(&mut r1, 100, 10);
        assert_eq!(s.len(), 10);
        assert!(s.windows(2).all(|w| w[0] < w[1]) && s.iter().all(|&x| x < 100));
        assert_eq!(sample(&mut r1, 3, 10), vec![0, 1, 2]);
    }

    #[test]
    fn unit_bernoulli_and_weighted_follow_their_rules() {
        let mut r = generator(derive_seed(11, "test", "", ""), 0);
        for _ in 0..2000 {
            let u = unit(&mut r);
            assert!((0.0..1.0).contains(&u) && (u * (1u64 << 53) as f64).fract() == 0.0);
        }
        assert!((0..500).all(|_| !bernoulli(&mut r, 0.0) && bernoulli(&mut r, 1.0)));
        // A zero weight is never chosen, even at the edges.
        assert!((0..2000).all(|_| weighted(&mut r, &[0.0, 2.0, 0.0, 1.0, 0.0]) % 2 == 1));
        // Frequencies near their weights (1:3 over 40,000 draws: sd of the share ~0.002).
        let threes = (0..40_000)
            .filter(|_| weighted(&mut r, &[1.0, 3.0]) == 1)
            .count();
        assert!((29_500..30_500).contains(&threes), "{threes}");
    }

    #[test]
    fn index_covers_both_widths() {
        let mut r = generator([5; 32], 1);
        assert!((0..1000).all(|_| index(&mut r, 7) < 7));
        let big = (u32::MAX as usize) * 3;
        assert!((0..1000).all(|_| index(&mut r, big) < big));
        assert!((0..1000).all(|_| below64(&mut r, 3) < 3));
        // Below 2^32 `index` is exactly `below`.
        let (mut a, mut b) = (generator([6; 32], 0), generator([6; 32], 0));
        assert!((1..300).all(|n| index(&mut a, n) == below(&mut b, n as u32) as usize));
    }

    #[test]
    fn weighted_sample_is_distinct_and_prefers_heavy_items() {
        let mut r = generator([8; 32], 0);
        let pool: Vec<usize> = (0..10).collect();
        let weights = [1.0, 1.0, 1.0, 1.0, 1.0, 9.0, 9.0, 0.0, 1.0, 1.0];
        let mut heavy = 0;
        for _ in 0..400 {
            let s = weighted_sample(&mut r, &pool, &weights, 3);
            assert_eq!(s.len(), 3);
            assert!(s.windows(2).all(|w| w[0] < w[1]));
            assert!(
                !s.contains(&7),
                "a weight of 0 is drawn only when nothing else is left"
            );
            heavy += s.iter().filter(|&&i| i == 5 || i == 6).count();
        }
        // Exact expectation of heavy items per sample under successive sampling, by
        // enumerating every ordered draw with Python's fractions: 1.70478 (variance
        // 0.23850), so over 400 samples 681.9 with sd 9.8; allow four sd.
        assert!((643..=721).contains(&heavy), "{heavy}");
        // Asking for everything returns everything, zero weights included.
        assert_eq!(weighted_sample(&mut r, &pool, &weights, 20), pool);
    }
}
