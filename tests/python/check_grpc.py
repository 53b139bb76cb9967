#!/usr/bin/env python3
"""Interop check: a Python grpcio client against a running textstance-server.

Usage:
    python3 tests/python/check_grpc.py --target 127.0.0.1:PORT [--proto-root proto]

It compiles proto/textstance/v1/*.proto with grpcio-tools into a temporary
directory, then checks over real gRPC from another language:
  * health (grpc.health.v1) for "", textstance.v1.TextService, liveness, readiness;
  * reflection v1alpha lists textstance.v1.TextService;
  * AnalyzeText on English and Russian text, raw windows-1251 bytes, gzip;
  * UTF-16 offsets pick out the cue text (emoji before the cue);
  * error details: INVALID_ARGUMENT with google.rpc.BadRequest and ErrorInfo
    decoded with grpcio-status (unknown charset, empty document, batch item);
  * a bidirectional stream with a bad item in the middle keeps going;
  * the caller's deadline gives DEADLINE_EXCEEDED.

Exits 0 when every check passes, 1 otherwise (2 when the environment is
missing a requirement). Requirements: tests/python/requirements.txt.
"""

import argparse
import importlib
import os
import sys
import tempfile

try:
    import grpc
    from grpc_tools import protoc
    from grpc_status import rpc_status
    from google.rpc import error_details_pb2
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
except ImportError as e:  # pragma: no cover - environment problem
    print(f"check_grpc: missing requirement ({e}); pip install -r tests/python/requirements.txt",
          file=sys.stderr)
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))

FAILURES = []


def check(name, cond, detail=""):
    if cond:
        print(f"ok   {name}")
    else:
        print(f"FAIL {name} {detail}")
        FAILURES.append(name)


def compile_protos(proto_root):
    out = tempfile.mkdtemp(prefix="textstance-py-")
    files = ["textstance/v1/types.proto", "textstance/v1/text_service.proto"]
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    rc = protoc.main(["grpc_tools.protoc", f"-I{proto_root}", f"-I{include}",
                      f"--python_out={out}", f"--grpc_python_out={out}"] + files)
    if rc != 0:
        print(f"check_grpc: protoc failed with {rc}", file=sys.stderr)
        sys.exit(2)
    sys.path.insert(0, out)
    types = importlib.import_module("textstance.v1.types_pb2")
    svc = importlib.import_module("textstance.v1.text_service_pb2")
    svc_grpc = importlib.import_module("textstance.v1.text_service_pb2_grpc")
    return types, svc, svc_grpc


def error_details(err):
    """(code, reason, [fields]) of an RpcError, from its google.rpc.Status."""
    status = rpc_status.from_call(err)
    reason, fields = "", []
    if status is not None:
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                br = error_details_pb2.BadRequest()
                detail.Unpack(br)
                fields += [v.field for v in br.field_violations]
            elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason = info.reason
    return err.code(), reason, fields


