//! What a running server gives back to the system (issue 15, item 4). The calls that do it
//! are the binary's (`main.rs`: the library forbids `unsafe`); when and on what is decided
//! here.

use std::ops::Range;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The binary's two ways of handing memory back, called by `serve` (`cli::run`).
#[derive(Clone, Copy)]
pub struct Reclaim {
    /// Once, when the server is ready: what only start-up needed (its code's pages, the
    /// allocator's free pages).
    pub started: fn(),
    /// Every `RECLAIM_EVERY` while it serves: the allocator's free pages.
    pub periodic: fn(),
}

/// How often a running server hands its allocator's free pages back, so that part of what a
/// burst needed does not stay resident while the server is quiet. Measured after 6 s of
/// sign-ins: private memory 13.1 → 11.6 MB within 10 s (pages freed by other threads stay
/// with those threads' heaps, SQLite's page caches stay full); no change in throughput at
/// 32 connections.
const RECLAIM_EVERY: Duration = Duration::from_secs(10);

/// Calls `periodic` every `RECLAIM_EVERY` (the first time one period from now: `serve` has
/// just called `started`) until `stop`.
pub async fn reclaim_periodically(periodic: fn(), stop: CancellationToken) {
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + RECLAIM_EVERY, RECLAIM_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => periodic(),
        }
    }
}

/// The mappings of the executable that holds `inside` (an address of the binary's own code)
/// whose resident pages can be dropped and read back from the file on their next use: its
/// read-only and executable mappings that hold no page of their own. That excludes the
/// data, and the relocated read-only data (RELRO: written by the loader, then made
/// read-only; its pages are private copies, `Anonymous` > 0 in `smaps`), which the file
/// could not give back.
///
/// Why: start-up (configuration, migrations, template and MJML compilation, the OpenAPI
/// document) runs code that is never used again, spread over the whole binary; each page it
/// touched maps the 64 KB around it (the kernel's fault-around), so 13–14 MB of the 18.6 MB
/// of code stayed resident in an idle server. Dropped once the server is ready, only the
/// code that serving uses comes back. The file's pages stay in the page cache, shared and
/// reclaimable: reading them back is a minor fault, not disk I/O.
pub fn droppable_code(smaps: &str, inside: usize) -> Vec<Range<usize>> {
    let mappings = parse_smaps(smaps);
    let Some(own) = mappings.iter().find(|m| m.range.contains(&inside) && m.inode != 0) else {
        return Vec::new();
    };
    mappings
        .iter()
        .filter(|m| m.device == own.device && m.inode == own.inode)
        .filter(|m| !m.writable && m.anonymous_kb == Some(0))
        .map(|m| m.range.clone())
        .collect()
}

struct Mapping {
    range: Range<usize>,
    writable: bool,
    device: String,
    inode: u64,
    /// `None` until the mapping's `Anonymous:` line is read: an `smaps` without it (a
    /// truncated read) drops nothing of that mapping.
    anonymous_kb: Option<u64>,
}

fn parse_smaps(smaps: &str) -> Vec<Mapping> {
    let mut mappings: Vec<Mapping> = Vec::new();
    for line in smaps.lines() {
        if let Some(mapping) = parse_header(line) {
            mappings.push(mapping);
        } else if let Some(kb) = line.strip_prefix("Anonymous:")
            && let Some(last) = mappings.last_mut()
        {
            last.anonymous_kb = kb.trim().trim_end_matches("kB").trim().parse().ok();
        }
    }
    mappings
}

/// `start-end perms offset device inode [path]`, e.g.
/// `55d0c8a00000-55d0c9c4c000 r-xp 00e00000 fd:01 1234 /usr/bin/postern`.
fn parse_header(line: &str) -> Option<Mapping> {
    let mut fields = line.split_ascii_whitespace();
    let (start, end) = fields.next()?.split_once('-')?;
    let range = usize::from_str_radix(start, 16).ok()?..usize::from_str_radix(end, 16).ok()?;
    let perms = fields.next()?;
    if perms.len() != 4 {
        return None;
    }
    let _offset = fields.next()?;
    let device = fields.next()?;
    if !device.contains(':') {
        return None;
    }
    let inode = fields.next()?.parse().ok()?;
    Some(Mapping { range, writable: perms.as_bytes()[1] == b'w', device: device.to_owned(), inode, anonymous_kb: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout of a PIE binary linked by GNU ld (`-z separate-code`, RELRO), abridged.
    const SMAPS: &str = "\
55d0c8000000-55d0c8a00000 r--p 00000000 fd:01 1234                       /opt/postern
Size:              10240 kB
Rss:                2048 kB
Anonymous:             0 kB
VmFlags: rd mr mw me dw sd
55d0c8a00000-55d0c9c4c000 r-xp 00a00000 fd:01 1234                       /opt/postern
Size:              18736 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me dw sd
55d0c9c4c000-55d0c9e00000 r--p 01c4c000 fd:01 1234                       /opt/postern
Size:               1744 kB
Anonymous:          1744 kB
VmFlags: rd mr mw me dw ac sd
55d0c9e00000-55d0c9e10000 rw-p 01e00000 fd:01 1234                       /opt/postern
Size:                 64 kB
Anonymous:            64 kB
VmFlags: rd wr mr mw me dw ac sd
55d0ca000000-55d0ca100000 rw-p 00000000 00:00 0                          [heap]
Anonymous:          1024 kB
7f0000000000-7f0000200000 r-xp 00028000 fd:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6
Anonymous:             0 kB
";

    #[test]
    fn only_the_binarys_read_only_code_and_data_that_the_file_can_give_back_are_dropped() {
        let inside = 0x55d0_c8b0_0000;
        assert_eq!(
            droppable_code(SMAPS, inside),
            vec![0x55d0_c800_0000..0x55d0_c8a0_0000, 0x55d0_c8a0_0000..0x55d0_c9c4_c000],
            "read-only data and code, not the relocated RELRO pages, the data, the heap or libc"
        );
    }

    #[test]
    fn nothing_is_dropped_when_the_address_is_in_no_file_mapping() {
        assert_eq!(droppable_code(SMAPS, 0x55d0_ca00_0010), Vec::<Range<usize>>::new(), "the heap is anonymous");
        assert_eq!(droppable_code(SMAPS, 0x1000), Vec::<Range<usize>>::new(), "not mapped at all");
    }

    #[test]
    fn a_mapping_whose_anonymous_count_was_not_read_is_kept() {
        let truncated = "55d0c8a00000-55d0c9c4c000 r-xp 00a00000 fd:01 1234 /opt/postern\nSize: 18736 kB\n";
        assert_eq!(droppable_code(truncated, 0x55d0_c8b0_0000), Vec::<Range<usize>>::new());
    }

    #[test]
    fn the_running_test_binary_has_code_to_drop() {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let inside = the_running_test_binary_has_code_to_drop as fn() as usize;
        let ranges = droppable_code(&smaps, inside);
        assert!(ranges.iter().any(|r| r.contains(&inside)), "the code of this test is among {ranges:x?}");
    }
}
