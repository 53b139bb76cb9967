//! `textstance-server`: the gRPC server binary. All of it lives in
//! [`textstance_server::entry::main`] (flags, logging, runtime, signals,
//! exit codes: 0 clean shutdown, 64 usage, 78 configuration, 71 bind, 1
//! serving failed).

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    textstance_server::entry::main()
}
