//! What users do to themes (merge two, split one in two) and the sorting of complaints read
//! after a discovery into the themes it found.
//!
//! A discovery starts afresh from the complaints, so the edits users made are kept as a list
//! and replayed on every discovery ([`replay`]), each one found again by the centres it was
//! made with: a merge folds the new theme closest to the one merged in into the one kept; a
//! split sends each member of the theme split to whichever of the two parts' centres it is
//! closer to.

use uuid::Uuid;

use super::cluster::{Seeded, Themes, Vectors, centred, dot, kmeans};

/// An edit a user made, with the centres (in a discovery's centred space) that find it again.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Theme `merged` was folded into theme `into`.
    Merge { into: Uuid, merged_centre: Vec<f32> },
    /// The part of theme `theme` nearer `off_centre` than `kept_centre` became theme `off`.
    Split {
        theme: Uuid,
        off: Uuid,
        kept_centre: Vec<f32>,
        off_centre: Vec<f32>,
    },
}

/// Replays `edits`, in the order they were made, on the themes of a discovery (`ids` are the
/// themes' ids, in the order of `themes.centres`); `vectors` are the complaints the discovery
/// sorted. A merge finds the theme it folds in among those at least `same` close to the
/// centre it was made with; an edit whose theme is gone is passed over. Themes left without
/// complaints are dropped.
pub fn replay(
    themes: &mut Themes,
    ids: &mut Vec<Uuid>,
    vectors: &Vectors,
    edits: &[Edit],
    same: f32,
) {
    for edit in edits {
        match edit {
            Edit::Merge {
                into,
                merged_centre,
            } => {
                let closest = (0..ids.len())
                    .filter(|&t| ids[t] != *into && themes.sizes[t] > 0)
                    .map(|t| (t, dot(themes.centres.row(t), merged_centre)))
                    .filter(|(_, cos)| *cos >= same)
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                let Some((merged, _)) = closest else { continue };
                match ids.iter().position(|id| id == into) {
                    Some(kept) => move_members(themes, vectors, merged, kept, |_| true),
                    // The theme kept is gone: the one merged in takes its place.
                    None => ids[merged] = *into,
                }
            }
            Edit::Split {
                theme,
                off,
                kept_centre,
                off_centre,
            } => {
                let Some(t) = ids.iter().position(|id| id == theme) else {
                    continue;
                };
                let to = match ids.iter().position(|id| id == off) {
                    Some(to) => to,
                    None => {
                        themes.centres.push(off_centre);
                        themes.sizes.push(0);
                        ids.push(*off);
                        ids.len() - 1
                    }
                };
                move_members(themes, vectors, t, to, |v| {
                    dot(v, off_centre) > dot(v, kept_centre)
                });
            }
        }
    }
    drop_empty(themes, ids);
}

/// Moves the members of theme `from` for which `moves` holds (given their centred vector) to
/// theme `to`, measuring their closeness to its centre.
fn move_members(
    themes: &mut Themes,
    vectors: &Vectors,
    from: usize,
    to: usize,
    moves: impl Fn(&[f32]) -> bool,
) {
    for i in 0..themes.assignment.len() {
        if themes.assignment[i] != Some(from) {
            continue;
        }
        let v = themes.centre(vectors.row(i));
        if moves(&v) {
            themes.assignment[i] = Some(to);
            themes.closeness[i] = dot(themes.centres.row(to), &v);
            themes.sizes[from] -= 1;
            themes.sizes[to] += 1;
        }
    }
}

fn drop_empty(themes: &mut Themes, ids: &mut Vec<Uuid>) {
    let mut renumber = vec![None; ids.len()];
    let mut centres = Vectors::new(themes.centres.dim);
    let (mut kept_ids, mut sizes) = (Vec::new(), Vec::new());
    for t in 0..ids.len() {
        if themes.sizes[t] > 0 {
            renumber[t] = Some(kept_ids.len());
            centres.push(themes.centres.row(t));
            kept_ids.push(ids[t]);
            sizes.push(themes.sizes[t]);
        }
    }
    for a in &mut themes.assignment {
        *a = a.and_then(|t| renumber[t]);
    }
    (themes.centres, themes.sizes, *ids) = (centres, sizes, kept_ids);
}

