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

/// Once the server is ready: drops the resident pages of the code and read-only data only
/// start-up used (`postern::memory::droppable_code` says which and why), then the
/// allocator's free pages.
fn reclaim_after_start() {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
    for range in postern::memory::droppable_code(&smaps, reclaim_after_start as fn() as usize) {
        // SAFETY: the range is a whole mapping of this executable that is not writable and
        // holds no private page (`droppable_code`), so every page MADV_DONTNEED drops is
        // read back unchanged from the file on its next access, by any thread — what the
        // kernel itself does to these clean pages under memory pressure. A failure
        // (EINVAL, EAGAIN) leaves the pages resident and changes nothing else.
        #[expect(unsafe_code, reason = "madvise on this executable's own read-only mappings; see SAFETY")]
        unsafe {
            libc::madvise(range.start as *mut libc::c_void, range.end - range.start, libc::MADV_DONTNEED);
        }
    }
    reclaim_free_memory();
}

fn main() -> std::process::ExitCode {
    let reclaim = postern::memory::Reclaim { started: reclaim_after_start, periodic: reclaim_free_memory };
    match postern::cli::run(reclaim) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
