//! A flood of sign-in attempts against the real server binary: 64 parallel
//! attempts with distinct unknown addresses from distinct client addresses,
//! five waves. Each password hash takes 19 MiB; the server must neither run
//! them all at once nor keep the memory afterwards.

#![cfg(feature = "ssr")]

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

const WAVES: usize = 5;
const PARALLEL: usize = 64;
const RSS_LIMIT_KB: u64 = 300 * 1024;

/// The server binary on a free port over a fresh database; killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start_server() -> Server {
    let dir = std::env::temp_dir().join(format!("gatehouse-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .current_dir(&dir)
        .env("LEPTOS_OUTPUT_NAME", "gatehouse")
        .env("LEPTOS_SITE_ADDR", addr.to_string())
        .env("LEPTOS_SITE_ROOT", dir.join("site"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/flood.db", dir.display()),
        )
        .env("MAIL_DIR", dir.join("mail"))
        // Nothing may be refused by the limits: every attempt must hash.
        .env("RATE_LIMIT_SIGN_IN", "100000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server binary starts");
    let server = Server {
        child,
        addr,
        _dir: TempDir(dir),
    };
    let started = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// One sign-in attempt from client address 127.0.0.`client`; the status code.
async fn sign_in(server: SocketAddr, client: u8, email: String) -> u16 {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::from((Ipv4Addr::new(127, 0, 0, client), 0)))
        .unwrap();
    let mut stream = socket.connect(server).await.unwrap();
    let body = format!(
        "email={}&password=not-the-password",
        email.replace('@', "%40")
    );
    let request = format!(
        "POST /sign-in HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let head = String::from_utf8_lossy(&answer);
    head.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// A line of /proc/<pid>/status in kB, e.g. VmRSS (now) or VmHWM (peak).
fn memory_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| {
            line.strip_prefix(field)?
                .trim_start_matches(':')
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_flood_leaves_memory_bounded() {
    let server = start_server();
    let pid = server.child.id();
    let before = memory_kb(pid, "VmRSS");
    let started = Instant::now();
    let mut statuses = Vec::new();
    for wave in 0..WAVES {
        let attempts: Vec<_> = (0..PARALLEL)
            .map(|n| {
                let client = 2 + ((wave * PARALLEL + n) % 250) as u8;
                let email = format!("nobody-{wave}-{n}@flood.example");
                tokio::spawn(sign_in(server.addr, client, email))
            })
            .collect();
        for attempt in attempts {
            statuses.push(attempt.await.unwrap());
        }
    }
    let after = memory_kb(pid, "VmRSS");
    let peak = memory_kb(pid, "VmHWM");
    println!(
        "flood: {} attempts in {:.1} s; RSS {} MB before, {} MB after, peak {} MB; 401: {}, 503: {}",
        statuses.len(),
        started.elapsed().as_secs_f64(),
        before / 1024,
        after / 1024,
        peak / 1024,
        statuses.iter().filter(|s| **s == 401).count(),
        statuses.iter().filter(|s| **s == 503).count(),
    );
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 503),
        "every attempt is refused as wrong or busy: {statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 401).count() >= PARALLEL,
        "the attempts were hashed"
    );
    assert!(
        after < RSS_LIMIT_KB,
        "RSS after the flood is {} MB",
        after / 1024
    );
}
