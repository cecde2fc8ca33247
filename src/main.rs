/// mimalloc: the request path allocates many small short-lived buffers (JSON, headers,
/// SQL parameters); measured with scripts/bench.sh it serves them faster than glibc's
/// allocator and keeps the resident set flat.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Gives the pages the allocator holds free back to the system. mimalloc returns them only
/// when a later allocation on the thread that freed them finds them old, so what start-up
/// built and dropped (the OpenAPI fragments, template compilation) stayed resident for as
/// long as the server was quiet: 3.7 MB of the 10 MB an idle server held (issue 15,
/// item 4).
fn reclaim_free_memory() {
    // SAFETY: `mi_collect` takes no pointer and only walks the allocator's own state; it
    // may be called from any thread at any time.
    #[expect(unsafe_code, reason = "the allocator's C entry point; see SAFETY")]
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

fn main() -> std::process::ExitCode {
    match postern::cli::run(reclaim_free_memory) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
