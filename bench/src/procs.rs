//! Memory and CPU of the processes under test, from /proc: VmRSS / VmHWM of
//! `/proc/PID/status`, utime + stime of `/proc/PID/stat`, sampled while wrk runs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/PID/stat` (`getconf CLK_TCK`; 100 on Linux).
pub fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// A field of `/proc/PID/status` in kB (`VmRSS`, `VmHWM`).
pub fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// utime + stime in clock ticks.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid …": comm may hold spaces and parentheses; fields start after
    // the last ")". utime and stime are the 14th and 15th fields overall.
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

pub fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).ok().map(|s| s.trim().to_owned())
}

fn parent(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines().find_map(|l| l.strip_prefix("PPid:")).and_then(|v| v.trim().parse().ok())
}

pub fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default()
}

/// This process and its ancestors (`cargo run` is the parent of this tool).
pub fn own_lineage() -> Vec<u32> {
    let mut pids = vec![std::process::id()];
    while let Some(p) = pids.last().and_then(|&p| parent(p)).filter(|&p| p > 1) {
        pids.push(p);
    }
    pids
}

/// Other wrk, postern, cargo or rustc processes: someone else's build or benchmark takes
/// CPU from this one. "rustc x3, cargo x1", or None.
pub fn other_load(ours: &[u32]) -> Option<String> {
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for pid in all_pids() {
        if ours.contains(&pid) {
            continue;
        }
        if let Some(c) = comm(pid).filter(|c| ["wrk", "postern", "cargo", "rustc"].contains(&c.as_str())) {
            *found.entry(c).or_default() += 1;
        }
    }
    (!found.is_empty()).then(|| found.iter().map(|(c, n)| format!("{c} x{n}")).collect::<Vec<_>>().join(", "))
}

/// PostgreSQL backends serving database `name` (their title names the database).
pub fn pg_backends(name: &str) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|&pid| comm(pid).is_some_and(|c| c == "postgres"))
        .filter(|&pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).split(' ').any(|w| w == name))
        })
        .collect()
}

/// The process groups of one measured run.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Postern,
    Postgres,
    Nginx,
    Wrk,
}

#[derive(Default, Clone, Debug)]
struct PidStats {
    first_ticks: u64,
    last_ticks: u64,
    peak_rss_kb: u64,
    peak_anon_kb: u64,
}

#[derive(Default, Clone, Debug)]
pub struct GroupStats {
    /// Largest sum of VmRSS over the group's processes in one sample.
    pub peak_rss_kb: u64,
    /// Largest VmRSS of one process of the group.
    pub peak_one_kb: u64,
    /// Largest RssAnon of one process of the group: its private memory, without the pages
    /// of its binary and libraries (shared between instances, dropped under pressure).
    pub peak_one_anon_kb: u64,
    /// CPU time over the window, in cores (1.0 = one core busy the whole time).
    pub cores: f64,
    pub processes: usize,
}

#[derive(Default)]
struct State {
    pids: BTreeMap<(Group, u32), PidStats>,
    peaks: BTreeMap<Group, u64>,
    first: Option<Instant>,
    last: Option<Instant>,
}

/// Samples the given processes every `interval` until stopped.
pub struct Sampler {
    state: Arc<Mutex<State>>,
    stop: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    hz: f64,
}

impl Drop for Sampler {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// What to watch: fixed pids per group, and optionally the backends of a PostgreSQL
/// database (looked up again now and then: a pool may open connections during the run).
#[derive(Clone, Default)]
pub struct Watch {
    pub fixed: Vec<(Group, u32)>,
    pub pg_database: Option<String>,
}

impl Sampler {
    pub fn start(watch: Watch, interval: Duration, hz: f64) -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let shared = state.clone();
        let task = tokio::spawn(async move {
            let mut pg: Vec<u32> = Vec::new();
            let mut n = 0u64;
            loop {
                if n.is_multiple_of(8)
                    && let Some(db) = &watch.pg_database
                {
                    pg = pg_backends(db);
                }
                n += 1;
                let pids = watch.fixed.iter().cloned().chain(pg.iter().map(|&p| (Group::Postgres, p)));
                sample(&shared, pids);
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = stopped.changed() => break,
                }
            }
            // One last sample at the end of the window.
            let pids = watch.fixed.iter().cloned().chain(pg.iter().map(|&p| (Group::Postgres, p)));
            sample(&shared, pids);
        });
        Sampler { state, stop, task: Some(task), hz }
    }

    /// Stops sampling; the statistics per group.
    pub async fn finish(mut self) -> BTreeMap<Group, GroupStats> {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        let state = match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let seconds = match (state.first, state.last) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => 0.0,
        };
        let mut out: BTreeMap<Group, GroupStats> = BTreeMap::new();
        for ((group, _), s) in &state.pids {
            let g = out.entry(group.clone()).or_default();
            g.processes += 1;
            g.peak_one_kb = g.peak_one_kb.max(s.peak_rss_kb);
            g.peak_one_anon_kb = g.peak_one_anon_kb.max(s.peak_anon_kb);
            if seconds > 0.0 {
                g.cores += (s.last_ticks.saturating_sub(s.first_ticks)) as f64 / self.hz / seconds;
            }
        }
        for (group, peak) in &state.peaks {
            out.entry(group.clone()).or_default().peak_rss_kb = *peak;
        }
        out
    }
}

fn sample(state: &Mutex<State>, pids: impl Iterator<Item = (Group, u32)>) {
    let now = Instant::now();
    let mut sums: BTreeMap<Group, u64> = BTreeMap::new();
    let mut readings = Vec::new();
    for (group, pid) in pids {
        let (Some(ticks), Some(rss)) = (cpu_ticks(pid), status_kb(pid, "VmRSS")) else { continue };
        let anon = status_kb(pid, "RssAnon").unwrap_or(0);
        *sums.entry(group.clone()).or_default() += rss;
        readings.push((group, pid, ticks, rss, anon));
    }
    let Ok(mut s) = state.lock() else { return };
    s.first.get_or_insert(now);
    s.last = Some(now);
    for (group, pid, ticks, rss, anon) in readings {
        let e = s.pids.entry((group, pid)).or_insert(PidStats { first_ticks: ticks, ..PidStats::default() });
        e.last_ticks = ticks;
        e.peak_rss_kb = e.peak_rss_kb.max(rss);
        e.peak_anon_kb = e.peak_anon_kb.max(anon);
    }
    for (group, sum) in sums {
        let peak = s.peaks.entry(group).or_default();
        *peak = (*peak).max(sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_resident_set_and_cpu_time() {
        let pid = std::process::id();
        assert!(status_kb(pid, "VmRSS").is_some_and(|kb| kb > 0));
        assert!(status_kb(pid, "VmHWM").is_some_and(|kb| kb > 0));
        assert!(status_kb(pid, "RssAnon").is_some_and(|kb| kb > 0));
        assert!(cpu_ticks(pid).is_some());
        assert!(own_lineage().starts_with(&[pid]));
    }
}
