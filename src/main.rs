/// mimalloc: the request path allocates many small short-lived buffers (JSON, headers,
/// SQL parameters); measured with scripts/bench.sh it serves them faster than glibc's
/// allocator and keeps the resident set flat.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match postern::cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
