#!/usr/bin/env bash
# Performance run against ONE running textstance server, every figure from
# the same run with the same load generator, concurrency and connections:
#   1. baseline: grpc.health.v1.Health/Check (the empty call), closed loop;
#   2. AnalyzeText on a 1.5 KB paragraph, closed loop -> RPS as a fraction of 1;
#      then the same ratio from ROUNDS interleaved slices (B A B A ...), which
#      cancels slow drifts in other load on the machine;
#   3. AnalyzeText paced at half of its peak RPS -> p99 latency, errors;
#   4. BatchAnalyzeTexts (BATCH docs per call) -> MB/s of text;
#   5. StreamAnalyzeText (STREAM_MSGS docs per stream) -> MB/s of text;
#   6. server RSS (VmRSS, VmHWM) from /proc when SERVER_PID is set.
#
# Usage: clients/loadgen/bench.sh [HOST]            (default 127.0.0.1:50051)
# Env:   LOADGEN      loadgen binary (default: $CARGO_TARGET_DIR or target, release)
#        C=50 CONNS=4 DURATION=10s BATCH=25 STREAM_MSGS=25
#        ROUNDS=5 SLICE=2s   interleaved baseline/AnalyzeText slices for the ratio
#        PARAGRAPH    text file (default clients/loadgen/bench/paragraph_en.txt)
#        SERVER_PID   server process id, for RSS and CPU per call
#        SERVER_BIN   if set, bench.sh starts "$SERVER_BIN --listen HOST $SERVER_ARGS"
#                     itself, waits for its health check, and stops it at the end
#        OUT          directory for the JSON reports (default /tmp/textstance-bench)
# Needs: jq. Exits 1 if any call of any run failed, 64/69 if a run cannot start.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
host="${1:-127.0.0.1:50051}"
target_dir="${CARGO_TARGET_DIR:-$here/../../target}"
loadgen="${LOADGEN:-$target_dir/release/textstance-loadgen}"
c="${C:-50}"
conns="${CONNS:-4}"
duration="${DURATION:-10s}"
batch="${BATCH:-25}"
stream_msgs="${STREAM_MSGS:-25}"
paragraph="${PARAGRAPH:-$here/bench/paragraph_en.txt}"
out="${OUT:-/tmp/textstance-bench}"
mkdir -p "$out"

[ -x "$loadgen" ] || { echo "no loadgen binary at $loadgen (cargo build --release -p textstance-loadgen)" >&2; exit 64; }
command -v jq >/dev/null || { echo "bench.sh needs jq" >&2; exit 64; }

if [ -n "${SERVER_BIN:-}" ]; then
  # shellcheck disable=SC2086
  "$SERVER_BIN" --listen "$host" ${SERVER_ARGS:-} >"$out/server.log" 2>&1 &
  SERVER_PID=$!
  trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    "$loadgen" --insecure --call grpc.health.v1.Health/Check -n 1 -c 1 --connect-timeout 200ms -O json "$host" \
      2>/dev/null | jq -e '.statusCodeDistribution.OK == 1' >/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited; see $out/server.log" >&2; exit 69; }
    sleep 0.1
  done
fi

text_bytes=$(wc -c <"$paragraph")
one=$(jq -Rs '{document: {text: ., id: "p"}}' "$paragraph")
echo "$one" >"$out/analyze.json"
jq -n --argjson doc "$one" --argjson n "$batch" '{requests: [range($n) | $doc]}' >"$out/batch.json"
jq -n --argjson doc "$one" --argjson n "$stream_msgs" '[range($n) | {request: $doc}]' >"$out/stream.json"

