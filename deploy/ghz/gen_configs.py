#!/usr/bin/env python3
"""Generate the ghz load profiles in deploy/ghz/configs/ from the texts in deploy/ghz/texts/.

The texts are our own writing (news-style, English and Russian). Damaged variants are made
here, deterministically: UTF-8 misread as windows-1252 (WHATWG mapping, so the five bytes
cp1252 leaves undefined become C1 controls, as encoding_rs does) and HTML entities.

Every config carries its data inline, so it runs unchanged from any working directory and
from the ConfigMap the Kubernetes Job mounts. Only keys of ghz's config file are used
(see GHZ_KEYS; deploy/ci/validate.sh checks them).

Usage:
    python3 deploy/ghz/gen_configs.py          # rewrite deploy/ghz/configs/*.json
    python3 deploy/ghz/gen_configs.py --check  # exit 1 if a file is missing or stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEXTS = HERE / "texts"
CONFIGS = HERE / "configs"

SERVICE = "textstance.v1.TextService"
HOST = "127.0.0.1:50051"

# Keys of ghz's JSON config file (runner.Config json tags, ghz v0.120). Anything else is
# ignored by ghz and warned about by textstance-loadgen.
GHZ_KEYS = {
    "proto", "protoset", "call", "import-paths", "cacert", "cert", "key", "cname",
    "skipTLS", "skipFirst", "insecure", "authority", "async", "rps", "load-schedule",
    "load-start", "load-end", "load-step", "load-step-duration", "load-max-duration",
    "concurrency", "concurrency-schedule", "concurrency-start", "concurrency-end",
    "concurrency-step", "concurrency-step-duration", "concurrency-max-duration", "total",
    "timeout", "duration", "max-duration", "duration-stop", "data", "data-file",
    "binary-file", "metadata", "metadata-file", "stream-interval", "stream-call-duration",
    "stream-call-count", "stream-dynamic-messages", "reflect-metadata", "output", "format",
    "connections", "connect-timeout", "keepalive", "cpus", "name", "tags", "debug", "host",
    "enable-compression", "lb-strategy", "count-errors",
}

# Bytes windows-1252 leaves undefined; the WHATWG decoder maps them to U+0080 + offset.
CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def text(name: str) -> str:
    return (TEXTS / f"{name}.txt").read_text(encoding="utf-8").strip()


def mojibake(s: str) -> str:
    """UTF-8 bytes of s decoded as windows-1252, the way a browser would."""
    out = []
    for b in s.encode("utf-8"):
        out.append(chr(b) if b in CP1252_UNDEFINED else bytes([b]).decode("cp1252"))
    return "".join(out)


def entities(s: str) -> str:
    """Typographic characters written as HTML entities, as some feeds do."""
    return (
        s.replace("&", "&amp;")
        .replace("’", "&#8217;")
        .replace("“", "&ldquo;")
        .replace("”", "&rdquo;")
        .replace("—", "&mdash;")
    )


def document(doc_id: str, body: str, lang: str = "") -> dict:
    doc = {"text": body, "id": doc_id}
    if lang:
        doc["language_code"] = lang
    return doc


def analyze_request(doc: dict) -> dict:
    return {"document": doc, "offset_unit": "OFFSET_UNIT_UTF8"}


def base(call: str, name: str) -> dict:
    return {
        "name": name,
        "call": call,
        "host": HOST,
        "insecure": True,
        "concurrency": 50,
        "connections": 4,
        "duration": "30s",
        "timeout": "5s",
        "metadata": {"x-request-id": "ghz-{{.RequestNumber}}"},
    }


CLEAN = ["en-grid-talks", "en-harbour", "en-budget", "en-flood", "en-chips",
         "ru-grain", "ru-metro", "ru-budget"]


def batch_documents(count: int) -> list[dict]:
    """`count` documents cycling through the texts; every third is damaged."""
    docs = []
    for i in range(count):
        name = CLEAN[i % len(CLEAN)]
        body = text(name)
        if i % 3 == 1:
            body = mojibake(body)
        elif i % 6 == 2:
            body = entities(body)
        docs.append(document(f"ghz-batch-{i:02}-{name}", body))
    return docs


def configs() -> dict[str, dict]:
    out: dict[str, dict] = {}

    health = base("grpc.health.v1.Health.Check", "baseline: grpc.health.v1.Health/Check")
    health["data"] = {"service": ""}
    out["health-check.json"] = health

    analyze = base(f"{SERVICE}.AnalyzeText", "AnalyzeText, 1.4 KB English news paragraph")
    analyze["data"] = analyze_request(document("ghz-en-grid-talks", text("en-grid-talks"), "en"))
    out["analyze-text.json"] = analyze

    ramp = base(f"{SERVICE}.AnalyzeText", "AnalyzeText, step load from 1000 to 20000 RPS")
    ramp.update({
        "duration": "100s",
        "load-schedule": "step",
        "load-start": 1000,
        "load-step": 1000,
        "load-step-duration": "5s",
        "load-end": 20000,
        "load-max-duration": "100s",
    })
    ramp["data"] = analyze["data"]
    out["analyze-text-step.json"] = ramp

    batch = base(f"{SERVICE}.BatchAnalyzeTexts", "BatchAnalyzeTexts, 25 documents")
    batch["concurrency"] = 8
    batch["timeout"] = "10s"
    batch["data"] = {"requests": [analyze_request(d) for d in batch_documents(25)]}
    out["batch-analyze-texts.json"] = batch

    stream = base(f"{SERVICE}.StreamAnalyzeText", "StreamAnalyzeText, 25 messages per stream")
    stream["concurrency"] = 8
    stream["timeout"] = "10s"
    stream["data"] = [{"request": analyze_request(d)} for d in batch_documents(25)]
    out["stream-analyze-text.json"] = stream

    normalize = base(f"{SERVICE}.NormalizeText", "NormalizeText on mojibake and entities")
    normalize["data"] = [
        {"document": document("ghz-mojibake-en", mojibake(text("en-grid-talks")))},
        {"document": document("ghz-mojibake-ru", mojibake(text("ru-grain")))},
        {"document": document("ghz-entities-en", entities(text("en-harbour")))},
    ]
    out["normalize-mojibake.json"] = normalize

    for name, cfg in out.items():
        unknown = set(cfg) - GHZ_KEYS
        assert not unknown, f"{name}: not ghz config keys: {sorted(unknown)}"
    return out


def render(cfg: dict) -> str:
    """Readable UTF-8 JSON, with C1 controls escaped: YAML (hence a ConfigMap rendered by
    kustomize) rejects them raw, and an escape is the same JSON string."""
    out = json.dumps(cfg, ensure_ascii=False, indent=2) + "\n"
    return "".join(f"\\u{ord(c):04x}" if 0x80 <= ord(c) <= 0x9F else c for c in out)


PROTOS = {
    "textstance.v1.TextService": HERE.parent.parent / "proto/textstance/v1/text_service.proto",
    "grpc.health.v1.Health": HERE / "proto/grpc/health/v1/health.proto",
}


def check_calls(cfgs: dict[str, dict]) -> list[str]:
    """Every `call` must name an rpc declared in our .proto files."""
    errors = []
    for name, cfg in cfgs.items():
        service, _, method = cfg["call"].rpartition(".")
        proto = PROTOS.get(service)
        if proto is None:
            errors.append(f"{name}: unknown service {service}")
        elif f"rpc {method}(" not in proto.read_text(encoding="utf-8"):
            errors.append(f"{name}: {proto.name} declares no rpc {method}")
    return errors


def main(argv: list[str]) -> int:
    check = "--check" in argv
    cfgs = configs()
    errors = check_calls(cfgs)
    for error in errors:
        print(error, file=sys.stderr)
    stale = []
    CONFIGS.mkdir(exist_ok=True)
    for name, cfg in cfgs.items():
        path = CONFIGS / name
        want = render(cfg)
        if not check:
            path.write_text(want, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != want:
            stale.append(name)
    if stale:
        print(f"stale ghz configs: {', '.join(stale)}; run: python3 deploy/ghz/gen_configs.py",
              file=sys.stderr)
    return 1 if errors or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