/// Measures each member's closeness to its theme's centre again, as kept centres and mean
/// read back (`kept` turns a vector into what is kept of it), so that what later complaints
/// are measured against ([`sort_into`]) is what the members were measured against.
pub fn measure_as_kept(themes: &mut Themes, vectors: &Vectors, kept: impl Fn(&[f32]) -> Vec<f32>) {
    themes.mean = kept(&themes.mean);
    let mut centres = Vectors::new(themes.centres.dim);
    for row in themes.centres.rows() {
        centres.push(&kept(row));
    }
    themes.centres = centres;
    for i in 0..themes.assignment.len() {
        if let Some(t) = themes.assignment[i] {
            themes.closeness[i] = dot(themes.centres.row(t), &themes.centre(vectors.row(i)));
        }
    }
}

/// A theme split in two: the centres of the part that stays and of the part split off (the
/// smaller), and which of the members go.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub kept_centre: Vec<f32>,
    pub off_centre: Vec<f32>,
    pub goes: Vec<bool>,
}

/// Splits the members of a theme (their centred, unit vectors) into its two most distinct
/// parts; `None` when either part would have fewer than `min_size` members.
pub fn split_in_two(members: &Vectors, min_size: usize) -> Option<Split> {
    let all: Vec<usize> = (0..members.len()).collect();
    let centres = kmeans(members, &all, 2, 25, &mut Seeded(7));
    if centres.len() < 2 {
        return None;
    }
    let (a, b) = (centres.row(0), centres.row(1));
    let to_b: Vec<bool> = members.rows().map(|v| dot(v, b) > dot(v, a)).collect();
    let in_b = to_b.iter().filter(|x| **x).count();
    let in_a = to_b.len() - in_b;
    if in_a.min(in_b) < min_size.max(1) {
        return None;
    }
    let (kept, off, goes) = if in_b <= in_a {
        (a, b, to_b)
    } else {
        (b, a, to_b.iter().map(|x| !x).collect())
    };
    Some(Split {
        kept_centre: kept.to_vec(),
        off_centre: off.to_vec(),
        goes,
    })
}

