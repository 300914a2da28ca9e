//! A fault-injecting HTTP proxy between devices and the server, for the
//! scenarios that sync over a bad network.
//!
//! It listens on 127.0.0.1 (port 0) and forwards to the server, one
//! request per connection: both the request it forwards and the response it
//! relays say `Connection: close`, so the client (reqwest) opens a fresh
//! connection for every request and never reuses one the proxy has closed,
//! and the proxy reads the server's answer to its end. For every request a
//! seeded RNG draws a [`Fault`] from the current [`FaultPlan`]; what was
//! really done is counted, so tests can assert that each fault happened.
//! HTTP/1.1 with `Content-Length` bodies is all it understands.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use ocrotire_core::sync::ServerConfig;

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward the request, relay the answer.
    Pass,
    /// Close the connection before forwarding: the server never sees it.
    DropRequest,
    /// Forward the request and let the server answer, then close the
    /// connection without relaying the answer.
    DropResponse,
    /// Send the request to the server twice at once, relay one answer
    /// (a successful one if there is one).
    Duplicate,
    /// Wait tens of milliseconds, then pass.
    Delay,
    /// Relay the headers and part of the body, then close.
    CutResponse,
}

impl Fault {
    pub const ALL: [Fault; 6] = [
        Fault::Pass,
        Fault::DropRequest,
        Fault::DropResponse,
        Fault::Duplicate,
        Fault::Delay,
        Fault::CutResponse,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// Relative weights of each fault; a request draws one in proportion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultPlan {
    pub weights: [u32; 6],
}

impl FaultPlan {
    /// Every request passes.
    pub const PASS_THROUGH: FaultPlan = FaultPlan {
        weights: [1, 0, 0, 0, 0, 0],
    };

    /// Every request meets `fault`.
    pub fn only(fault: Fault) -> FaultPlan {
        let mut weights = [0; 6];
        weights[fault.index()] = 1;
        FaultPlan { weights }
    }

    /// `percent` of requests get a fault, spread evenly over the five kinds.
    pub fn faulty(percent: u32) -> FaultPlan {
        let percent = percent.min(100);
        let mut weights = [percent; 6];
        weights[Fault::Pass.index()] = (100 - percent) * 5;
        FaultPlan { weights }
    }

    fn choose(&self, rng: &mut Rng) -> Fault {
        let total: u64 = self.weights.iter().map(|&w| u64::from(w)).sum();
        if total == 0 {
            return Fault::Pass;
        }
        let mut pick = rng.below(total);
        for fault in Fault::ALL {
            let weight = u64::from(self.weights[fault.index()]);
            if pick < weight {
                return fault;
            }
            pick -= weight;
        }
        Fault::Pass
    }
}

/// What the proxy did so far. A fault is counted only once it really took
/// effect (a dropped response only if the server had answered, and so on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Connections clients opened.
    pub connections: usize,
    /// Complete requests read from clients (at most one per connection).
    pub requests: usize,
    /// Per [`Fault`], in the order of [`Fault::ALL`].
    pub done: [usize; 6],
    /// Duplicated requests where the server refused one copy (replay).
    pub duplicates_refused: usize,
    /// Duplicated requests where the server answered 200 to both copies.
    pub duplicates_both_accepted: usize,
    /// Requests the server could not be reached for, or did not answer
    /// completely (it was down or killed).
    pub upstream_errors: usize,
    /// Connections closed unread while the proxy was partitioned
    /// ([`FaultProxy::set_partitioned`]).
    pub partitioned: usize,
    /// Requests cut in the middle on the way to the server
    /// ([`FaultProxy::set_request_cuts`]).
    pub requests_cut: usize,
}

impl FaultCounts {
    pub fn of(&self, fault: Fault) -> usize {
        self.done[fault.index()]
    }
}

