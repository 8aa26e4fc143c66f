#!/usr/bin/env bash
# MCP Inspector CLI smoke test: the built server over stdio, on the embedded sandbox, as a client
# outside this project sees it. Lists the tools, then calls each of the four core tools and checks
# the answer is a result (not isError) with the structured content it promises.
#
#   usage: scripts/smoke.sh            (npm run smoke; builds dist/ first if it is missing)
#
# The Inspector needs Node >= 22.19, so it runs on the Node 24 that scripts/ci-tools.sh installs;
# the server runs on the Node that runs this script (the product supports 20.18+).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[ -f dist/cli.js ] || npm run build

tools=$(bash scripts/ci-tools.sh)
node24="$tools/node24/node"
inspector="$tools/node_modules/.bin/mcp-inspector"
server_node=$(command -v node)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The Inspector does not pass its own environment on to the server: settings go with -e.
# Demo mode serves two practices, so each call names one (no ESCAPE_PRACTICE pin). Every toolset,
# since the smoke test calls the insurance and reports tools too.
inspect() {
  "$node24" "$inspector" --cli "$@" --format json \
    -e ESCAPE_DEMO=true -e ESCAPE_LOG_LEVEL=warn -e ESCAPE_TOOLSETS=all \
    -- "$server_node" "$root/dist/cli.js" </dev/null
}

failures=0
step() {
  local title=$1 check=$2
  shift 2
  local status=0
  inspect "$@" >"$work/out.json" 2>"$work/err.txt" || status=$?
  # Exit 5 is the Inspector's "the tool answered isError"; the result is still on stdout.
  if [ "$status" -ne 0 ]; then
    echo "FAIL $title: the Inspector exited $status" >&2
    cat "$work/out.json" "$work/err.txt" >&2
    failures=$((failures + 1))
    return
  fi
  local detail
  if detail=$(node -e "$check" "$work/out.json" 2>&1); then
    echo "ok   $title: $detail"
  else
    echo "FAIL $title: $detail" >&2
    head -c 2000 "$work/out.json" >&2
    echo >&2
    failures=$((failures + 1))
  fi
}

# Each check reads the Inspector's {"result": …} and prints one line, or throws.
read_result='const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result;'
structured='if (r.isError) throw new Error("isError: " + r.content[0].text); const s = r.structuredContent; if (!s) throw new Error("no structuredContent");'

step "tools/list" "$read_result"'
  const names = r.tools.map((t) => t.name);
  for (const want of ["find_spot", "patient_timeline", "claims_summary", "production_report"])
    if (!names.includes(want)) throw new Error(want + " is not listed: " + names.join(", "));
  if (!r.tools.every((t) => t.inputSchema.properties.practice)) throw new Error("two practices, yet a tool lacks the practice argument");
  console.log(names.length + " tools: " + names.join(", "));' \
  --method tools/list

step "find_spot" "$read_result $structured"'
  if (s.slots.length === 0) throw new Error("no open times in a month of the demo schedule");
  console.log(s.slots.length + " open times at " + s.practice + " (" + s.timezone + "), first " + JSON.stringify(s.slots[0]).slice(0, 80));' \
  --method tools/call --tool-name find_spot \
  --tool-args-json '{"practice": "Sunset Smiles Dental", "duration_minutes": 60, "when": "mornings", "max_results": 5}'

# Theodora Quill (born 1971-09-30) is the sandbox's fixture patient with every kind of event.
step "patient_timeline" "$read_result $structured"'
  if (s.status !== "found") throw new Error("status " + s.status);
  if (s.events.length === 0) throw new Error("no events");
  console.log(s.events.length + " events for patient " + s.patient.id + " at " + s.practice);' \
  --method tools/call --tool-name patient_timeline \
  --tool-args-json '{"practice": "Hudson Street Dental", "name": "Theodora Quill", "date_of_birth": "1971-09-30", "limit": 5}'

step "claims_summary" "$read_result $structured"'
  if (!s.totals || s.by_status.length === 0) throw new Error("no claim figures");
  console.log(s.by_status.length + " claim statuses at " + s.practice + ", totals " + JSON.stringify(s.totals).slice(0, 100));' \
  --method tools/call --tool-name claims_summary \
  --tool-args-json '{"practice": "Sunset Smiles Dental"}'

step "production_report" "$read_result $structured"'
  if (!s.summary) throw new Error("no summary");
  console.log(s.practice + " " + JSON.stringify(s.period) + ": " + JSON.stringify(s.summary).slice(0, 120));' \
  --method tools/call --tool-name production_report \
  --tool-args-json '{"practice": "Hudson Street Dental", "period": "last_month", "trend": "week"}'

if [ "$failures" -ne 0 ]; then
  echo "smoke: $failures check(s) failed" >&2
  exit 1
fi
echo "smoke: the Inspector listed the tools and called all four over stdio"
