//! `textstance-replica`: the `textstance-server` process, built inside the
//! tests crate so that `tests/scale_out.rs` can start real server processes
//! through `CARGO_BIN_EXE_textstance-replica` (Cargo exposes only the binaries
//! of the package under test). Same flags, environment and exit codes as
//! `textstance-server`: both call [`textstance_server::entry::main`].

fn main() -> std::process::ExitCode {
    textstance_server::entry::main()
}
