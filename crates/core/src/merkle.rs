//! The Merkle tree over the organisation log, hashed as in RFC 9162 (Certificate
//! Transparency 2.0), section 2.1: a leaf is `SHA-256(0x00 || data)`, an inner node
//! `SHA-256(0x01 || left || right)`, the tree over `n` leaves splits at the largest power of
//! two below `n`, and the empty tree's root is `SHA-256()` of nothing. A leaf's data is the
//! 32 bytes of one entry's version 2 hash, in the order the sequencer numbered them.
//!
//! A signed checkpoint commits to (tree size, root). Whoever holds the leaves checks a
//! checkpoint by computing the root at its size ([`Tree::root_at`] keeps every size's root
//! cheap to have while leaves are added); a laptop keeps the inclusion proof of its own newest
//! entry ([`inclusion_proof`], checked with [`verify_inclusion`]) as a receipt.

use sha2::{Digest, Sha256};

/// A SHA-256 value.
pub type Hash = [u8; 32];

/// The hash of a leaf whose data is `data`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A tree grown one leaf at a time, keeping only the perfect subtrees along its right edge.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    size: u64,
    /// (height, hash) of each perfect subtree, largest first.
    edge: Vec<(u32, Hash)>,
}

impl Tree {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many leaves the tree has.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds a leaf (its leaf hash, see [`leaf_hash`]).
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(height, left)) = self.edge.last() {
            if height != node.0 {
                break;
            }
            self.edge.pop();
            node = (height + 1, node_hash(&left, &node.1));
        }
        self.edge.push(node);
        self.size += 1;
    }

    /// The root of the tree as it is now.
    pub fn root(&self) -> Hash {
        let mut nodes = self.edge.iter().rev();
        let Some(&(_, mut root)) = nodes.next() else {
            return empty_root();
        };
        for (_, left) in nodes {
            root = node_hash(left, &root);
        }
        root
    }

    /// The root over the first `n` leaves of `leaves` (leaf hashes).
    pub fn root_at(leaves: &[Hash], n: usize) -> Hash {
        let mut t = Tree::new();
        for l in &leaves[..n.min(leaves.len())] {
            t.push(*l);
        }
        t.root()
    }
}

/// The root of the tree over `leaves` (leaf hashes), by the recursive definition.
fn subtree_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&subtree_root(&leaves[..k]), &subtree_root(&leaves[k..]))
        }
    }
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The audit path of leaf `m` in the tree over `leaves` (RFC 9162, 2.1.3.1); `None` when `m`
/// is not a leaf of that tree.
pub fn inclusion_proof(leaves: &[Hash], m: usize) -> Option<Vec<Hash>> {
    if m >= leaves.len() {
        return None;
    }
    fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
        if leaves.len() <= 1 {
            return;
        }
        let k = split(leaves.len());
        if m < k {
            path(m, &leaves[..k], out);
            out.push(subtree_root(&leaves[k..]));
        } else {
            path(m - k, &leaves[k..], out);
            out.push(subtree_root(&leaves[..k]));
        }
    }
    let mut out = Vec::new();
    path(m, leaves, &mut out);
    Some(out)
}

/// Checks that `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves whose root
/// is `root` (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

/// Lower-case hexadecimal.
pub fn to_hex(h: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(h.len() * 2);
    for b in h {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Reads 64 hexadecimal digits.
pub fn from_hex(s: &str) -> Option<Hash> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&(i as u64).to_be_bytes()))
            .collect()
    }

    #[test]
    fn the_empty_tree_has_the_hash_of_nothing_as_root() {
        assert_eq!(
            to_hex(&Tree::new().root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn growing_one_leaf_at_a_time_gives_the_recursive_root_at_every_size() {
        let all = leaves(70);
        let mut t = Tree::new();
        for n in 1..=all.len() {
            t.push(all[n - 1]);
            assert_eq!(t.root(), subtree_root(&all[..n]), "size {n}");
        }
        // Three leaves: the left pair, then the third on its own.
        let three = node_hash(&node_hash(&all[0], &all[1]), &all[2]);
        assert_eq!(Tree::root_at(&all, 3), three);
    }

    #[test]
    fn every_inclusion_proof_checks_and_a_wrong_one_does_not() {
        let all = leaves(23);
        for n in 1..=all.len() {
            let root = Tree::root_at(&all, n);
            for m in 0..n {
                let proof = inclusion_proof(&all[..n], m).unwrap();
                assert!(
                    verify_inclusion(&all[m], m as u64, n as u64, &proof, &root),
                    "leaf {m} of {n}"
                );
                if n > 1 {
                    let other = (m + 1) % n;
                    assert!(!verify_inclusion(
                        &all[other],
                        m as u64,
                        n as u64,
                        &proof,
                        &root
                    ));
                }
            }
        }
    }

    #[test]
    fn hex_reads_back() {
        let h = leaf_hash(b"x");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex("zz"), None);
    }
}
