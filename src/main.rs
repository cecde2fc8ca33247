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

/// mimalloc v3's `purge_delay`: its index in `mi_option_t` (`libmimalloc-sys` names only
/// the options v2 and v3 share the meaning of).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Gives freed pages back after 10 ms instead of mimalloc v3's 1 s (v2's default; the
/// operator's `MIMALLOC_PURGE_DELAY` still wins). Under 256 busy connections the pages
/// freed within the last second were 3–5 MB of the peak (issue 15, item 4: peak ≤ 30 MB):
/// `start` at 256 connections peaked at 32.7–33.8 MB with 1 s and 28.7–30.8 MB with 10 ms,
/// private memory 20.4–21.4 → 16.4–18.4 MB, throughput unchanged within the noise
/// (`scripts/bench.sh --scenario connections`, interleaved pairs). 1 ms saved ~1 MB more.
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` takes a plain integer option and value, touches only the
    // allocator's option table, and may be called from any thread at any time.
    #[expect(unsafe_code, reason = "the allocator's C entry point; see SAFETY")]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10);
    }
}

fn main() -> std::process::ExitCode {
    tune_allocator();
    let reclaim = postern::memory::Reclaim { started: reclaim_after_start, periodic: reclaim_free_memory };
    match postern::cli::run(reclaim) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
