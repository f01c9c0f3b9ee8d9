//! The async runtime the server runs on.

/// Tokio's multi-threaded runtime, its workers looking at the shared queue
/// at every scheduling tick. A task woken from outside the runtime, as by
/// SQLite's worker thread answering a statement, waits in that queue, and
/// such a task often holds the write turn every writer behind it waits
/// for; by default a busy worker looks there only every ~200 us of its own
/// queue's work. Invitation creates over HTTP at eight clients made ~5%
/// more with it, with a steadier p99 (docs/bench.md). Measured at eight
/// clients on two cores only.
pub fn build() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .global_queue_interval(1)
        .build()
}
