//! Finding themes in the complaints' meaning vectors, with no number of themes given.
//!
//! 1. The vectors are centred on the collection's mean and scaled to unit length: what every
//!    complaint of a collection shares (long narratives share much) is taken out, so that how
//!    close two complaints are means the same in a collection of short messages and in one of
//!    long letters.
//! 2. Spherical k-means over-divides a sample of them into fine groups, about one per
//!    [`ThemeParams::per_group`] complaints (k-means++ seeding, a fixed seed: the same
//!    collection gives the same groups).
//! 3. Groups whose centres are close are joined by average linkage until no two are closer than
//!    [`ThemeParams::join_cosine`]: the number of themes follows from how the complaints lie.
//! 4. Every complaint joins the theme whose centre is nearest; a theme of fewer than
//!    [`ThemeParams::min_size`] complaints is dissolved, its complaints left unsorted.

use rustc_hash::FxHashMap;

/// The knobs of theme discovery. The defaults were chosen on banking77's training messages
/// only (see `make bench`, "Themes").
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeParams {
    /// About how many complaints each fine group of step 2 holds.
    pub per_group: usize,
    /// The fewest and most fine groups.
    pub groups: (usize, usize),
    /// Groups closer than this (cosine of their centres) are one theme.
    pub join_cosine: f32,
    /// The fewest complaints a theme holds; smaller ones are left unsorted.
    pub min_size: usize,
    /// The most complaints the fine groups are drawn from; all are then assigned.
    pub sample: usize,
    pub iterations: usize,
    pub seed: u64,
}

impl Default for ThemeParams {
    fn default() -> Self {
        ThemeParams {
            per_group: 25,
            groups: (8, 400),
            join_cosine: 0.5,
            min_size: 5,
            sample: 20_000,
            iterations: 15,
            seed: 7,
        }
    }
}

/// Vectors of one length, row after row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vectors {
    pub dim: usize,
    pub values: Vec<f32>,
}

impl Vectors {
    pub fn new(dim: usize) -> Vectors {
        Vectors {
            dim,
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, v: &[f32]) {
        debug_assert_eq!(v.len(), self.dim);
        self.values.extend_from_slice(v);
    }

    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.dim).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }

    fn row_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.values[i * self.dim..(i + 1) * self.dim]
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = &[f32]> {
        self.values.chunks_exact(self.dim.max(1))
    }
}

pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Four lanes, so that the compiler vectorises the sum.
    let mut acc = [0f32; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

pub(crate) fn normalise(v: &mut [f32]) {
    let n = dot(v, v).sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// The themes found: each complaint's theme (`None`: unsorted) and each theme's centre, in the
/// space of [`Themes::centre`] (centred and scaled), so that later complaints can join.
#[derive(Debug, Clone, PartialEq)]
pub struct Themes {
    pub assignment: Vec<Option<usize>>,
    /// Each complaint's cosine with its theme's centre (how typical it is of it).
    pub closeness: Vec<f32>,
    pub centres: Vectors,
    /// The collection's mean the vectors were centred on.
    pub mean: Vec<f32>,
    pub sizes: Vec<usize>,
}

impl Themes {
    /// `v` centred on the collection's mean and scaled, as the centres are.
    pub fn centre(&self, v: &[f32]) -> Vec<f32> {
        centred(v, &self.mean)
    }

    /// The `n` complaints most typical of theme `t` (closest to its centre), best first.
    pub fn typical(&self, t: usize, n: usize) -> Vec<usize> {
        let mut members: Vec<(usize, f32)> = self
            .assignment
            .iter()
            .enumerate()
            .filter(|(_, a)| **a == Some(t))
            .map(|(i, _)| (i, self.closeness[i]))
            .collect();
        members.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        members.into_iter().take(n).map(|(i, _)| i).collect()
    }

    /// The theme nearest to complaint vector `v` and its cosine with it.
    pub fn nearest(&self, v: &[f32]) -> Option<(usize, f32)> {
        let c = self.centre(v);
        nearest(&self.centres, &c)
    }
}

fn nearest(centres: &Vectors, v: &[f32]) -> Option<(usize, f32)> {
    centres
        .rows()
        .enumerate()
        .map(|(k, c)| (k, dot(c, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// `v` centred on a collection's `mean` and scaled to length one, as theme centres are.
pub fn centred(v: &[f32], mean: &[f32]) -> Vec<f32> {
    let mut c: Vec<f32> = v.iter().zip(mean).map(|(x, m)| x - m).collect();
    normalise(&mut c);
    c
}

/// The cosine of two vectors of length one.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b)
}

/// A small, seeded random source (SplitMix64): the same collection gives the same themes.
pub(crate) struct Seeded(pub(crate) u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Finds themes among `vectors` (one per complaint, any length, all the same).
pub fn discover(vectors: &Vectors, params: &ThemeParams) -> Themes {
    let n = vectors.len();
    let dim = vectors.dim;
    let mut mean = vec![0f32; dim];
    for row in vectors.rows() {
        for (m, x) in mean.iter_mut().zip(row) {
            *m += x;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1) as f32);
    let centred = |i: usize, out: &mut Vec<f32>| {
        out.clear();
        out.extend(vectors.row(i).iter().zip(&mean).map(|(x, m)| x - m));
        normalise(out);
    };
    let mut random = Seeded(params.seed);
    // The sample the fine groups are drawn from: every complaint, or an even draw. Only the
    // sample is held centred; the rest are centred one at a time as they are assigned.
    let chosen: Vec<usize> = if n <= params.sample {
        (0..n).collect()
    } else {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..params.sample {
            let j = i + random.below(n - i);
            all.swap(i, j);
        }
        all.truncate(params.sample);
        all.sort_unstable();
        all
    };
    let mut points = Vectors::new(dim);
    let mut row = Vec::with_capacity(dim);
    for &i in &chosen {
        centred(i, &mut row);
        points.push(&row);
    }
    let sample: Vec<usize> = (0..chosen.len()).collect();
    let k = (sample.len() / params.per_group.max(1))
        .clamp(params.groups.0, params.groups.1)
        .min(sample.len());
    let fine = kmeans(&points, &sample, k, params.iterations, &mut random);
    // Sizes of the fine groups over the sample.
    let mut fine_sizes = vec![0usize; fine.len()];
    for &i in &sample {
        if let Some((g, _)) = nearest(&fine, points.row(i)) {
            fine_sizes[g] += 1;
        }
    }
    let joined = join(&fine, &fine_sizes, params.join_cosine);
    let mut centres = Vectors::new(dim);
    for members in &joined {
        let mut c = vec![0f32; dim];
        for &g in members {
            let w = fine_sizes[g] as f32;
            for (x, y) in c.iter_mut().zip(fine.row(g)) {
                *x += w * y;
            }
        }
        normalise(&mut c);
        centres.push(&c);
    }
    let (mut assignment, closeness): (Vec<Option<usize>>, Vec<f32>) = (0..n)
        .map(|i| {
            centred(i, &mut row);
            match nearest(&centres, &row) {
                Some((t, c)) => (Some(t), c),
                None => (None, 0.0),
            }
        })
        .unzip();
    // Dissolve themes too small to stand for anything; renumber those that stay.
    let mut sizes = vec![0usize; centres.len()];
    for t in assignment.iter().flatten() {
        sizes[*t] += 1;
    }
    let mut renumber: FxHashMap<usize, usize> = FxHashMap::default();
    let mut kept = Vectors::new(dim);
    let mut kept_sizes = Vec::new();
    for (t, &size) in sizes.iter().enumerate() {
        if size >= params.min_size.max(1) {
            renumber.insert(t, kept_sizes.len());
            kept.push(centres.row(t));
            kept_sizes.push(size);
        }
    }
    for a in &mut assignment {
        *a = a.and_then(|t| renumber.get(&t).copied());
    }
    Themes {
        assignment,
        closeness,
        centres: kept,
        mean,
        sizes: kept_sizes,
    }
}

/// Spherical k-means over the rows `sample` of `points` (unit vectors): `k` centres.
pub(crate) fn kmeans(
    points: &Vectors,
    sample: &[usize],
    k: usize,
    iterations: usize,
    random: &mut Seeded,
) -> Vectors {
    let dim = points.dim;
    let mut centres = Vectors::new(dim);
    if sample.is_empty() || k == 0 {
        return centres;
    }
    // k-means++: each next centre drawn with odds growing with its distance to the nearest.
    let first = sample[random.below(sample.len())];
    centres.push(points.row(first));
    let mut far: Vec<f64> = sample
        .iter()
        .map(|&i| f64::from(1.0 - dot(points.row(i), points.row(first))).max(0.0))
        .collect();
    while centres.len() < k {
        let total: f64 = far.iter().sum();
        let pick = if total > 0.0 {
            let mut r = random.unit() * total;
            let mut chosen = sample.len() - 1;
            for (j, d) in far.iter().enumerate() {
                if r < *d {
                    chosen = j;
                    break;
                }
                r -= d;
            }
            chosen
        } else {
            random.below(sample.len())
        };
        let c = points.row(sample[pick]).to_vec();
        for (j, &i) in sample.iter().enumerate() {
            far[j] = far[j].min(f64::from(1.0 - dot(points.row(i), &c)).max(0.0));
        }
        centres.push(&c);
    }
    let mut owner = vec![usize::MAX; sample.len()];
    for _ in 0..iterations {
        let mut moved = false;
        for (j, &i) in sample.iter().enumerate() {
            let best = nearest(&centres, points.row(i)).map_or(0, |(g, _)| g);
            moved |= owner[j] != best;
            owner[j] = best;
        }
        if !moved {
            break;
        }
        let mut sums = vec![0f32; k * dim];
        for (j, &i) in sample.iter().enumerate() {
            let s = &mut sums[owner[j] * dim..(owner[j] + 1) * dim];
            s.iter_mut().zip(points.row(i)).for_each(|(a, b)| *a += b);
        }
        for g in 0..k {
            let s = &mut sums[g * dim..(g + 1) * dim];
            // An empty group keeps its centre.
            if s.iter().any(|x| *x != 0.0) {
                normalise(s);
                centres.row_mut(g).copy_from_slice(s);
            }
        }
    }
    centres
}

/// Joins the fine groups by average linkage (each group counting once) while two are closer
/// than `cosine`; returns the members of each joined group.
fn join(fine: &Vectors, sizes: &[usize], cosine: f32) -> Vec<Vec<usize>> {
    let live: Vec<usize> = (0..fine.len()).filter(|&g| sizes[g] > 0).collect();
    let mut members: Vec<Vec<usize>> = live.iter().map(|&g| vec![g]).collect();
    let m = members.len();
    // Similarity between current groups; merged-away rows are dropped.
    let mut sim = vec![0f32; m * m];
    for a in 0..m {
        for b in 0..m {
            sim[a * m + b] = dot(fine.row(live[a]), fine.row(live[b]));
        }
    }
    let mut alive = vec![true; m];
    loop {
        let mut best: Option<(f32, usize, usize)> = None;
        for a in 0..m {
            if !alive[a] {
                continue;
            }
            for b in a + 1..m {
                if alive[b] && best.is_none_or(|(s, _, _)| sim[a * m + b] > s) {
                    best = Some((sim[a * m + b], a, b));
                }
            }
        }
        let Some((s, a, b)) = best else { break };
        if s < cosine {
            break;
        }
        // Average linkage: the joined group's similarity to each other is the mean over all
        // pairs of their fine groups.
        let (na, nb) = (members[a].len() as f32, members[b].len() as f32);
        for c in 0..m {
            if alive[c] && c != a && c != b {
                let v = (na * sim[a * m + c] + nb * sim[b * m + c]) / (na + nb);
                sim[a * m + c] = v;
                sim[c * m + a] = v;
            }
        }
        let moved = std::mem::take(&mut members[b]);
        members[a].extend(moved);
        alive[b] = false;
    }
    // Members are the fine groups' own numbers (empty groups left out above).
    members
        .into_iter()
        .zip(alive)
        .filter(|(_, a)| *a)
        .map(|(g, _)| g)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `per` noisy points around each of `directions` unit directions.
    fn blobs(directions: usize, per: usize, dim: usize, noise: f32) -> (Vectors, Vec<usize>) {
        let mut random = Seeded(1);
        let mut v = Vectors::new(dim);
        let mut truth = Vec::new();
        for d in 0..directions {
            for _ in 0..per {
                let mut p: Vec<f32> = (0..dim)
                    .map(|i| {
                        let base = if i == d { 1.0 } else { 0.0 };
                        base + noise * (random.unit() as f32 - 0.5)
                    })
                    .collect();
                normalise(&mut p);
                v.push(&p);
                truth.push(d);
            }
        }
        (v, truth)
    }

    #[test]
    fn separate_groups_become_one_theme_each_without_being_told_how_many() {
        for (directions, per) in [(3, 40), (7, 60)] {
            let (v, truth) = blobs(directions, per, 16, 0.3);
            let t = discover(&v, &ThemeParams::default());
            assert_eq!(t.centres.len(), directions, "{directions} directions");
            // Every complaint of one direction shares its theme with the others of it.
            for d in 0..directions {
                let themes: std::collections::HashSet<_> = truth
                    .iter()
                    .zip(&t.assignment)
                    .filter(|(g, _)| **g == d)
                    .map(|(_, a)| *a)
                    .collect();
                assert_eq!(themes.len(), 1, "direction {d}: {themes:?}");
                assert!(themes.iter().all(Option::is_some));
            }
            assert_eq!(t.sizes.iter().sum::<usize>(), directions * per);
        }
    }

    #[test]
    fn a_theme_too_small_is_left_unsorted_and_later_complaints_find_their_theme() {
        let (mut v, _) = blobs(3, 40, 16, 0.3);
        // Three strays in a direction of their own.
        let (strays, _) = blobs(4, 3, 16, 0.3);
        for i in 9..12 {
            v.push(strays.row(i));
        }
        let t = discover(&v, &ThemeParams::default());
        assert_eq!(t.centres.len(), 3);
        assert!(t.assignment[120..].iter().all(Option::is_none));
        let (probe, _) = blobs(3, 1, 16, 0.1);
        let a = t.nearest(probe.row(0)).unwrap().0;
        assert_eq!(
            Some(a),
            t.assignment[0],
            "a new complaint joins its own kind"
        );
    }

    #[test]
    fn joining_skips_empty_groups_and_names_the_others_by_their_own_numbers() {
        let mut fine = Vectors::new(2);
        for v in [[1.0, 0.0], [0.0, 1.0], [0.99, 0.14], [0.6, 0.8]] {
            let mut v = v.to_vec();
            normalise(&mut v);
            fine.push(&v);
        }
        // Group 1 is empty: 0 and 2 are close and join; 3 stays alone.
        let mut joined = join(&fine, &[4, 0, 3, 2], 0.9);
        joined.iter_mut().for_each(|g| g.sort_unstable());
        joined.sort();
        assert_eq!(joined, [vec![0, 2], vec![3]]);
    }

    #[test]
    fn the_same_vectors_give_the_same_themes() {
        let (v, _) = blobs(5, 30, 8, 0.6);
        let p = ThemeParams::default();
        assert_eq!(discover(&v, &p), discover(&v, &p));
        let empty = discover(&Vectors::new(8), &p);
        assert!(empty.assignment.is_empty() && empty.centres.is_empty());
    }
}
