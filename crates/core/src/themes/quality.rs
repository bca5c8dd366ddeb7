//! How well themes agree with labels people gave: normalized mutual information, for the
//! evaluation only (the labels are never shown to discovery).

use std::collections::HashMap;
use std::hash::Hash;

/// Normalized mutual information between two groupings of the same items, normalised by the
/// mean of their entropies (1: the same grouping; 0: independent). Unsorted items should come
/// in as one group of their own.
pub fn nmi<A: Eq + Hash, B: Eq + Hash>(a: &[A], b: &[B]) -> f64 {
    assert_eq!(a.len(), b.len(), "two groupings of the same items");
    let n = a.len() as f64;
    if a.is_empty() {
        return 0.0;
    }
    let mut ca: HashMap<&A, f64> = HashMap::new();
    let mut cb: HashMap<&B, f64> = HashMap::new();
    let mut joint: HashMap<(&A, &B), f64> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        *ca.entry(x).or_default() += 1.0;
        *cb.entry(y).or_default() += 1.0;
        *joint.entry((x, y)).or_default() += 1.0;
    }
    let entropy = |counts: &mut dyn Iterator<Item = f64>| -> f64 {
        counts.map(|c| -(c / n) * (c / n).ln()).sum()
    };
    let ha = entropy(&mut ca.values().copied());
    let hb = entropy(&mut cb.values().copied());
    let mi: f64 = joint
        .iter()
        .map(|((x, y), &c)| (c / n) * ((c * n) / (ca[x] * cb[y])).ln())
        .sum();
    let mean = (ha + hb) / 2.0;
    if mean <= 0.0 {
        // Both put everything in one group: they agree.
        return 1.0;
    }
    (mi / mean).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_grouping_under_other_names_scores_one_and_independent_ones_zero() {
        let a = [1, 1, 2, 2, 3, 3];
        let b = ["x", "x", "y", "y", "z", "z"];
        assert!((nmi(&a, &b) - 1.0).abs() < 1e-12);
        let c = [1, 2, 1, 2];
        let d = [1, 1, 2, 2];
        assert!(nmi(&c, &d).abs() < 1e-12);
        // Half right: between.
        let e = [1, 1, 1, 2, 2, 2];
        let f = [1, 1, 2, 2, 3, 3];
        let v = nmi(&e, &f);
        assert!(v > 0.2 && v < 0.8, "{v}");
        // As scikit-learn's normalized_mutual_info_score gives for these (0.5158).
        assert!((v - 0.515_803).abs() < 1e-4, "{v}");
    }
}