/// A running proxy; stops accepting when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    upstream: SocketAddr,
    plan: Mutex<FaultPlan>,
    rng: Mutex<Rng>,
    done: [AtomicUsize; 6],
    connections: AtomicUsize,
    requests: AtomicUsize,
    duplicates_refused: AtomicUsize,
    duplicates_both_accepted: AtomicUsize,
    upstream_errors: AtomicUsize,
    in_flight: AtomicUsize,
    stopping: AtomicBool,
    partitioned: AtomicBool,
    partitioned_count: AtomicUsize,
    /// Percent of requests cut on the way to the server.
    request_cuts: AtomicUsize,
    requests_cut: AtomicUsize,
}

/// How long the proxy waits on either side before giving up.
const IO_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_HEAD_BYTES: usize = 64 * 1024;

impl FaultProxy {
    /// Starts a proxy to `upstream` (the server's 127.0.0.1 address).
    pub fn start(upstream: SocketAddr, seed: u64, plan: FaultPlan) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            upstream,
            plan: Mutex::new(plan),
            rng: Mutex::new(Rng::new(seed)),
            done: Default::default(),
            connections: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            duplicates_refused: AtomicUsize::new(0),
            duplicates_both_accepted: AtomicUsize::new(0),
            upstream_errors: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
            partitioned: AtomicBool::new(false),
            partitioned_count: AtomicUsize::new(0),
            request_cuts: AtomicUsize::new(0),
            requests_cut: AtomicUsize::new(0),
        });
        let accepting = Arc::clone(&shared);
        let acceptor = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                accepting.connections.fetch_add(1, Ordering::SeqCst);
                let shared = Arc::clone(&accepting);
                // A failed connection is what this proxy is for; nothing to report.
                std::thread::spawn(move || {
                    let _ = shared.handle(stream);
                });
            }
        });
        FaultProxy {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client configuration that goes through the proxy.
    pub fn config(&self) -> ServerConfig {
        let mut config = ServerConfig::new(self.url());
        config.timeout = Duration::from_secs(20);
        config
    }

    pub fn set_plan(&self, plan: FaultPlan) {
        *lock(&self.shared.plan) = plan;
    }

    /// A network partition while `on`: every connection a client opens is
    /// closed at once, unread, whatever the plan says; nothing reaches the
    /// server.
    pub fn set_partitioned(&self, on: bool) {
        self.shared.partitioned.store(on, Ordering::SeqCst);
    }

    /// `percent` of requests (drawn before the plan) are cut in the middle
    /// on their way to the server: it receives the head and part of the
    /// body, then the connection closes on both sides.
    pub fn set_request_cuts(&self, percent: u32) {
        self.shared
            .request_cuts
            .store(percent.min(100) as usize, Ordering::SeqCst);
    }

    pub fn counts(&self) -> FaultCounts {
        let s = &self.shared;
        FaultCounts {
            connections: s.connections.load(Ordering::SeqCst),
            requests: s.requests.load(Ordering::SeqCst),
            done: std::array::from_fn(|i| s.done[i].load(Ordering::SeqCst)),
            duplicates_refused: s.duplicates_refused.load(Ordering::SeqCst),
            duplicates_both_accepted: s.duplicates_both_accepted.load(Ordering::SeqCst),
            upstream_errors: s.upstream_errors.load(Ordering::SeqCst),
            partitioned: s.partitioned_count.load(Ordering::SeqCst),
            requests_cut: s.requests_cut.load(Ordering::SeqCst),
        }
    }

    /// Requests forwarded to the server whose answer has not been read yet.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor up so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Shared {
    fn handle(&self, mut client: TcpStream) -> io::Result<()> {
        if self.partitioned.load(Ordering::SeqCst) {
            self.partitioned_count.fetch_add(1, Ordering::SeqCst);
            return client.shutdown(Shutdown::Both);
        }
        client.set_read_timeout(Some(IO_TIMEOUT))?;
        client.set_write_timeout(Some(IO_TIMEOUT))?;
        let Some(request) = Message::read(&mut client)? else {
            return Ok(()); // connected and closed without a request
        };
        self.requests.fetch_add(1, Ordering::SeqCst);
        let request = request.with_connection_close();
        let cuts = self.request_cuts.load(Ordering::SeqCst) as u64;
        if cuts > 0 && lock(&self.rng).chance(cuts) {
            self.cut_request(&request);
            return client.shutdown(Shutdown::Both);
        }
        let request = request.to_bytes();
        let fault = {
            let plan = *lock(&self.plan);
            plan.choose(&mut lock(&self.rng))
        };
        if fault == Fault::DropRequest {
            self.count(fault);
            return client.shutdown(Shutdown::Both);
        }
        if fault == Fault::Delay {
            let ms = 10 + lock(&self.rng).below(60);
            std::thread::sleep(Duration::from_millis(ms));
        }
        let answer = match fault {
            Fault::Duplicate => self.forward_twice(&request),
            _ => self.forward(&request),
        };
        let Some(answer) = answer else {
            self.upstream_errors.fetch_add(1, Ordering::SeqCst);
            return client.shutdown(Shutdown::Both);
        };
        let answer = answer.with_connection_close();
        let bytes = answer.to_bytes();
        let keep = match fault {
            Fault::DropResponse => 0,
            // Part of the body; part of the head if there is no body.
            Fault::CutResponse => {
                let head = bytes.len() - answer.body.len();
                match answer.body.len() {
                    0 => lock(&self.rng).below(head as u64) as usize,
                    body => head + lock(&self.rng).below(body as u64) as usize,
                }
            }
            _ => bytes.len(),
        };
        client.write_all(&bytes[..keep])?;
        client.flush()?;
        self.count(fault);
        client.shutdown(Shutdown::Both)
    }

    /// Sends the server the head and part of the body (part of the head
    /// if there is no body), then closes the connection.
    fn cut_request(&self, request: &Message) {
        let bytes = request.to_bytes();
        let head = bytes.len() - request.body.len();
        let keep = match request.body.len() {
            0 => lock(&self.rng).below(head as u64) as usize,
            body => head + lock(&self.rng).below(body as u64) as usize,
        };
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut server) = TcpStream::connect_timeout(&self.upstream, IO_TIMEOUT) {
            let _ = server.set_write_timeout(Some(IO_TIMEOUT));
            if server.write_all(&bytes[..keep]).is_ok() && server.flush().is_ok() {
                self.requests_cut.fetch_add(1, Ordering::SeqCst);
            }
            let _ = server.shutdown(Shutdown::Both);
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    fn count(&self, fault: Fault) {
        self.done[fault.index()].fetch_add(1, Ordering::SeqCst);
    }

    /// One exchange with the server; `None` if it cannot be reached or its
    /// answer is incomplete.
    fn forward(&self, request: &[u8]) -> Option<Message> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let answer = exchange(self.upstream, request).ok().flatten();
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        answer.filter(Message::is_complete)
    }

    /// Both copies travel at once; a successful answer is preferred.
    fn forward_twice(&self, request: &[u8]) -> Option<Message> {
        let (first, second) = std::thread::scope(|scope| {
            let other = scope.spawn(|| self.forward(request));
            let first = self.forward(request);
            (first, other.join().ok().flatten())
        });
        match (first, second) {
            (Some(a), Some(b)) => {
                match (a.status() == Some(200), b.status() == Some(200)) {
                    (true, true) => {
                        self.duplicates_both_accepted.fetch_add(1, Ordering::SeqCst);
                    }
                    (true, false) | (false, true) => {
                        self.duplicates_refused.fetch_add(1, Ordering::SeqCst);
                    }
                    (false, false) => {}
                }
                Some(if b.status() == Some(200) { b } else { a })
            }
            // One copy was lost on the way: this was no duplicate after all,
            // and the client gets an error it will retry.
            _ => None,
        }
    }
}

