//! A do-nothing `textstance.v1.TextService` (empty answers, plus health and
//! reflection) for measuring the load generator itself and trying
//! `bench.sh` without the real server: `cargo run --release -p
//! textstance-loadgen --example fake_server -- --listen 127.0.0.1:50051`.
//! Its RPS is the ceiling of loadgen + tonic on the machine, not a property
//! of textstance.

use std::pin::Pin;

use textstance_proto::pb::text_service_server::{TextService, TextServiceServer};
use textstance_proto::{Encoded, pb};
use tokio_stream::{Stream, StreamExt as _};
use tonic::{Request, Response, Status, Streaming};

struct Empty;

type ResponseStream =
    Pin<Box<dyn Stream<Item = Result<Encoded<pb::StreamAnalyzeTextResponse>, Status>> + Send>>;

#[tonic::async_trait]
impl TextService for Empty {
    async fn normalize_text(
        &self,
        _: Request<pb::NormalizeTextRequest>,
    ) -> Result<Response<pb::NormalizeTextResponse>, Status> {
        Ok(Response::new(Default::default()))
    }
    async fn segment_text(
        &self,
        _: Request<pb::SegmentTextRequest>,
    ) -> Result<Response<pb::SegmentTextResponse>, Status> {
        Ok(Response::new(Default::default()))
    }
    async fn tag_text(
        &self,
        _: Request<pb::TagTextRequest>,
    ) -> Result<Response<pb::TagTextResponse>, Status> {
        Ok(Response::new(Default::default()))
    }
    async fn analyze_text(
        &self,
        _: Request<pb::AnalyzeTextRequest>,
    ) -> Result<Response<Encoded<pb::AnalyzeTextResponse>>, Status> {
        Ok(Response::new(Default::default()))
    }
    async fn batch_analyze_texts(
        &self,
        request: Request<pb::BatchAnalyzeTextsRequest>,
    ) -> Result<Response<Encoded<pb::BatchAnalyzeTextsResponse>>, Status> {
        let n = request.into_inner().requests.len();
        Ok(Response::new(Encoded::new(
            &pb::BatchAnalyzeTextsResponse {
                responses: vec![Default::default(); n],
            },
        )))
    }
    type StreamAnalyzeTextStream = ResponseStream;
    async fn stream_analyze_text(
        &self,
        request: Request<Streaming<pb::StreamAnalyzeTextRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let mut sequence = 0u64;
        let out = request.into_inner().map(move |item| {
            item?;
            sequence += 1;
            Ok(Encoded::new(&pb::StreamAnalyzeTextResponse {
                sequence: sequence - 1,
                ..Default::default()
            }))
        });
        Ok(Response::new(Box::pin(out)))
    }
    async fn list_lexicons(
        &self,
        _: Request<pb::ListLexiconsRequest>,
    ) -> Result<Response<pb::ListLexiconsResponse>, Status> {
        Ok(Response::new(Default::default()))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `fake_server ADDR` or `fake_server --listen ADDR` (as textstance-server).
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = match args.as_slice() {
        [flag, addr, ..] if flag == "--listen" => addr.clone(),
        [addr, ..] => addr.clone(),
        [] => "127.0.0.1:50051".to_owned(),
    };
    let (_reporter, health) = tonic_health::server::health_reporter();
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(textstance_proto::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    eprintln!("fake_server listening on {addr}");
    tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .add_service(TextServiceServer::new(Empty))
        .add_service(health)
        .add_service(reflection)
        .serve(addr.parse()?)
        .await?;
    Ok(())
}