def expect_error(name, call, code, reason, fields):
    try:
        call()
    except grpc.RpcError as err:
        got = error_details(err)
        check(name, got == (code, reason, fields), f"got {got}")
        return
    check(name, False, "no error")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", required=True, help="HOST:PORT of the server")
    ap.add_argument("--proto-root", default=DEFAULT_PROTO_ROOT)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the server")
    args = ap.parse_args()

    types, svc, svc_grpc = compile_protos(args.proto_root)
    channel = grpc.insecure_channel(args.target)
    try:
        grpc.channel_ready_future(channel).result(timeout=args.timeout)
    except grpc.FutureTimeoutError:
        print(f"check_grpc: no server at {args.target}", file=sys.stderr)
        return 1
    stub = svc_grpc.TextServiceStub(channel)

    # Health, every name.
    health = health_pb2_grpc.HealthStub(channel)
    for name in ["", "textstance.v1.TextService", "liveness", "readiness"]:
        r = health.Check(health_pb2.HealthCheckRequest(service=name))
        check(f"health {name!r} SERVING", r.status == health_pb2.HealthCheckResponse.SERVING)

    # Reflection v1alpha (what grpcurl 1.8 uses).
    refl = reflection_pb2_grpc.ServerReflectionStub(channel)
    answers = list(refl.ServerReflectionInfo(iter([
        reflection_pb2.ServerReflectionRequest(list_services="")])))
    names = [s.name for s in answers[0].list_services_response.service] if answers else []
    check("reflection v1alpha lists TextService", "textstance.v1.TextService" in names, names)
    check("reflection v1alpha lists Health", "grpc.health.v1.Health" in names, names)

    def doc(text=None, raw=None, charset="", id_=""):
        d = types.Document(id=id_, charset_label=charset)
        if text is not None:
            d.text = text
        if raw is not None:
            d.raw_content = raw
        return d

    # AnalyzeText, English and Russian.
    en = ("Officials said a deal was probably close. There is little reason for optimism, "
          "one mediator said.")
    r = stub.AnalyzeText(svc.AnalyzeTextRequest(document=doc(text=en, id_="en")))
    res = r.result
    check("analyze en: id echoed", res.id == "en")
    check("analyze en: language", res.language.code == "en")
    check("analyze en: sentences", len(res.sentences) == 2, len(res.sentences))
    cats = {c.category for c in res.cues}
    check("analyze en: hedge and pessimism cues",
          types.CUE_CATEGORY_HEDGE in cats and types.CUE_CATEGORY_PESSIMISM in cats, res.cues)
    check("analyze en: lexicon version", bool(res.lexicon_version.content_hash))

    ru = "Переговоры, вероятно, продолжатся. Оснований для оптимизма нет."
    r = stub.AnalyzeText(svc.AnalyzeTextRequest(
        document=doc(raw=ru.encode("cp1251"), charset="windows-1251", id_="ru")))
    res = r.result
    check("analyze ru raw cp1251: decoded", res.text == ru, res.text)
    check("analyze ru raw cp1251: declared encoding",
          res.encoding.name == "windows-1251"
          and res.encoding.evidence == types.ENCODING_EVIDENCE_DECLARED)
    check("analyze ru: cues", len(res.cues) >= 1)

    # Detection: invalid UTF-8 and no label is not an error.
    r = stub.AnalyzeText(svc.AnalyzeTextRequest(document=doc(raw=ru.encode("cp1251") * 4)))
    check("raw bytes without label: detected",
          r.result.encoding.evidence == types.ENCODING_EVIDENCE_DETECTED, r.result.encoding)

    # UTF-16 offsets with an astral emoji before the cue.
    text = "Talks \U0001F91D resumed; a deal is probably near."
    r = stub.AnalyzeText(svc.AnalyzeTextRequest(
        document=doc(text=text), offset_unit=types.OFFSET_UNIT_UTF16))
    units = text.encode("utf-16-le")
    cue = r.result.cues[0] if r.result.cues else None
    picked = (units[cue.span.begin * 2:cue.span.end * 2].decode("utf-16-le") if cue else None)
    check("utf16 offsets pick the cue", cue is not None and picked == "probably", picked)
    r = stub.AnalyzeText(svc.AnalyzeTextRequest(
        document=doc(text=text), offset_unit=types.OFFSET_UNIT_CODE_POINT))
    cue = r.result.cues[0] if r.result.cues else None
    check("code point offsets pick the cue",
          cue is not None and text[cue.span.begin:cue.span.end] == "probably")

    # gzip.
    r = stub.AnalyzeText(svc.AnalyzeTextRequest(document=doc(text=(en + " ") * 50)),
                         compression=grpc.Compression.Gzip)
    check("gzip call", len(r.result.sentences) == 100, len(r.result.sentences))

    # Error details.
    ia = grpc.StatusCode.INVALID_ARGUMENT
    expect_error("unknown charset -> INVALID_ARGUMENT",
                 lambda: stub.AnalyzeText(svc.AnalyzeTextRequest(
                     document=doc(raw=b"abc", charset="no-such-charset"))),
                 ia, "UNKNOWN_CHARSET", ["document.charset_label"])
    expect_error("empty document -> INVALID_ARGUMENT",
                 lambda: stub.AnalyzeText(svc.AnalyzeTextRequest(document=doc(text=""))),
                 ia, "EMPTY_DOCUMENT", ["document.content"])
    expect_error("missing document -> INVALID_ARGUMENT",
                 lambda: stub.NormalizeText(svc.NormalizeTextRequest()),
                 ia, "EMPTY_DOCUMENT", ["document"])
    good = svc.AnalyzeTextRequest(document=doc(text="Fine."))
    bad = svc.AnalyzeTextRequest(document=doc(raw=b"x", charset="klingon"))
    expect_error("batch names the bad item",
                 lambda: stub.BatchAnalyzeTexts(svc.BatchAnalyzeTextsRequest(
                     requests=[good, good, good, bad])),
                 ia, "UNKNOWN_CHARSET", ["requests[3].document.charset_label"])

    # Stream with a bad item in the middle.
    items = [svc.StreamAnalyzeTextRequest(request=x) for x in
             [svc.AnalyzeTextRequest(document=doc(text="One.", id_="1")),
              svc.AnalyzeTextRequest(document=doc(text="", id_="2")),
              svc.AnalyzeTextRequest(document=doc(text="Three.", id_="3"))]]
    out = list(stub.StreamAnalyzeText(iter(items)))
    check("stream: one answer per item", [o.sequence for o in out] == [0, 1, 2])
    check("stream: ids echoed", [o.id for o in out] == ["1", "2", "3"])
    kinds = [o.WhichOneof("outcome") for o in out]
    check("stream: bad item gets its error, stream goes on",
          kinds == ["result", "error", "result"], kinds)
    if len(out) == 3 and kinds[1] == "error":
        e = out[1].error
        check("stream: item error details",
              (e.code, e.reason, [v.field for v in e.field_violations])
              == (3, "EMPTY_DOCUMENT", ["request.document.content"]), e)

    # Caller deadline.
    big = "Officials said the talks would probably resume. " * 80000
    try:
        stub.AnalyzeText(svc.AnalyzeTextRequest(document=doc(text=big)), timeout=0.005)
        check("deadline -> DEADLINE_EXCEEDED", False, "no error")
    except grpc.RpcError as err:
        check("deadline -> DEADLINE_EXCEEDED", err.code() == grpc.StatusCode.DEADLINE_EXCEEDED,
              err.code())

    print(f"{len(FAILURES)} failure(s)" if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
