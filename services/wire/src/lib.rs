//! Transport I/O shared by the textstance server and client: write
//! coalescing ("corking") for HTTP/2 connections.
//!
//! h2 writes a DATA frame longer than 256 bytes straight from the message's
//! buffer, in a `writev` of its own, and flushes the socket before it
//! encodes the next frame. A unary call with a 1.5 KB document therefore
//! costs two writes on each side (HEADERS and DATA, then the trailers or the
//! end of stream), and the responses of concurrent streams never share one.
//! [`Corked`] wraps a connection: it copies writes into one buffer, and when
//! h2 flushes right after such a frame (a vectored write of several slices)
//! it yields to the scheduler once instead, so the frames that follow, and
//! other streams' frames ready by then, go out in the same system call.
//! Bursts of small frames, which h2 already writes together, are flushed at
//! once.
//!
//! It owns that policy and nothing else: reads pass through, a completed
//! flush leaves nothing buffered, and every `Pending` it returns has woken
//! the task. The buffer's allocation is kept between bursts, at most
//! `2 * CAP` (32 KiB) per connection; h2 itself keeps a 16 KiB write buffer
//! per connection. Freeing it after every flush cost AnalyzeText 1.2–1.4 %
//! in two interleaved load runs. `server` adds tonic's `Connected` for
//! `serve_with_incoming`; `client` adds [`CorkedConnector`] for
//! `Endpoint::connect_with_connector`.
//!
//! ```
//! # async fn demo() -> std::io::Result<()> {
//! use tokio::io::AsyncWriteExt;
//! let (a, _b) = tokio::io::duplex(64);
//! let mut io = textstance_wire::Corked::new(a, true);
//! io.write_all(b"frame").await?; // buffered
//! io.flush().await?; // one write to the socket
//! # Ok(())
//! # }
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Buffered bytes beyond which a write drains the buffer first; a write at
/// least this long then bypasses it (it amortizes its own system call).
pub const CAP: usize = 16 * 1024;

/// A connection whose writes are coalesced until a flush (see the crate docs).
#[derive(Debug)]
pub struct Corked<T> {
    inner: T,
    buf: Vec<u8>,
    /// Bytes of `buf` already written to `inner`.
    pos: usize,
    /// False: every call goes straight to `inner`.
    coalesce: bool,
    /// The buffer holds a vectored write of several slices (h2's large DATA
    /// frame), so the next flush yields once.
    chained: bool,
    /// This burst's flush has yielded; the next one writes.
    yielded: bool,
}

impl<T> Corked<T> {
    /// Wraps `inner`; with `coalesce` false every call goes straight
    /// through (the policy turned off by configuration).
    pub fn new(inner: T, coalesce: bool) -> Self {
        Corked {
            inner,
            buf: Vec::new(),
            pos: 0,
            coalesce,
            chained: false,
            yielded: false,
        }
    }

    /// The wrapped connection.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Bytes accepted but not yet written to the connection.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }
}

impl<T: AsyncWrite + Unpin> Corked<T> {
    /// Writes out everything buffered.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.pos < self.buf.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.buf[self.pos..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pos += n;
        }
        self.buf.clear();
        self.pos = 0;
        if self.buf.capacity() > 2 * CAP {
            self.buf.shrink_to(2 * CAP);
        }
        Poll::Ready(Ok(()))
    }

    /// Makes room for `len` more bytes: `Ready(true)` if they should bypass
    /// the (then empty) buffer.
    fn poll_room(&mut self, cx: &mut Context<'_>, len: usize) -> Poll<io::Result<bool>> {
        if self.buf.len() + len > CAP {
            ready!(self.poll_drain(cx))?;
        }
        Poll::Ready(Ok(len >= CAP))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Corked<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Corked<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if !this.coalesce || ready!(this.poll_room(cx, data.len()))? {
            return Pin::new(&mut this.inner).poll_write(cx, data);
        }
        this.buf.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let len = bufs.iter().map(|b| b.len()).sum();
        if !this.coalesce || ready!(this.poll_room(cx, len))? {
            return Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        }
        if bufs.iter().filter(|b| !b.is_empty()).count() > 1 {
            this.chained = true;
        }
        for b in bufs {
            this.buf.extend_from_slice(b);
        }
        Poll::Ready(Ok(len))
    }

    fn is_write_vectored(&self) -> bool {
        // h2 then chains large DATA frames instead of copying them, which
        // is the signal the flush policy reads.
        self.coalesce || self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.buf.len() {
            if this.chained && !this.yielded {
                this.yielded = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            ready!(this.poll_drain(cx))?;
        }
        this.chained = false;
        this.yielded = false;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(feature = "server")]
impl<T: tonic::transport::server::Connected> tonic::transport::server::Connected for Corked<T> {
    type ConnectInfo = T::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

#[cfg(feature = "client")]
mod connector;
#[cfg(feature = "client")]
pub use connector::CorkedConnector;

#[cfg(test)]
mod tests;
