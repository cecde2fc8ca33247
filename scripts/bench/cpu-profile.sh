#!/usr/bin/env bash
# scripts/bench/cpu-profile.sh — where the CPU goes during one wrk run of scripts/bench.sh
# (BENCH_PROFILE=1).
#
# Usage: cpu-profile.sh SECONDS WRK_PID NGINX_PID|0 INSTANCE_PID...
#
# Reads utime+stime of every process from /proc twice: 0.5 s after wrk started and about
# SECONDS - 1 s after (SECONDS: the wrk duration), both while wrk runs, and prints the CPU
# each group used in between, in cores (1.00 = one core busy the whole window):
#   postern    the instances given
#   pg-ours    PostgreSQL backends serving the benchmark's databases (postern_bench_*)
#   pg-other   every other postgres process (WAL writer, checkpointer, autovacuum, other
#              clients' backends)
#   nginx      the nginx given (0: none)
#   wrk        WRK_PID
#   other      everything else on the machine, with its three biggest commands (someone
#              else's build or benchmark shows up here)
#   idle       from /proc/stat (idle + iowait)
# The last line is one summary line, which bench.sh copies into its table. Two samples
# only, so the probe itself costs next to nothing.
#
# Processes that start during the window count in full; ones that exit during it are
# missed (Postern's pool keeps its connections, so after the warm-up no backend comes or
# goes).
set -uo pipefail

seconds="$1"
wrk_pid="$2"
nginx_pid="$3"
shift 3
declare -A role=()
role[$wrk_pid]=wrk
[[ "$nginx_pid" = 0 ]] || role[$nginx_pid]=nginx
for p in "$@"; do role[$p]=postern; done

HZ="$(getconf CLK_TCK)"
NCPU="$(nproc)"
declare -A first=() last=() group=() name=()

# snapshot INITIAL: fills last[pid], group[pid], name[pid]; first[pid] on the first
# sample (0 for later pids, which count in full). One cat and one awk, so that it is quick
# even on a saturated machine.
snapshot() {
    local initial="$1" pid ticks comm g pg_new=()
    while read -r pid ticks comm; do
        if [[ -z "${group[$pid]:-}" ]]; then
            g="${role[$pid]:-}"
            if [[ -z "$g" ]]; then
                if [[ "$comm" = postgres ]]; then g=pg-other; pg_new+=("/proc/$pid/cmdline"); else g=other; fi
            fi
            group[$pid]="$g"
            name[$pid]="$comm"
            if [[ "$initial" = 1 ]]; then first[$pid]="$ticks"; else first[$pid]=0; fi
        fi
        last[$pid]="$ticks"
    done < <(cat /proc/[0-9]*/stat 2>/dev/null | awk '{
        # pid (comm) state ppid ... utime stime: utime and stime are fields 12 and 13
        # after the ")" that ends comm (comm may hold spaces).
        rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " ")
        comm = $0; sub(/^[0-9]+ \(/, "", comm); sub(/\) [^)]*$/, "", comm)
        print $1, f[12] + f[13], comm
    }')
    # Backends of the benchmark's databases: their title names the database.
    if ((${#pg_new[@]})); then
        local f
        while IFS= read -r -d '' f; do
            pid="${f#/proc/}"
            group[${pid%/cmdline}]=pg-ours
        done < <(grep -lZ postern_bench_ "${pg_new[@]}" 2>/dev/null)
    fi
}

cpu_idle() { awk '/^cpu / { print $5 + $6; exit }' /proc/stat; }
now_ms() { date +%s%3N; }

sleep 0.5
snapshot 1
t0="$(now_ms)"
idle0="$(cpu_idle)"
sleep "$(awk -v s="$seconds" 'BEGIN { w = s - 1.5; printf "%.1f", (w > 0.5 ? w : 0.5) }')"
if ! kill -0 "$wrk_pid" 2>/dev/null; then
    echo "cpu: wrk ended before the second sample"
    exit 0
fi
snapshot 0
t1="$(now_ms)"
idle1="$(cpu_idle)"

window_ms=$((t1 - t0))
if ((window_ms < 500)); then
    echo "cpu: window too short to measure"
    exit 0
fi
declare -A used=() other=()
for pid in "${!last[@]}"; do
    g="${group[$pid]}"
    d=$((last[$pid] - first[$pid]))
    ((d < 0)) && d=0
    used[$g]=$((${used[$g]:-0} + d))
    [[ "$g" != other ]] || other[${name[$pid]}]=$((${other[${name[$pid]}]:-0} + d))
done
cores() { awk -v t="$1" -v hz="$HZ" -v ms="$window_ms" 'BEGIN { printf "%.2f", t / hz / (ms / 1000) }'; }
summary=""
for g in postern pg-ours pg-other nginx wrk other; do
    [[ "$g" = nginx && "$nginx_pid" = 0 ]] && continue
    c="$(cores "${used[$g]:-0}")"
    top=""
    if [[ "$g" = other ]]; then
        # The biggest other commands (a build or test run of someone else shows up here).
        top="$(for n in "${!other[@]}"; do printf '%s %s\n' "${other[$n]}" "$n"; done | sort -rn | head -n 3 |
            while read -r t n; do ((t > 0)) && printf '%s %s, ' "$n" "$(cores "$t")"; done)"
        [[ -z "$top" ]] || top=" (${top%, })"
    fi
    printf 'cpu %-9s %s cores%s\n' "$g" "$c" "$top"
    summary+="$g $c$top, "
done
idle="$(cores $((idle1 - idle0)))"
printf 'cpu %-9s %s cores (of %s; window %.1f s)\n' idle "$idle" "$NCPU" "$(awk -v ms="$window_ms" 'BEGIN { print ms / 1000 }')"
echo "cores used: ${summary}idle $idle of $NCPU"
