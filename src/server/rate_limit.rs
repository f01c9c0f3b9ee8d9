//! Fixed-window rate limits kept in memory, keyed by what is being limited.

use std::collections::HashMap;
use std::mem;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

/// Counts hits per key and refuses them past a limit within one window.
///
/// Keys live in two generations that rotate once a window: a key not hit for
/// two windows is dropped with its whole generation, so memory follows the
/// keys in recent use and no hit ever scans the map.
#[derive(Debug, Default)]
pub struct RateLimiter {
    state: Mutex<Generations>,
}

#[derive(Debug, Default)]
struct Generations {
    current: HashMap<String, Window>,
    previous: HashMap<String, Window>,
    rotated_at: Option<Instant>,
}

/// When a key's window started and how many hits fell in it.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    hits: u32,
}

impl RateLimiter {
    /// Records one hit for `key`; refuses it when `limit` hits already fell in
    /// the current `window` (every caller of one limiter uses the same window).
    pub fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<(), AppError> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.rotate(now, window);
        let entry = match state.previous.remove(key) {
            Some(carried) => state.current.entry(key.to_owned()).or_insert(carried),
            None => state.current.entry(key.to_owned()).or_insert(Window {
                started: now,
                hits: 0,
            }),
        };
        if now.duration_since(entry.started) >= window {
            *entry = Window {
                started: now,
                hits: 0,
            };
        }
        if entry.hits >= limit {
            let retry = window
                .saturating_sub(now.duration_since(entry.started))
                .as_secs()
                .max(1);
            return Err(AppError::RateLimited {
                retry_after_secs: retry,
            });
        }
        entry.hits += 1;
        Ok(())
    }

    /// Forgets `key`, e.g. after a successful sign-in.
    pub fn reset(&self, key: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.current.remove(key);
        state.previous.remove(key);
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.current.len() + state.previous.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Generations {
    /// Once a window has passed, the current generation becomes the previous
    /// one and the previous one, whose windows have all ended, is dropped.
    fn rotate(&mut self, now: Instant, window: Duration) {
        match self.rotated_at {
            Some(at) if now.duration_since(at) < window => {}
            Some(_) => {
                self.previous = mem::take(&mut self.current);
                self.rotated_at = Some(now);
            }
            None => self.rotated_at = Some(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_then_recovers() {
        let limiter = RateLimiter::default();
        let window = Duration::from_millis(50);
        for _ in 0..3 {
            limiter.hit("k", 3, window).unwrap();
        }
        assert!(matches!(
            limiter.hit("k", 3, window),
            Err(AppError::RateLimited { .. })
        ));
        assert!(limiter.hit("other", 3, window).is_ok());
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.hit("k", 3, window).is_ok());
        limiter.reset("k");
    }

    #[test]
    fn a_count_survives_one_rotation() {
        let limiter = RateLimiter::default();
        let window = Duration::from_millis(200);
        limiter.hit("early", 2, window).unwrap();
        std::thread::sleep(Duration::from_millis(120));
        limiter.hit("late", 2, window).unwrap();
        limiter.hit("late", 2, window).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        // A rotation happened; "late" is in its window still and stays refused.
        assert!(limiter.hit("late", 2, window).is_err());
    }

    #[test]
    fn keys_of_ended_windows_are_dropped_without_a_scan_per_hit() {
        let limiter = RateLimiter::default();
        let window = Duration::from_millis(40);
        for n in 0..20_000 {
            limiter
                .hit(&format!("invented-{n}@example.com"), 10, window)
                .unwrap();
        }
        assert_eq!(limiter.len(), 20_000);
        std::thread::sleep(Duration::from_millis(50));
        limiter.hit("one", 10, window).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        limiter.hit("two", 10, window).unwrap();
        // Two rotations: the invented keys went with their generation.
        assert!(limiter.len() <= 2, "{} keys left", limiter.len());
    }
}
