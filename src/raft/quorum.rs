//! Majority arithmetic, as small pure functions (compare etcd's `quorum/majority.go`).

use super::types::Index;

/// How many of `voters` make a majority.
pub fn majority(voters: usize) -> usize {
    voters / 2 + 1
}

/// The largest index that at least a majority of voters hold, given each voter's match index.
/// With no voters, nothing is committed.
pub fn quorum_index(match_indices: Vec<Index>) -> Index {
    // The answer is one of the match indices: the largest that a majority of them reach.
    // Counted rather than sorted: a cluster has a handful of voters, and the page's wasm then
    // needs no sort instantiated for the core.
    let needed = majority(match_indices.len());
    let held_by_majority = |&candidate: &Index| {
        match_indices
            .iter()
            .filter(|&&index| index >= candidate)
            .count()
            >= needed
    };
    match_indices
        .iter()
        .copied()
        .filter(held_by_majority)
        .max()
        .unwrap_or(0)
}

/// Where an election stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteResult {
    Won,
    Lost,
    Pending,
}

/// The outcome of an election among `voters` voters with `granted` votes for and `rejected`
/// against.
pub fn vote_result(voters: usize, granted: usize, rejected: usize) -> VoteResult {
    debug_assert!(granted + rejected <= voters, "more answers than voters");
    let needed = majority(voters);
    if granted >= needed {
        VoteResult::Won
    } else if voters - rejected < needed {
        VoteResult::Lost
    } else {
        VoteResult::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majorities() {
        for (voters, expected) in [
            (1, 1),
            (2, 2),
            (3, 2),
            (4, 3),
            (5, 3),
            (6, 4),
            (7, 4),
            (15, 8),
        ] {
            assert_eq!(majority(voters), expected, "{voters} voters");
        }
    }

    #[test]
    fn quorum_index_is_what_a_majority_holds() {
        let cases: &[(&[Index], Index)] = &[
            (&[], 0),
            (&[7], 7),
            (&[5, 3], 3),
            (&[5, 3, 1], 3),
            (&[1, 3, 5], 3),
            (&[2, 2, 9], 2),
            (&[4, 8, 8, 1], 4),
            (&[10, 9, 8, 7, 6], 8),
            (&[0, 0, 0, 9, 9], 0),
            (&[6, 6, 6, 0, 0], 6),
        ];
        for (matches, expected) in cases {
            assert_eq!(quorum_index(matches.to_vec()), *expected, "{matches:?}");
        }
    }

    #[test]
    fn vote_results() {
        use VoteResult::*;
        for (voters, granted, rejected, expected) in [
            (1, 1, 0, Won),
            (1, 0, 0, Pending),
            (1, 0, 1, Lost),
            (3, 1, 0, Pending),
            (3, 2, 0, Won),
            (3, 1, 1, Pending),
            (3, 1, 2, Lost),
            (4, 2, 1, Pending),
            (4, 2, 2, Lost),
            (4, 3, 1, Won),
            (5, 2, 2, Pending),
            (5, 2, 3, Lost),
            (5, 3, 2, Won),
        ] {
            assert_eq!(
                vote_result(voters, granted, rejected),
                expected,
                "{voters} {granted} {rejected}"
            );
        }
    }
}