/// Where a complaint read after the discovery belongs: the theme whose centre is nearest its
/// vector `v` (centred on `mean`), when it is no further from that centre than twice the
/// theme's least typical member (its cosine with the centre is `floors[t]`), so that a theme
/// reaches only a little beyond where it was found; `None` (unsorted) otherwise.
pub fn sort_into(
    v: &[f32],
    mean: &[f32],
    centres: &Vectors,
    floors: &[f32],
) -> Option<(usize, f32)> {
    let c = centred(v, mean);
    let (t, cos) = centres
        .rows()
        .enumerate()
        .map(|(t, centre)| (t, dot(centre, &c)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (1.0 - cos <= 2.0 * (1.0 - floors[t])).then_some((t, cos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::themes::cluster::normalise;
    use crate::themes::{ThemeParams, discover};

    /// Unit vectors around `axes`, `per` each, with a little spread.
    fn around(axes: &[usize], per: usize, dim: usize) -> Vectors {
        let mut v = Vectors::new(dim);
        for &a in axes {
            for i in 0..per {
                let mut x = vec![0f32; dim];
                x[a] = 1.0;
                x[(a + 1 + i % 3) % dim] += 0.15;
                normalise(&mut x);
                v.push(&x);
            }
        }
        v
    }

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::new_v4()).collect()
    }

    fn theme_of(themes: &Themes, i: usize) -> Option<usize> {
        themes.assignment[i]
    }

    #[test]
    fn a_merge_replayed_folds_the_theme_merged_in_into_the_one_kept() {
        let v = around(&[0, 4, 8], 20, 12);
        let mut t = discover(&v, &ThemeParams::default());
        assert_eq!(t.centres.len(), 3);
        let mut names = ids(3);
        let (a, b) = (theme_of(&t, 0).unwrap(), theme_of(&t, 20).unwrap());
        let merge = Edit::Merge {
            into: names[a],
            merged_centre: t.centres.row(b).to_vec(),
        };
        let kept = names[a];
        replay(&mut t, &mut names, &v, &[merge], 0.8);
        assert_eq!(names.len(), 2);
        let k = names.iter().position(|id| *id == kept).unwrap();
        assert!((0..40).all(|i| theme_of(&t, i) == Some(k)));
        assert_eq!(t.sizes[k], 40);
        assert_ne!(theme_of(&t, 40), Some(k));
    }

    #[test]
    fn a_split_replayed_sends_each_member_to_the_nearer_part() {
        // One theme whose members lean two ways.
        let mut v = Vectors::new(6);
        for i in 0..40 {
            let mut x = vec![0f32; 6];
            x[0] = 1.0;
            x[if i < 25 { 1 } else { 2 }] = 0.6;
            x[3 + i % 3] = 0.05;
            normalise(&mut x);
            v.push(&x);
        }
        let params = ThemeParams {
            groups: (1, 1),
            ..ThemeParams::default()
        };
        let mut t = discover(&v, &params);
        assert_eq!(t.centres.len(), 1);
        let members = {
            let mut m = Vectors::new(6);
            for i in 0..v.len() {
                m.push(&t.centre(v.row(i)));
            }
            m
        };
        let split = split_in_two(&members, 5).unwrap();
        assert_eq!(split.goes.iter().filter(|g| **g).count(), 15);
        assert!(split.goes[30] && !split.goes[0]);
        let (theme, off) = (Uuid::new_v4(), Uuid::new_v4());
        let mut names = vec![theme];
        let edit = Edit::Split {
            theme,
            off,
            kept_centre: split.kept_centre,
            off_centre: split.off_centre,
        };
        replay(&mut t, &mut names, &v, &[edit], 0.8);
        assert_eq!(names, vec![theme, off]);
        assert_eq!(t.sizes, vec![25, 15]);
        assert!((25..40).all(|i| theme_of(&t, i) == Some(1)));
        // Too small a part is no split.
        assert_eq!(split_in_two(&members, 16), None);
    }

    #[test]
    fn an_edit_whose_theme_is_gone_is_passed_over() {
        let v = around(&[0, 4], 20, 8);
        let mut t = discover(&v, &ThemeParams::default());
        let mut names = ids(2);
        let before = (t.clone(), names.clone());
        let gone = Edit::Split {
            theme: Uuid::new_v4(),
            off: Uuid::new_v4(),
            kept_centre: t.centres.row(0).to_vec(),
            off_centre: t.centres.row(1).to_vec(),
        };
        let far = Edit::Merge {
            into: names[0],
            merged_centre: {
                let mut x = vec![0f32; 8];
                x[6] = 1.0;
                x
            },
        };
        replay(&mut t, &mut names, &v, &[gone, far], 0.8);
        assert_eq!((t, names), before);
    }

    #[test]
    fn a_complaint_read_later_joins_its_theme_only_within_the_theme_s_reach() {
        let v = around(&[0, 4], 20, 8);
        let t = discover(&v, &ThemeParams::default());
        let floors: Vec<f32> = (0..t.centres.len())
            .map(|k| {
                (0..v.len())
                    .filter(|&i| t.assignment[i] == Some(k))
                    .map(|i| t.closeness[i])
                    .fold(f32::INFINITY, f32::min)
            })
            .collect();
        let near = v.row(3).to_vec();
        assert_eq!(
            sort_into(&near, &t.mean, &t.centres, &floors).map(|s| s.0),
            t.assignment[3]
        );
        let mut elsewhere = vec![0f32; 8];
        elsewhere[6] = 1.0;
        assert_eq!(sort_into(&elsewhere, &t.mean, &t.centres, &floors), None);
    }
}
