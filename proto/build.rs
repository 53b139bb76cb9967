//! Compiles `textstance/v1/*.proto` with protox (no system `protoc`) and writes
//! the file descriptor set next to the generated code for reflection.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "textstance/v1/types.proto",
        "textstance/v1/text_service.proto",
    ];
    println!("cargo:rerun-if-changed=textstance");
    for f in files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["."])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("textstance_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    // Messages and the client (no `connect` helper: it needs tonic's
    // transport, which this crate leaves to its users).
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(false)
        .build_transport(false)
        .compile_fds(fds.clone())?;
    // The server stubs, in a directory of their own: every message is the
    // one generated above, except the three analysis responses, which a
    // server may hand over already encoded (see `Encoded`).
    let server = out.join("server");
    std::fs::create_dir_all(&server)?;
    let mut config = tonic_prost_build::configure()
        .build_client(false)
        .build_server(true)
        .out_dir(&server)
        .extern_path(".textstance.v1", "crate::pb");
    for response in [
        "AnalyzeTextResponse",
        "BatchAnalyzeTextsResponse",
        "StreamAnalyzeTextResponse",
    ] {
        config = config.extern_path(
            format!(".textstance.v1.{response}"),
            format!("crate::Encoded<crate::pb::{response}>"),
        );
    }
    config.compile_fds(fds)?;
    Ok(())
}
