-- Shared by the wrk scripts that postern-bench (bench/, run by scripts/bench.sh) runs
-- (loaded with dofile).
--
-- * setup() numbers the wrk threads (global `thread_id` in each thread's Lua state)
--   and keeps the thread objects, so done() can read per-thread counters with
--   thread:get().
-- * bench_report() prints one machine-readable line that postern-bench parses
--   (bench/src/wrk.rs):
--     BENCH requests=N duration_s=S rps=R p50_ms=.. p90_ms=.. p99_ms=.. max_ms=..
--           status_errors=N socket_errors=N [extra key=value ...]
--   wrk's latency values are microseconds; they are printed in milliseconds.
--   status_errors is wrk's own count of responses with a status > 399.

bench_threads = {}
local next_thread_id = 0

function setup(thread)
   thread:set("thread_id", next_thread_id)
   next_thread_id = next_thread_id + 1
   table.insert(bench_threads, thread)
end

-- Sum of a numeric global over all threads.
function bench_sum(name)
   local total = 0
   for _, t in ipairs(bench_threads) do
      total = total + (tonumber(t:get(name)) or 0)
   end
   return total
end

-- extra: optional list of {key, value} pairs appended to the BENCH line.
function bench_report(summary, latency, extra)
   local secs = summary.duration / 1e6
   local e = summary.errors
   local parts = {
      string.format("requests=%d", summary.requests),
      string.format("duration_s=%.3f", secs),
      string.format("rps=%.1f", summary.requests / secs),
      string.format("p50_ms=%.3f", latency:percentile(50) / 1000),
      string.format("p90_ms=%.3f", latency:percentile(90) / 1000),
      string.format("p99_ms=%.3f", latency:percentile(99) / 1000),
      string.format("max_ms=%.3f", latency.max / 1000),
      string.format("status_errors=%d", e.status),
      string.format("socket_errors=%d", e.connect + e.read + e.write + e.timeout),
   }
   for _, kv in ipairs(extra or {}) do
      table.insert(parts, kv[1] .. "=" .. tostring(kv[2]))
   end
   io.write("BENCH " .. table.concat(parts, " ") .. "\n")
end
