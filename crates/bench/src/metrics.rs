//! nDCG@k and P@k with graded relevance.

/// nDCG@k of `ranked` grades (in result order) against all grades that exist.
pub fn ndcg(ranked: &[u8], all: &[u8], k: usize) -> f64 {
    let dcg = |g: &[u8]| -> f64 {
        g.iter()
            .take(k)
            .enumerate()
            .map(|(i, &r)| (2f64.powi(i32::from(r)) - 1.0) / ((i + 2) as f64).log2())
            .sum()
    };
    let mut ideal = all.to_vec();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let best = dcg(&ideal);
    if best == 0.0 { 0.0 } else { dcg(ranked) / best }
}

/// Share of the first k results that are relevant at all.
pub fn precision(ranked: &[u8], k: usize) -> f64 {
    ranked.iter().take(k).filter(|&&g| g > 0).count() as f64 / k as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_ranking_scores_one() {
        assert!((ndcg(&[2, 2, 1], &[2, 1, 2, 0], 10) - 1.0).abs() < 1e-9);
        assert!(ndcg(&[0, 0, 2], &[2], 10) < 0.6);
        assert_eq!(precision(&[1, 0, 2, 0], 4), 0.5);
    }
}
