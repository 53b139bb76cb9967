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
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