cpu_ticks() { # utime + stime of the server, all threads, in clock ticks
  [ -n "${SERVER_PID:-}" ] || { echo 0; return; }
  awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"
}
run() { # name, extra args...
  local name="$1"; shift
  local before; before=$(cpu_ticks)
  "$loadgen" --insecure -c "$c" --connections "$conns" -z "$duration" -O json "$@" "$host" >"$out/$name.report.json"
  echo $(( $(cpu_ticks) - before )) >"$out/$name.cpu_ticks"
}
# Server CPU per call in µs: robust to other load on the machine, unlike RPS.
cpu_per_call() {
  [ -n "${SERVER_PID:-}" ] || { echo "n/a"; return; }
  awk -v t="$(cat "$out/$1.cpu_ticks")" -v hz="$(getconf CLK_TCK)" -v n="$(field "$1" .count)" \
    'BEGIN { if (n > 0) printf "%.1f us", t / hz * 1e6 / n; else print "n/a" }'
}
# MB of text per second of server CPU (one core fully busy), for $2 docs/call.
mb_per_cpu_s() {
  [ -n "${SERVER_PID:-}" ] || { echo "n/a"; return; }
  awk -v t="$(cat "$out/$1.cpu_ticks")" -v hz="$(getconf CLK_TCK)" -v n="$(field "$1" .count)" \
    -v d="$2" -v b="$text_bytes" 'BEGIN { if (t > 0) printf "%.1f", n * d * b / 1e6 / (t / hz); else print "n/a" }'
}
field() { jq -r "$2" "$out/$1.report.json"; }
errors() { jq -r '[.statusCodeDistribution | to_entries[] | select(.key != "OK") | .value] | add // 0' "$out/$1.report.json"; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.3f ms", ns / 1e6 }'; }

rss() {
  [ -n "${SERVER_PID:-}" ] || return 0
  awk '/^VmRSS|^VmHWM/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' "/proc/$SERVER_PID/status"
  echo
}

echo "host $host, c=$c, connections=$conns, duration=$duration per run, loadgen $loadgen"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
[ -n "${SERVER_PID:-}" ] && echo "server RSS before: $(rss)"

run baseline --call grpc.health.v1.Health/Check
base_rps=$(field baseline .rps)
printf '1. baseline Health/Check:        %10.0f rps  p99 %s  errors %s  server CPU/call %s\n' \
  "$base_rps" "$(ms "$(field baseline '.latencyDistribution[6].latency')")" "$(errors baseline)" "$(cpu_per_call baseline)"

run analyze --call textstance.v1.TextService/AnalyzeText -D "$out/analyze.json"
an_rps=$(field analyze .rps)
printf '2. AnalyzeText (%s B):         %10.0f rps  p99 %s  errors %s  server CPU/call %s  = %.3f of baseline\n' \
  "$text_bytes" "$an_rps" "$(ms "$(field analyze '.latencyDistribution[6].latency')")" "$(errors analyze)" \
  "$(cpu_per_call analyze)" "$(awk -v a="$an_rps" -v b="$base_rps" 'BEGIN { print a / b }')"

rounds="${ROUNDS:-5}"
slice="${SLICE:-2s}"
ratios=""
for r in $(seq "$rounds"); do
  run "slice_base_$r" --call grpc.health.v1.Health/Check -z "$slice"
  run "slice_an_$r" --call textstance.v1.TextService/AnalyzeText -D "$out/analyze.json" -z "$slice"
  ratios="$ratios $(awk -v a="$(field "slice_an_$r" .rps)" -v b="$(field "slice_base_$r" .rps)" 'BEGIN { printf "%.3f", a / b }')"
done
median=$(echo "$ratios" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
printf '   interleaved %s x (%s + %s): ratios%s  median %s\n' "$rounds" "$slice" "$slice" "$ratios" "$median"

half=$(awk -v a="$an_rps" 'BEGIN { printf "%d", a / 2 }')
run half --call textstance.v1.TextService/AnalyzeText -D "$out/analyze.json" --rps "$half"
printf '3. AnalyzeText at half peak:     %10.0f rps  p50 %s  p99 %s  p99.9 %s  errors %s\n' \
  "$(field half .rps)" "$(ms "$(field half '.latencyDistribution[2].latency')")" \
  "$(ms "$(field half '.latencyDistribution[6].latency')")" \
  "$(ms "$(field half '.latencyDistributionExtra[0].latency')")" \
  "$(errors half)"
[ -n "${SERVER_PID:-}" ] && echo "   server RSS after half-peak run: $(rss)"

run batch --call textstance.v1.TextService/BatchAnalyzeTexts -D "$out/batch.json"
printf '4. BatchAnalyzeTexts (%s docs):  %10.0f calls/s  %.1f MB/s of text  errors %s  (%s MB per server CPU-second)\n' \
  "$batch" "$(field batch .rps)" \
  "$(awk -v r="$(field batch .rps)" -v n="$batch" -v b="$text_bytes" 'BEGIN { print r * n * b / 1e6 }')" \
  "$(errors batch)" "$(mb_per_cpu_s batch "$batch")"

run stream --call textstance.v1.TextService/StreamAnalyzeText -D "$out/stream.json"
printf '5. StreamAnalyzeText (%s msgs):  %10.0f streams/s  %.1f MB/s of text  errors %s  (%s MB per server CPU-second)\n' \
  "$stream_msgs" "$(field stream .rps)" \
  "$(awk -v r="$(field stream .rps)" -v n="$stream_msgs" -v b="$text_bytes" 'BEGIN { print r * n * b / 1e6 }')" \
  "$(errors stream)" "$(mb_per_cpu_s stream "$stream_msgs")"

[ -n "${SERVER_PID:-}" ] && echo "6. server RSS at the end: $(rss)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "JSON reports in $out"
failed=0
for name in baseline analyze half batch stream $(for r in $(seq "$rounds"); do echo "slice_base_$r slice_an_$r"; done); do
  failed=$((failed + $(errors "$name")))
done
if [ "$failed" -gt 0 ]; then
  echo "FAILED: $failed calls ended with an error" >&2
  exit 1
fi
