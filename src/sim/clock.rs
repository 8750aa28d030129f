//! A node's local clock: virtual time seen through a rate error (drift), so leases can be
//! tested against clocks that run fast or slow.

/// Local time = `anchor_local_us + (global - anchor_global_us) * (1e6 + rate_ppm) / 1e6`.
/// Changing the rate re-anchors at the current moment, so local time stays continuous and
/// never goes backwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    anchor_global_us: u64,
    anchor_local_us: u64,
    rate_ppm: i32,
}

const MILLION: i128 = 1_000_000;

impl Clock {
    pub fn exact(now_us: u64) -> Self {
        Clock {
            anchor_global_us: now_us,
            anchor_local_us: now_us,
            rate_ppm: 0,
        }
    }

    pub fn rate_ppm(&self) -> i32 {
        self.rate_ppm
    }

    pub fn local(&self, global_us: u64) -> u64 {
        let elapsed = i128::from(global_us.saturating_sub(self.anchor_global_us));
        let local = i128::from(self.anchor_local_us)
            + elapsed * (MILLION + i128::from(self.rate_ppm)) / MILLION;
        local as u64
    }

    /// The first global time at which this clock reads at least `local_us`.
    pub fn global(&self, local_us: u64) -> u64 {
        if local_us <= self.anchor_local_us {
            return self.anchor_global_us;
        }
        let elapsed = i128::from(local_us - self.anchor_local_us);
        let rate = MILLION + i128::from(self.rate_ppm);
        let global_elapsed = (elapsed * MILLION + rate - 1) / rate;
        let global = self.anchor_global_us + global_elapsed as u64;
        debug_assert!(self.local(global) >= local_us);
        global
    }

    pub fn set_rate(&mut self, now_us: u64, rate_ppm: i32) {
        self.anchor_local_us = self.local(now_us);
        self.anchor_global_us = now_us;
        self.rate_ppm = rate_ppm;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_scales_elapsed_time_and_inverts() {
        let mut clock = Clock::exact(1_000);
        clock.set_rate(1_000, 50_000);
        assert_eq!(clock.local(101_000), 1_000 + 105_000);
        for local in [1_000, 1_001, 50_000, 106_000, 999_999] {
            let global = clock.global(local);
            assert!(clock.local(global) >= local);
            assert!(
                global == 1_000 || clock.local(global - 1) < local,
                "first such global time"
            );
        }
        let before = clock.local(200_000);
        clock.set_rate(200_000, -50_000);
        assert_eq!(
            clock.local(200_000),
            before,
            "re-anchoring keeps time continuous"
        );
        assert_eq!(clock.local(300_000), before + 95_000);
    }
}
