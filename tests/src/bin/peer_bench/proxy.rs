//! The one yardstick for all three stacks: a TCP proxy on 127.0.0.1 in
//! front of each server that counts the bytes each way (everything on the
//! wire above TCP: HTTP headers, chunked framing, websocket framing) and
//! the round trips.
//!
//! Round trips: for HTTP (Ocrotire, express-pouchdb) a request is a burst
//! of client→server bytes that starts a connection or follows bytes from
//! the server; none of the clients pipelines requests, so this is the
//! number of HTTP requests. For websockets (automerge-repo) it is the
//! number of websocket frames the clients send after the upgrade request
//! (one automerge-repo message each) plus the upgrade request itself.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::Res;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Http,
    WebSocket,
}

#[derive(Default)]
pub struct Counters {
    pub up: AtomicU64,
    pub down: AtomicU64,
    pub round_trips: AtomicU64,
    pub connections: AtomicU64,
}

#[derive(Clone, Copy, Default, Debug)]
pub struct Snapshot {
    pub up: u64,
    pub down: u64,
    pub round_trips: u64,
    pub connections: u64,
}

impl Snapshot {
    pub fn since(self, before: Snapshot) -> Snapshot {
        Snapshot {
            up: self.up - before.up,
            down: self.down - before.down,
            round_trips: self.round_trips - before.round_trips,
            connections: self.connections - before.connections,
        }
    }
}

pub struct Proxy {
    pub port: u16,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
}

/// No single connection of the bench lives longer than this; the copy
/// loops end with their sockets.
const IDLE_LIMIT: Duration = Duration::from_secs(1800);

impl Proxy {
    pub fn start(target_port: u16, mode: Mode) -> Res<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (counters.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
                    continue;
                };
                c.connections.fetch_add(1, Ordering::Relaxed);
                connect(client, server, mode, c.clone());
            }
        });
        Ok(Proxy {
            port,
            counters,
            stop,
        })
    }

    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            up: self.counters.up.load(Ordering::SeqCst),
            down: self.counters.down.load(Ordering::SeqCst),
            round_trips: self.counters.round_trips.load(Ordering::SeqCst),
            connections: self.counters.connections.load(Ordering::SeqCst),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

const NONE: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

fn connect(client: TcpStream, server: TcpStream, mode: Mode, counters: Arc<Counters>) {
    let last = Arc::new(AtomicU8::new(NONE));
    for s in [&client, &server] {
        let _ = s.set_nodelay(true);
        let _ = s.set_read_timeout(Some(IDLE_LIMIT));
    }
    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let (c, l) = (counters.clone(), last.clone());
    std::thread::spawn(move || {
        let mut frames = FrameCounter::default();
        pump(client, server, |chunk| {
            c.up.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            match mode {
                Mode::Http => {
                    if l.swap(UP, Ordering::SeqCst) != UP {
                        c.round_trips.fetch_add(1, Ordering::SeqCst);
                    }
                }
                Mode::WebSocket => {
                    let n = frames.feed(chunk);
                    c.round_trips.fetch_add(n, Ordering::SeqCst);
                }
            }
        });
    });
    std::thread::spawn(move || {
        pump(server2, client2, |chunk| {
            counters
                .down
                .fetch_add(chunk.len() as u64, Ordering::SeqCst);
            last.store(DOWN, Ordering::SeqCst);
        });
    });
}

/// Copies `from` to `to` until either side closes, calling `seen` on each
/// chunk before forwarding it.
fn pump(mut from: TcpStream, mut to: TcpStream, mut seen: impl FnMut(&[u8])) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        seen(&buffer[..n]);
        if to.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// Counts the frames of a client→server websocket stream: the upgrade
/// request (counted as one), then frames (RFC 6455 §5.2; client frames are
/// masked), counting data frames that end a message and control frames.
#[derive(Default)]
struct FrameCounter {
    upgraded: bool,
    head: Vec<u8>,
    /// Bytes of the current frame's payload still to skip.
    skip: u64,
}

impl FrameCounter {
    fn feed(&mut self, mut chunk: &[u8]) -> u64 {
        let mut count = 0;
        if !self.upgraded {
            self.head.extend_from_slice(chunk);
            let Some(end) = self.head.windows(4).position(|w| w == b"\r\n\r\n") else {
                return 0;
            };
            self.upgraded = true;
            count += 1;
            let rest = self.head.split_off(end + 4);
            self.head.clear();
            return count + self.frames(&rest);
        }
        if self.skip > 0 {
            let n = (self.skip as usize).min(chunk.len());
            self.skip -= n as u64;
            chunk = &chunk[n..];
        }
        count + self.frames(chunk)
    }

    fn frames(&mut self, chunk: &[u8]) -> u64 {
        let mut count = 0;
        let mut data = std::mem::take(&mut self.head);
        data.extend_from_slice(chunk);
        let mut at = 0;
        loop {
            if self.skip > 0 {
                let n = (self.skip as usize).min(data.len() - at);
                self.skip -= n as u64;
                at += n;
                if self.skip > 0 {
                    break;
                }
            }
            let rest = &data[at..];
            if rest.len() < 2 {
                break;
            }
            let fin = rest[0] & 0x80 != 0;
            let masked = rest[1] & 0x80 != 0;
            let (len, header) = match rest[1] & 0x7f {
                126 if rest.len() >= 4 => (u16::from_be_bytes([rest[2], rest[3]]) as u64, 4),
                127 if rest.len() >= 10 => {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&rest[2..10]);
                    (u64::from_be_bytes(b), 10)
                }
                126 | 127 => break,
                n => (n as u64, 2),
            };
            let header = header + if masked { 4 } else { 0 };
            if rest.len() < header {
                break;
            }
            if fin {
                count += 1;
            }
            at += header;
            self.skip = len;
        }
        self.head = data[at..].to_vec();
        count
    }
}
