//! Fixed-window rate limits kept in memory, keyed by what is being limited.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

/// Counts hits per key and refuses them past a limit within one window.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// Records one hit for `key`; refuses it when `limit` hits already fell in
    /// the current `window`.
    pub fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<(), AppError> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        // Keep memory bounded: drop finished windows once the map grows.
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let retry = window
                .saturating_sub(now.duration_since(entry.0))
                .as_secs()
                .max(1);
            return Err(AppError::RateLimited {
                retry_after_secs: retry,
            });
        }
        entry.1 += 1;
        Ok(())
    }

    /// Forgets `key`, e.g. after a successful sign-in.
    pub fn reset(&self, key: &str) {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
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
}
