#!/usr/bin/env bash
# scripts/bench/cpu-profile.sh — where the CPU goes during one wrk run of scripts/bench.sh
# (BENCH_PROFILE=1).
#
# Usage: cpu-profile.sh SECONDS WRK_PID NGINX_PID|0 INSTANCE_PID...
#
# Reads utime+stime of every process from /proc twice: 0.5 s after wrk started and
# SECONDS - 0.5 s after (SECONDS: the wrk duration), both while wrk runs, and prints the CPU
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

# snapshot: fills last[pid], group[pid]; first[pid] on the first sample (0 for later pids,
# which count in full).
snapshot() {
    local initial="$1" f pid line rest comm g ticks
    for f in /proc/[0-9]*/stat; do
        read -r line <"$f" 2>/dev/null || continue
        pid="${line%% *}"
        comm="${line#*(}"
        comm="${comm%)*}"
        rest="${line##*) }"
        # After "pid (comm) ": state(3) ppid(4) ... utime(14) stime(15) → fields 12 and 13 of rest.
        read -r -a fields <<<"$rest"
        ticks=$((fields[11] + fields[12]))
        if [[ -z "${group[$pid]:-}" ]]; then
            g="${role[$pid]:-}"
            if [[ -z "$g" ]]; then
                if [[ "$comm" = postgres ]]; then
                    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'postern_bench_'; then
                        g=pg-ours
                    else
                        g=pg-other
                    fi
                else
                    g=other
                fi
            fi
            group[$pid]="$g"
            name[$pid]="$comm"
            if [[ "$initial" = 1 ]]; then first[$pid]="$ticks"; else first[$pid]=0; fi
        fi
        last[$pid]="$ticks"
    done
}

cpu_idle() { awk '/^cpu / { print $5 + $6; exit }' /proc/stat; }
now_ms() { date +%s%3N; }

sleep 0.5
snapshot 1
t0="$(now_ms)"
idle0="$(cpu_idle)"
sleep "$(awk -v s="$seconds" 'BEGIN { w = s - 1; printf "%.1f", (w > 0.5 ? w : 0.5) }')"
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
    if [[ "$g" = other ]]; then
        # The biggest other commands (a build or test run of someone else shows up here).
        top="$(for n in "${!other[@]}"; do printf '%s %s\n' "${other[$n]}" "$n"; done | sort -rn | head -n 3 |
            while read -r t n; do ((t > 0)) && printf '%s %s, ' "$n" "$(cores "$t")"; done)"
        [[ -z "$top" ]] || c="$c (${top%, })"
    fi
    printf 'cpu %-9s %s cores\n' "$g" "$c"
    summary+="$g $c, "
done
idle="$(cores $((idle1 - idle0)))"
printf 'cpu %-9s %s cores (of %s; window %.1f s)\n' idle "$idle" "$NCPU" "$(awk -v ms="$window_ms" 'BEGIN { print ms / 1000 }')"
echo "cores used: ${summary}idle $idle of $NCPU"
