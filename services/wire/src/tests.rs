use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use tokio::io::AsyncWrite;

use super::{CAP, Corked};

/// Counts wake-ups.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A socket that records what reaches it. `limits[i]` caps the i-th write
/// (0: the call is `Pending`, after waking the task); past the list,
/// writes take everything.
#[derive(Default)]
struct Socket {
    data: Vec<u8>,
    writes: usize,
    calls: usize,
    limits: Vec<usize>,
}

impl AsyncWrite for Socket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let limit = self.limits.get(self.calls).copied().unwrap_or(usize::MAX);
        self.calls += 1;
        if limit == 0 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = buf.len().min(limit);
        self.data.extend_from_slice(&buf[..n]);
        self.writes += 1;
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let all: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
        self.poll_write(cx, &all)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// What a test does to the corked socket.
#[derive(Debug, Clone)]
enum Op {
    /// One plain write.
    Write(Vec<u8>),
    /// A vectored write of these slices.
    Vectored(Vec<Vec<u8>>),
    /// Flush until `Ready`; the count of `Pending`s is recorded.
    Flush,
    /// Poll the flush once, as h2 does before it buffers more frames; 1 is
    /// recorded for `Pending`, 0 for `Ready`.
    FlushOnce,
}

struct Run {
    io: Corked<Socket>,
    wakes: Arc<Wakes>,
    /// Everything the wrapper accepted, in order.
    accepted: Vec<u8>,
    /// `Pending`s returned by each flush.
    flush_pendings: Vec<usize>,
    pendings: usize,
}

impl Run {
    fn new(io: Corked<Socket>) -> Self {
        Run {
            io,
            wakes: Arc::default(),
            accepted: Vec::new(),
            flush_pendings: Vec::new(),
            pendings: 0,
        }
    }

