#!/usr/bin/env python3
"""Server CPU per call and RSS for one ghz profile, for sizing Kubernetes requests.

Drives a local textstance-server (same host, its PID given) with a closed loop of
`--concurrency` Python grpcio workers for `--seconds`, using the request data of a
deploy/ghz/configs/*.json profile, and reads the server's CPU time (utime + stime) and RSS
from /proc before and after. CPU per call is what sizes the CPU request; throughput here is
bounded by the Python client (about 10k calls/s), so use ghz or textstance-loadgen for peak RPS.

Setup (once; a throwaway venv):
    python3 -m venv /tmp/cpc && /tmp/cpc/bin/pip install grpcio grpcio-tools
Run (from the repository root, server on 127.0.0.1:50051):
    /tmp/cpc/bin/python deploy/ghz/cpu_per_call.py --pid "$(pgrep -n textstance-serv)" \
        deploy/ghz/configs/analyze-text.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_messages(config: dict):
    """The profile's request messages, serialized, and the gRPC method path."""
    service, _, method = config["call"].rpartition(".")
    data = config["data"]
    items = data if isinstance(data, list) else [data]
    if service == "grpc.health.v1.Health":
        # HealthCheckRequest{service} is field 1, a string: encode it by hand.
        msgs = []
        for item in items:
            name = item.get("service", "").encode()
            msgs.append(b"\x0a" + bytes([len(name)]) + name if name else b"")
        return f"/{service}/{method}", msgs
    from grpc_tools import protoc  # imported late: only textstance calls need generated code
    from google.protobuf import json_format

    out = tempfile.mkdtemp(prefix="textstance-pb-")
    proto = ROOT / "proto"
    rc = protoc.main(["protoc", f"-I{proto}", f"--python_out={out}",
                      str(proto / "textstance/v1/types.proto"),
                      str(proto / "textstance/v1/text_service.proto")])
    if rc != 0:
        sys.exit("protoc failed")
    sys.path.insert(0, out)
    from textstance.v1 import text_service_pb2  # type: ignore[import-not-found]

    cls = getattr(text_service_pb2, f"{method}Request")
    return f"/{service}/{method}", [
        json_format.ParseDict(item, cls()).SerializeToString() for item in items
    ]


async def drive(target: str, path: str, msgs: list[bytes], concurrency: int,
                connections: int, seconds: float, pid: int) -> dict:
    import grpc

    channels = [grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
                for _ in range(connections)]
    calls = [ch.unary_unary(path, request_serializer=None, response_deserializer=None)
             for ch in channels]
    ok, errors = 0, {}
    deadline = time.monotonic() + seconds

    async def worker(i: int) -> None:
        nonlocal ok
        call, n = calls[i % len(calls)], i
        while time.monotonic() < deadline:
            try:
                await call(msgs[n % len(msgs)], timeout=5)
                ok += 1
            except grpc.aio.AioRpcError as e:
                errors[e.code().name] = errors.get(e.code().name, 0) + 1
            n += 1

    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
    calls_done = ok + sum(errors.values())
    return {"call": path, "ok": ok, "errors": errors, "seconds": round(elapsed, 2),
            "calls_per_s": round(calls_done / elapsed), "server_cpu_s": round(cpu, 2),
            "server_cpu_us_per_call": round(cpu * 1e6 / max(calls_done, 1), 1),
            "server_rss_mib": round(rss_mib(pid), 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("config", help="a deploy/ghz/configs/*.json profile (unary calls only)")
    p.add_argument("--pid", type=int, required=True, help="textstance-server process id")
    p.add_argument("--target", default="127.0.0.1:50051")
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--seconds", type=float, default=10.0)
    a = p.parse_args()
    config = json.loads(Path(a.config).read_text(encoding="utf-8"))
    if "Stream" in config["call"]:
        sys.exit("streaming profiles are not supported here; use ghz or textstance-loadgen")
    path, msgs = load_messages(config)
    print(json.dumps({"rss_mib_before": round(rss_mib(a.pid), 1)}))
    print(json.dumps(asyncio.run(drive(a.target, path, msgs, a.concurrency, a.connections,
                                       a.seconds, a.pid))))


if __name__ == "__main__":
    main()
