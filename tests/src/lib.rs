//! Harness for the end-to-end tests in `tests/`: the server in-process on
//! `127.0.0.1:0`, clients for it, the example texts of `tests/data`, and
//! helpers that read error details.
//!
//! Nothing here sleeps: tests wait on oneshot channels, health watches and
//! the server's phase.

use std::net::SocketAddr;
use std::path::PathBuf;

use textstance_proto::pb;
use textstance_proto::pb::text_service_client::TextServiceClient;
use textstance_server::config::Config;
use textstance_server::{Handle, ServeError, Server};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

/// A server running in this process.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state.
    pub handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    join: Option<JoinHandle<Result<(), ServeError>>>,
}

/// A config for tests: port 0, defaults otherwise.
pub fn test_config() -> Config {
    Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..Config::default()
    }
}

impl TestServer {
    /// Starts a server with `config` on an ephemeral port.
    pub async fn start(config: Config) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let server = Server::new(config).expect("valid test config");
        let handle = server.handle();
        let (stop, stopped) = oneshot::channel::<()>();
        let join = tokio::spawn(server.serve(listener, async {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            handle,
            stop: Some(stop),
            join: Some(join),
        }
    }

    /// Starts a server with [`test_config`].
    pub async fn start_default() -> TestServer {
        TestServer::start(test_config()).await
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A new connection (channel) to the server.
    pub async fn channel(&self) -> Channel {
        Endpoint::from_shared(self.url())
            .expect("valid url")
            .connect()
            .await
            .expect("connect to test server")
    }

    /// A lazily connecting channel: calls fail with UNAVAILABLE when nothing
    /// listens.
    pub fn lazy_channel(&self) -> Channel {
        Endpoint::from_shared(self.url())
            .expect("valid url")
            .connect_lazy()
    }

    /// A TextService client on a new connection.
    pub async fn client(&self) -> TextServiceClient<Channel> {
        TextServiceClient::new(self.channel().await)
            .max_decoding_message_size(64 << 20)
            .max_encoding_message_size(64 << 20)
    }

    /// The typed `textstance-client` for this server (one endpoint, default
    /// retries and timeouts, the same 64 MiB message limit as [`Self::client`]).
    pub async fn typed_client(&self) -> textstance_client::Client {
        textstance_client::ClientBuilder::new(self.url())
            .max_message_size(64 << 20)
            .connect()
            .await
            .expect("typed client connects to the test server")
    }

    /// A health client on a new connection.
    pub async fn health(&self) -> HealthClient<Channel> {
        HealthClient::new(self.channel().await)
    }

    /// Signals shutdown (the drain starts).
    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Signals shutdown and waits for the server to stop.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        self.shutdown();
        match self.join.take() {
            Some(j) => j.await.expect("server task does not panic"),
            None => Ok(()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Path of a file in `tests/data`.
pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// Bytes of a file in `tests/data`.
pub fn data(name: &str) -> Vec<u8> {
    std::fs::read(data_path(name)).unwrap_or_else(|e| panic!("read tests/data/{name}: {e}"))
}

/// Text of a file in `tests/data`.
pub fn data_text(name: &str) -> String {
    String::from_utf8(data(name)).unwrap_or_else(|e| panic!("tests/data/{name} is not UTF-8: {e}"))
}

/// The example texts every RPC is checked on.
pub const EXAMPLES: [&str; 5] = [
    "en_story.txt",
    "ru_story.txt",
    "naive_damaged.txt",
    "ru_mojibake_cp1252.txt",
    "html_entities.txt",
];

/// A document with `text`.
pub fn text_doc(id: &str, text: &str) -> pb::Document {
    pb::Document {
        content: Some(pb::document::Content::Text(text.to_owned())),
        id: id.to_owned(),
        ..Default::default()
    }
}

/// A document with raw bytes and an optional charset label.
pub fn raw_doc(id: &str, bytes: &[u8], charset: &str) -> pb::Document {
    pb::Document {
        content: Some(pb::document::Content::RawContent(bytes.to_vec())),
        charset_label: charset.to_owned(),
        id: id.to_owned(),
        ..Default::default()
    }
}

/// An AnalyzeText request for `doc` with every stage.
pub fn analyze_request(doc: pb::Document) -> pb::AnalyzeTextRequest {
    pb::AnalyzeTextRequest {
        document: Some(doc),
        ..Default::default()
    }
}

/// A StreamAnalyzeText call with one document sent and answered; the call
/// stays open (in flight on the server) while the returned sender lives.
pub async fn open_stream(
    client: &mut TextServiceClient<Channel>,
    id: &str,
    text: &str,
) -> (
    tokio::sync::mpsc::Sender<pb::StreamAnalyzeTextRequest>,
    tonic::Streaming<pb::StreamAnalyzeTextResponse>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let mut out = client
        .stream_analyze_text(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .expect("stream opens")
        .into_inner();
    tx.send(pb::StreamAnalyzeTextRequest {
        request: Some(analyze_request(text_doc(id, text))),
    })
    .await
    .expect("send");
    let first = tokio_stream::StreamExt::next(&mut out)
        .await
        .expect("an item")
        .expect("ok");
    assert_eq!(first.id, id);
    (tx, out)
}

/// The `ErrorInfo` reason and the `BadRequest` field paths of a status.
pub fn details(status: &tonic::Status) -> (String, Vec<String>) {
    let d = status.get_error_details();
    let reason = d.error_info().map(|i| i.reason.clone()).unwrap_or_default();
    let fields = d
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default();
    (reason, fields)
}

/// The substring `[begin, end)` of `text` in `unit`.
pub fn slice(text: &str, span: &pb::Span, unit: pb::OffsetUnit) -> String {
    let (b, e) = (span.begin as usize, span.end as usize);
    match unit {
        pb::OffsetUnit::Utf16 => {
            let u: Vec<u16> = text.encode_utf16().collect();
            String::from_utf16(&u[b..e]).expect("span on UTF-16 boundaries")
        }
        pb::OffsetUnit::CodePoint => text.chars().skip(b).take(e - b).collect(),
        _ => text.get(b..e).expect("span on UTF-8 boundaries").to_owned(),
    }
}