/// Sends `request` on a new connection and reads the answer to EOF (the
/// request says `Connection: close`).
fn exchange(upstream: SocketAddr, request: &[u8]) -> io::Result<Option<Message>> {
    let mut server = TcpStream::connect_timeout(&upstream, IO_TIMEOUT)?;
    server.set_read_timeout(Some(IO_TIMEOUT))?;
    server.set_write_timeout(Some(IO_TIMEOUT))?;
    server.write_all(request)?;
    server.flush()?;
    let mut bytes = Vec::new();
    server.read_to_end(&mut bytes)?;
    Ok(Message::parse(&bytes))
}

/// One HTTP/1.1 message: start line and headers, then the body.
#[derive(Debug, Clone)]
struct Message {
    /// Start line first, then `name: value` lines, without line ends.
    head: Vec<String>,
    body: Vec<u8>,
    /// What `Content-Length` announced.
    length: usize,
}

impl Message {
    /// Reads one request from a client; `None` if it closed before sending
    /// anything.
    fn read(stream: &mut TcpStream) -> io::Result<Option<Message>> {
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        let head_end = loop {
            if let Some(end) = find_head_end(&bytes) {
                break end;
            }
            if bytes.len() > MAX_HEAD_BYTES {
                return Err(io::Error::other("request head too large"));
            }
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return if bytes.is_empty() {
                    Ok(None)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
            bytes.extend_from_slice(&chunk[..n]);
        };
        let mut message = Message::parse_head(&bytes[..head_end])?;
        let mut body = bytes.split_off(head_end);
        if body.len() < message.length {
            let mut rest = vec![0u8; message.length - body.len()];
            stream.read_exact(&mut rest)?;
            body.extend_from_slice(&rest);
        }
        message.body = body;
        if !message.is_complete() {
            return Err(io::Error::other("more bytes than Content-Length"));
        }
        Ok(Some(message))
    }

    /// Parses a whole answer read to EOF.
    fn parse(bytes: &[u8]) -> Option<Message> {
        let head_end = find_head_end(bytes)?;
        let mut message = Message::parse_head(&bytes[..head_end]).ok()?;
        message.body = bytes[head_end..].to_vec();
        Some(message)
    }

    /// `bytes` ends with the blank line.
    fn parse_head(bytes: &[u8]) -> io::Result<Message> {
        let text = std::str::from_utf8(bytes).map_err(io::Error::other)?;
        let head: Vec<String> = text
            .split("\r\n")
            .filter(|line| !line.is_empty())
            .map(str::to_string)
            .collect();
        if head.iter().any(|l| header_is(l, "transfer-encoding")) {
            return Err(io::Error::other("only Content-Length bodies are proxied"));
        }
        let length = head
            .iter()
            .find(|l| header_is(l, "content-length"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().parse::<usize>())
            .transpose()
            .map_err(io::Error::other)?
            .unwrap_or(0);
        Ok(Message {
            head,
            body: Vec::new(),
            length,
        })
    }

    fn is_complete(&self) -> bool {
        self.body.len() == self.length
    }

    /// The status code of an answer.
    fn status(&self) -> Option<u16> {
        self.head.first()?.split(' ').nth(1)?.parse().ok()
    }

    /// The same message, saying the connection closes after it.
    fn with_connection_close(mut self) -> Message {
        self.head.retain(|l| !header_is(l, "connection"));
        self.head.push("Connection: close".to_string());
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for line in &self.head {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Where the body starts (just after the blank line).
fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

fn header_is(line: &str, name: &str) -> bool {
    line.split_once(':')
        .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// xorshift64*: small, seeded, good enough to pick faults and moments.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Zero is xorshift's fixed point.
        Rng((seed ^ 0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-enough in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_draw_only_what_they_weigh() {
        let mut rng = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(FaultPlan::PASS_THROUGH.choose(&mut rng), Fault::Pass);
        }
        let plan = FaultPlan::faulty(100);
        let mut seen = [0usize; 6];
        for _ in 0..1000 {
            seen[plan.choose(&mut rng).index()] += 1;
        }
        assert_eq!(seen[Fault::Pass.index()], 0);
        assert!(seen[1..].iter().all(|&n| n > 100), "{seen:?}");
    }

    #[test]
    fn heads_parse_and_close() {
        let raw = b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nConnection: keep-alive\r\n\r\nabc";
        let message = Message::parse(raw).unwrap().with_connection_close();
        assert_eq!(message.status(), Some(200));
        assert!(message.is_complete());
        let text = String::from_utf8(message.to_bytes()).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\ncontent-length: 3\r\nConnection: close\r\n\r\nabc"
        );
        assert!(
            !Message::parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")
                .unwrap()
                .is_complete()
        );
    }
}
