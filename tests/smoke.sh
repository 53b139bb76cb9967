#!/usr/bin/env bash
# Smoke test of the real server binary from outside: grpcurl (reflection,
# health, a call, a rich error) and the Python grpcio interop check.
# Usage: tests/smoke.sh GRPCURL PYTHON
set -euo pipefail
GRPCURL=${1:?grpcurl path}
PY=${2:?python path}
cd "$(dirname "$0")/.."

cargo build --locked -q -p textstance-server -p textstance-cli
BIN=${CARGO_TARGET_DIR:-target}/debug
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ADDR=127.0.0.1:$PORT
LOG=$(mktemp)
"$BIN/textstance-server" --listen "$ADDR" --log-format json >"$LOG" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; rm -f "$LOG"; }
trap cleanup EXIT

# Wait for readiness (bounded): the health check answers SERVING.
for _ in $(seq 1 100); do
  if "$GRPCURL" -plaintext -max-time 1 -d '{"service":"readiness"}' "$ADDR" grpc.health.v1.Health/Check 2>/dev/null | grep -q SERVING; then
    break
  fi
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; echo "server exited early" >&2; exit 1; }
  sleep 0.1
done

echo "--- grpcurl list (reflection)"
# (Not `tee /dev/stderr`: opening it truncates a log that stdout and stderr share.)
services=$("$GRPCURL" -plaintext "$ADDR" list)
echo "$services"
echo "$services" | grep -q '^textstance.v1.TextService$'

echo "--- grpcurl AnalyzeText"
out=$("$GRPCURL" -plaintext -d '{"document":{"text":"Itâ€™s probably too early. There is little reason for optimism.","id":"smoke-1"}}' \
  "$ADDR" textstance.v1.TextService/AnalyzeText)
echo "$out" | head -c 2000
echo "$out" | grep -q '"CUE_CATEGORY_HEDGE"'
echo "$out" | grep -q 'It’s probably'

echo "--- grpcurl rich error (BadRequest decoded)"
set +e
err=$("$GRPCURL" -plaintext -format-error -d '{"document":{"raw_content":"aGk=","charset_label":"klingon-8"}}' \
  "$ADDR" textstance.v1.TextService/NormalizeText 2>&1)
set -e
echo "$err"
echo "$err" | grep -q '"code": 3'
echo "$err" | grep -q 'document.charset_label'

echo "--- Python grpcio interop"
"$PY" tests/python/check_grpc.py --target "$ADDR"

echo "--- CLI against the server equals embedded"
a=$(printf 'It seems the talks may resume.\n' | "$BIN/textstance" --server "http://$ADDR" analyze --json -)
b=$(printf 'It seems the talks may resume.\n' | "$BIN/textstance" analyze --json -)
[ "$a" = "$b" ] || { echo "server and embedded output differ" >&2; diff <(echo "$a") <(echo "$b"); exit 1; }

echo "--- graceful shutdown"
kill -TERM "$PID"
wait "$PID"
echo "server exited with $?"
