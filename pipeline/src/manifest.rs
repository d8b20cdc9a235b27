//! SHA-256 digests and manifests in the format `sha256sum` reads and writes.
//!
//! A manifest line is `<64 hex digits><two spaces><path>`; paths are relative and
//! `/`-separated, lines sorted by path, so `sha256sum -c` checks a manifest with no
//! project code and the manifest's own digest names a set of inputs.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(b & 0xF), 16).unwrap_or('0'));
    }
    s
}

/// One manifest entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Entry {
    /// Relative, `/`-separated path.
    pub path: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Renders entries as a `sha256sum` manifest, sorted by path.
pub fn render(entries: &[Entry]) -> String {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    sorted
        .iter()
        .map(|e| format!("{}  {}\n", e.sha256, e.path))
        .collect()
}

/// Parses a `sha256sum` manifest; `None` for a line that is not one.
pub fn parse(text: &str) -> Option<Vec<Entry>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (hash, path) = l.split_once("  ")?;
            let ok = hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit());
            ok.then(|| Entry {
                path: path.to_owned(),
                sha256: hash.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest_and_round_trip() {
        // `printf abc | sha256sum`
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let entries = vec![
            Entry {
                path: "b/x".into(),
                sha256: sha256_hex(b"x"),
            },
            Entry {
                path: "a".into(),
                sha256: sha256_hex(b""),
            },
        ];
        let text = render(&entries);
        assert!(text.starts_with("e3b0c442"));
        let mut back = parse(&text).expect("parses");
        back.reverse();
        assert_eq!(back, entries);
    }
}