    fn apply(&mut self, op: &Op) {
        let waker = Waker::from(self.wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let io = &mut self.io;
        match op {
            Op::Write(data) => {
                let mut done = 0;
                while done < data.len() {
                    match Pin::new(&mut *io).poll_write(&mut cx, &data[done..]) {
                        Poll::Ready(Ok(n)) => {
                            self.accepted.extend_from_slice(&data[done..done + n]);
                            done += n;
                        }
                        Poll::Ready(Err(e)) => panic!("write failed: {e}"),
                        Poll::Pending => self.pendings += 1,
                    }
                }
            }
            Op::Vectored(parts) => loop {
                let slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
                match Pin::new(&mut *io).poll_write_vectored(&mut cx, &slices) {
                    // The tests only hand over slices the wrapper takes
                    // whole or writes straight through in one call.
                    Poll::Ready(Ok(n)) => {
                        let all = parts.concat();
                        self.accepted.extend_from_slice(&all[..n]);
                        if n < all.len() {
                            self.apply(&Op::Write(all[n..].to_vec()));
                        }
                        break;
                    }
                    Poll::Ready(Err(e)) => panic!("write failed: {e}"),
                    Poll::Pending => self.pendings += 1,
                }
            },
            Op::FlushOnce => match Pin::new(&mut *io).poll_flush(&mut cx) {
                Poll::Ready(Ok(())) => self.flush_pendings.push(0),
                Poll::Ready(Err(e)) => panic!("flush failed: {e}"),
                Poll::Pending => {
                    self.pendings += 1;
                    self.flush_pendings.push(1);
                }
            },
            Op::Flush => {
                let mut pending = 0;
                loop {
                    match Pin::new(&mut *io).poll_flush(&mut cx) {
                        Poll::Ready(Ok(())) => break,
                        Poll::Ready(Err(e)) => panic!("flush failed: {e}"),
                        Poll::Pending => pending += 1,
                    }
                    assert!(pending < 1000, "flush never completes");
                }
                self.pendings += pending;
                self.flush_pendings.push(pending);
            }
        }
    }
}

fn run(io: Corked<Socket>, ops: &[Op]) -> Run {
    let mut r = Run::new(io);
    for op in ops {
        r.apply(op);
    }
    r
}

fn v(parts: &[&[u8]]) -> Op {
    Op::Vectored(parts.iter().map(|p| p.to_vec()).collect())
}

#[test]
fn flush_policy_cases() {
    struct Case {
        name: &'static str,
        coalesce: bool,
        ops: Vec<Op>,
        /// Writes that reached the socket.
        writes: usize,
        /// `Pending`s of each flush.
        flush_pendings: Vec<usize>,
    }
    let head: &[u8] = b"HEADERS+head";
    let payload = vec![b'd'; 1500];
    let cases = [
        Case {
            name: "small frames go out at the first flush",
            coalesce: true,
            ops: vec![v(&[b"h1 d1 t1 h2 d2 t2"]), Op::Flush],
            writes: 1,
            flush_pendings: vec![0],
        },
        Case {
            name: "a chained DATA frame's flush yields once, then shares a write",
            coalesce: true,
            ops: vec![
                v(&[head, &payload]),
                Op::FlushOnce,
                v(&[b"trailers"]),
                v(&[b"next stream"]),
                Op::Flush,
            ],
            writes: 1,
            flush_pendings: vec![1, 0],
        },
        Case {
            name: "a chained frame flushed alone still goes out",
            coalesce: true,
            ops: vec![v(&[head, &payload]), Op::Flush, Op::Flush],
            writes: 1,
            flush_pendings: vec![1, 0],
        },
        Case {
            name: "empty slices do not count as chaining",
            coalesce: true,
            ops: vec![v(&[b"", b"frames", b""]), Op::Flush],
            writes: 1,
            flush_pendings: vec![0],
        },
        Case {
            name: "pass-through writes every call",
            coalesce: false,
            ops: vec![
                Op::Write(b"a".to_vec()),
                Op::Write(b"b".to_vec()),
                Op::Flush,
                v(&[head, &payload]),
                Op::Flush,
            ],
            writes: 3,
            flush_pendings: vec![0, 0],
        },
        Case {
            name: "a write of CAP bytes bypasses the empty buffer",
            coalesce: true,
            ops: vec![Op::Write(vec![b'x'; CAP])],
            writes: 1,
            flush_pendings: vec![],
        },
        Case {
            name: "a write that would overflow CAP drains the buffer first",
            coalesce: true,
            ops: vec![
                Op::Write(vec![b'a'; CAP - 10]),
                Op::Write(vec![b'b'; 20]),
                Op::Flush,
            ],
            writes: 2,
            flush_pendings: vec![0],
        },
    ];
    for c in cases {
        let r = run(Corked::new(Socket::default(), c.coalesce), &c.ops);
        assert_eq!(r.io.get_ref().writes, c.writes, "{}: writes", c.name);
        assert_eq!(r.flush_pendings, c.flush_pendings, "{}: flushes", c.name);
        if matches!(c.ops.last(), Some(Op::Flush)) {
            assert_eq!(r.io.get_ref().data, r.accepted, "{}: bytes", c.name);
            assert_eq!(r.io.buffered(), 0, "{}: left buffered", c.name);
        }
        assert!(
            r.wakes.0.load(Ordering::Relaxed) >= r.pendings,
            "{}: a Pending without a wake-up",
            c.name
        );
    }
}

#[test]
fn shutdown_writes_what_is_buffered() {
    let mut r = run(
        Corked::new(Socket::default(), true),
        &[v(&[b"head", b"body"])],
    );
    let waker = Waker::from(r.wakes.clone());
    let mut cx = Context::from_waker(&waker);
    assert!(matches!(
        Pin::new(&mut r.io).poll_shutdown(&mut cx),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(r.io.get_ref().data, b"headbody");
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    let bytes = || proptest::collection::vec(any::<u8>(), 0..600);
    prop_oneof![
        bytes().prop_map(Op::Write),
        proptest::collection::vec(bytes(), 1..4).prop_map(Op::Vectored),
        Just(Op::Flush),
        Just(Op::FlushOnce),
        Just(Op::Write(vec![7; CAP + 1])),
    ]
}

proptest::proptest! {
    /// Whatever the writes, flushes and partial or pending socket writes:
    /// the socket receives exactly the accepted bytes in order, a completed
    /// flush leaves nothing behind, a flush yields at most once, and every
    /// `Pending` has woken the task.
    #[test]
    fn no_byte_lost_or_reordered(
        ops in proptest::collection::vec(op(), 0..40),
        limits in proptest::collection::vec(0usize..700, 0..60),
    ) {
        let socket = Socket { limits, ..Socket::default() };
        let mut r = run(Corked::new(socket, true), &ops);
        r.apply(&Op::Flush);
        proptest::prop_assert_eq!(&r.io.get_ref().data, &r.accepted);
        proptest::prop_assert_eq!(r.io.buffered(), 0);
        proptest::prop_assert!(r.wakes.0.load(Ordering::Relaxed) >= r.pendings);
        let socket_pendings = r.io.get_ref().limits.iter().filter(|&&l| l == 0).count();
        for (i, p) in r.flush_pendings.iter().enumerate() {
            proptest::prop_assert!(*p <= 1 + socket_pendings, "flush {} pended {} times", i, p);
        }
    }
}
