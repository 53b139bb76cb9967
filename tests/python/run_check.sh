#!/usr/bin/env bash
# Starts a textstance-server binary on a free local port, runs the Python
# grpcio interop check against it, then stops it with SIGTERM and checks it
# exits 0 (graceful shutdown).
#
#   tests/python/run_check.sh [PATH/TO/textstance-server] [PYTHON]
#
# PYTHON must have tests/python/requirements.txt installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-${CARGO_TARGET_DIR:-$here/../../target}/debug/textstance-server}"
py="${2:-python3}"
port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
log="$(mktemp)"
"$bin" --listen "127.0.0.1:$port" --log-level warn >"$log" 2>&1 &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
status=0
"$py" "$here/check_grpc.py" --target "127.0.0.1:$port" || status=$?
kill -TERM "$pid"
trap - EXIT
if ! wait "$pid"; then
    echo "run_check: server did not exit cleanly on SIGTERM; log:" >&2
    cat "$log" >&2
    status=1
fi
rm -f "$log"
exit "$status"
