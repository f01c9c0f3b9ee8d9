//! argon2id password hashes, computed on a small pool of threads of their own.
//!
//! Each hash takes 19 MiB. Run on tokio's blocking pool, a flood of sign-in
//! attempts ran hundreds at once and the allocator kept what they took (5.5
//! GB after 320 attempts). Here one thread per core hashes, each over one
//! block of memory it allocates once and reuses (allocating per hash, the
//! allocator's arenas still kept ~400 MB after the same flood), a bounded
//! queue holds what waits, and past that the request is refused as "busy".

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, LazyLock, Mutex};

use std::cell::RefCell;

use argon2::password_hash::{self, rand_core::OsRng, Output, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::AppError;

/// A stored password hash (PHC string). Deliberately not `Serialize`.
#[derive(Clone)]
pub struct PasswordHashText(pub String);

impl std::fmt::Debug for PasswordHashText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashText(..)")
    }
}

/// Hashes a new password.
pub async fn hash(password: String) -> Result<PasswordHashText, AppError> {
    on_hashing_thread(move || {
        let salt = SaltString::generate(&mut OsRng);
        let phc = compute(&Argon2::default(), password.as_bytes(), salt.as_salt())
            .expect("argon2 with default parameters cannot fail on bounded input");
        PasswordHashText(phc.to_string())
    })
    .await
}

/// Checks a password; `None` (no such user) still spends the same work so
/// response time does not reveal which emails have accounts.
pub async fn verify(password: String, stored: Option<PasswordHashText>) -> Result<bool, AppError> {
    on_hashing_thread(move || {
        let stored = stored.map(|s| s.0).unwrap_or_else(|| DUMMY_HASH.to_owned());
        matches(password.as_bytes(), &stored) && stored != DUMMY_HASH
    })
    .await
}

/// Whether `password` hashes to the stored PHC string (compared in constant time).
fn matches(password: &[u8], stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let argon2 = (|| {
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = Version::try_from(parsed.version.unwrap_or(Version::V0x13.into()))?;
        let params = Params::try_from(&parsed)?;
        Ok::<_, password_hash::Error>(Argon2::new(algorithm, version, params))
    })();
    match argon2.and_then(|argon2| compute(&argon2, password, salt)) {
        Ok(computed) => computed.hash == Some(expected),
        Err(_) => false,
    }
}

thread_local! {
    /// The argon2 working memory of this hashing thread, reused by every hash.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// `argon2` of `password` with `salt` over this thread's reused memory.
fn compute<'a>(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'a>,
) -> password_hash::Result<PasswordHash<'a>> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let params = argon2.params();
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output =
        MEMORY.with_borrow_mut(|memory| {
            memory.resize(params.block_count(), Block::new());
            Output::init_with(output_len, |out| {
                Ok(argon2.hash_password_into_with_memory(
                    password,
                    salt_bytes,
                    out,
                    &mut memory[..],
                )?)
            })
        })?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: params.try_into()?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// argon2id hash of a random string nobody knows.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8s7pWvZ0tV0p1g9b9kqkq2S0mH2Kq5cQzq8rj4r3yXo";

/// Hashes that may wait per hashing thread before new ones are refused: a
/// wait of about a second and a half at release speed.
const QUEUED_PER_THREAD: usize = 32;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads of this process, started on first use.
static HASHERS: LazyLock<Hashers> = LazyLock::new(|| {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    Hashers::start(threads, threads * QUEUED_PER_THREAD)
});

/// Threads that run hashing jobs, fed by a bounded queue.
struct Hashers {
    queue: SyncSender<Job>,
}

impl Hashers {
    /// Starts `threads` threads behind a queue of `queued` waiting jobs.
    fn start(threads: usize, queued: usize) -> Self {
        let (queue, receiver) = sync_channel::<Job>(queued);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || run_jobs(&receiver))
                .expect("the OS starts a hashing thread");
        }
        Self { queue }
    }

    /// Runs `work` on a hashing thread, or refuses at once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        match self.queue.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!("password hashing queue is full; refusing a request");
                return Err(AppError::Busy {
                    retry_after_secs: 5,
                });
            }
            Err(TrySendError::Disconnected(_)) => return Err(AppError::Internal),
        }
        answered.await.map_err(|_| {
            tracing::error!("a password hashing job panicked");
            AppError::Internal
        })
    }
}

/// One hashing thread: runs jobs until the queue closes.
fn run_jobs(receiver: &Mutex<Receiver<Job>>) {
    loop {
        let job = receiver.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Runs `work` on one of the process's hashing threads.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    HASHERS.run(work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let stored = hash("correct horse".into()).await.unwrap();
        assert!(stored.0.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(stored.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse".into(), Some(stored)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn hashes_stored_before_the_pool_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(matches(b"correct horse", &phc));
        assert!(!matches(b"wrong horse", &phc));
    }

    #[tokio::test]
    async fn a_flood_is_queued_then_refused_never_run_all_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let (threads, queued) = (2, 8);
        let hashers = Arc::new(Hashers::start(threads, queued));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let attempts: Vec<_> = (0..40)
            .map(|_| {
                let (hashers, running, peak) = (hashers.clone(), running.clone(), peak.clone());
                tokio::spawn(async move {
                    hashers
                        .run(move || {
                            peak.fetch_max(running.fetch_add(1, SeqCst) + 1, SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            running.fetch_sub(1, SeqCst);
                        })
                        .await
                })
            })
            .collect();
        let mut refused = 0;
        for attempt in attempts {
            if matches!(attempt.await.unwrap(), Err(AppError::Busy { .. })) {
                refused += 1;
            }
        }
        assert_eq!(
            peak.load(SeqCst),
            threads,
            "never more hashes at once than threads"
        );
        assert!(refused > 0, "past the queue, attempts are refused");
        assert!(40 - refused >= queued, "the queue is used before refusing");
    }
}
