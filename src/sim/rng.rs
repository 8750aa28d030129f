//! Randomness for a run: one master seed, and an independent stream per concern.
//!
//! Each stream is a `Pcg32` (rand_pcg, which promises value stability) seeded from the master
//! seed and the stream's name, so turning on a fault (more draws from `faults`) does not change
//! what the network draws. Ranges are mapped with Lemire's multiply-shift, written here, so no
//! distribution code from a crate can change a run across upgrades.

use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg32;

use crate::raft::RandomSource;

/// A deterministic stream of random numbers.
#[derive(Clone, Debug)]
pub struct Stream(Pcg32);

impl Stream {
    pub fn new(master_seed: u64, name: &str) -> Self {
        Stream(Pcg32::seed_from_u64(mix(
            master_seed ^ fnv1a(name.as_bytes())
        )))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..bound` (`bound > 0`).
    pub fn below(&mut self, bound: u64) -> u64 {
        debug_assert!(bound > 0, "empty range");
        ((self.next_u64() as u128 * bound as u128) >> 64) as u64
    }

    /// Uniform in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        debug_assert!(low <= high, "empty range {low}..={high}");
        low + self.below(high - low + 1)
    }

    /// True with probability `ppm` parts per million.
    pub fn chance_ppm(&mut self, ppm: u32) -> bool {
        ppm > 0 && self.below(1_000_000) < u64::from(ppm)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

impl RandomSource for Stream {
    fn next_u64(&mut self) -> u64 {
        Stream::next_u64(self)
    }
}

/// The streams of one run.
#[derive(Clone, Debug)]
pub struct Streams {
    /// Latency, loss, duplication.
    pub network: Stream,
    /// Election timeouts, handed to the Raft nodes.
    pub timers: Stream,
    /// Workload operations and their timing.
    pub clients: Stream,
    /// Crash points and restarts chosen by the simulator.
    pub faults: Stream,
    /// How long disk writes take.
    pub disk: Stream,
}

impl Streams {
    pub fn new(master_seed: u64) -> Self {
        Streams {
            network: Stream::new(master_seed, "network"),
            timers: Stream::new(master_seed, "timers"),
            clients: Stream::new(master_seed, "clients"),
            faults: Stream::new(master_seed, "faults"),
            disk: Stream::new(master_seed, "disk"),
        }
    }
}

/// splitmix64's finalizer: spreads nearby seeds far apart.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, 64-bit: a stable hash of bytes (std's hashers promise no stability).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeds and links must replay identically across dependency upgrades: these are the first
    /// outputs of the network stream for seed 7, as first recorded. If this test fails, the
    /// generator changed and every saved link would replay differently.
    #[test]
    fn streams_are_stable_across_upgrades() {
        let mut stream = Stream::new(7, "network");
        let first: Vec<u64> = (0..3).map(|_| stream.next_u64()).collect();
        assert_eq!(first, RECORDED_SEED_7_NETWORK);
    }

    const RECORDED_SEED_7_NETWORK: [u64; 3] = [
        3_767_039_481_774_671_569,
        4_753_585_287_258_320_566,
        18_019_218_664_873_231_239,
    ];

    #[test]
    fn streams_are_independent() {
        let mut a = Streams::new(1);
        let mut b = Streams::new(1);
        for _ in 0..100 {
            a.faults.next_u64();
        }
        assert_eq!(
            a.network.next_u64(),
            b.network.next_u64(),
            "draws from faults leave network alone"
        );
        assert_ne!(
            Streams::new(1).network.next_u64(),
            Streams::new(2).network.next_u64()
        );
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut stream = Stream::new(3, "test");
        for _ in 0..10_000 {
            assert!(stream.below(7) < 7);
            let value = stream.between(10, 12);
            assert!((10..=12).contains(&value));
        }
        assert!(!stream.chance_ppm(0));
        assert!(stream.chance_ppm(1_000_000));
    }
}
