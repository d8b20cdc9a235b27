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
        let s = sample(&mut r1, 100, 10);
        assert_eq!(s.len(), 10);
        assert!(s.windows(2).all(|w| w[0] < w[1]) && s.iter().all(|&x| x < 100));
        assert_eq!(sample(&mut r1, 3, 10), vec![0, 1, 2]);
    }
}
