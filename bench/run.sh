#!/usr/bin/env bash
# The benchmark: a large organization (`aims demo --scale large`), the running server driven by
# wrk at 1 and 8 connections, beside the limit probe (a bare axum handler on the same SQLite
# file). Results go to bench/RESULTS.md.
#
#   bash bench/run.sh [sqlite|postgres|both] [seconds per run, default 5]
#
# Not part of the test suite. Needs wrk (Debian package `wrk`; installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
which_db="${1:-both}"
dur="${2:-5}"
out="bench/RESULTS.md"
work="target/bench"
mkdir -p "$work"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p aims -p aims-limit-probe
aims="$PWD/target/release/aims"
probe="$PWD/target/release/aims-limit-probe"
port=18100
base="http://127.0.0.1:$port"

# wrk -> "rps p50 p99" (latencies in ms)
measure() { # url conns [extra wrk args...]
  local url=$1 c=$2; shift 2
  local threads=$(( c < 2 ? 1 : 2 ))
  wrk -t"$threads" -c"$c" -d"${dur}s" --latency "$@" "$url" 2>/dev/null | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps=$2 } / 50%/ { p50=ms($2) } / 99%/ { p99=ms($2) }
    END { printf "%.0f %.2f %.2f\n", rps, p50, p99 }'
}

prepare() { # backend -> sets db_args
  local backend=$1
  if [ "$backend" = sqlite ]; then
    db_args=(--data-dir "$work/data-sqlite")
  else
    pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    psql -X -q -h 127.0.0.1 -U postgres -d test -tc "SELECT 1 FROM pg_database WHERE datname = 'aims_bench'" | grep -q 1 || psql -X -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE aims_bench"
    db_args=(--data-dir "$work/data-postgres" --database-url "postgres://postgres@127.0.0.1:5432/aims_bench")
  fi
  if [ ! -f "$work/$backend.generated" ]; then
    echo "correct horse battery staple" | "$aims" "${db_args[@]}" user create --email bench@acme.example --org acme --role admin --password-stdin >/dev/null
    local t0=$(date +%s.%N)
    "$aims" "${db_args[@]}" demo --org acme --scale large 2>/dev/null
    echo "$(echo "$(date +%s.%N) - $t0" | bc)" > "$work/$backend.generated"
  fi
}

run_backend() {
  local backend=$1
  prepare "$backend"
  local gen_s; gen_s=$(printf "%.0f" "$(cat "$work/$backend.generated")")
  "$aims" "${db_args[@]}" migrate >/dev/null 2>&1 # a one-off migration is not start-up
  local t0=$(date +%s.%N)
  "$aims" "${db_args[@]}" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
  local pid=$!
  until curl -sf "$base/readyz" >/dev/null; do sleep 0.02; done
  local startup_ms; startup_ms=$(echo "($(date +%s.%N) - $t0) * 1000" | bc | cut -d. -f1)
  local peak=0
  ( while kill -0 "$pid" 2>/dev/null; do ps -o rss= -p "$pid"; sleep 0.25; done ) > "$work/rss.log" &
  local sampler=$!
  local token; token=$("$aims" "${db_args[@]}" token create --email bench@acme.example --org acme --name "bench $(date +%s)" 2>/dev/null)
  # A browser session for the pages.
  local jar="$work/cookies"; rm -f "$jar"
  local csrf; csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$csrf" --data-urlencode "email=bench@acme.example" --data-urlencode "password=correct horse battery staple" "$base/login"
  local session; session=$(awk '$6 == "aims_session" { print $7 }' "$jar")
  local auth=(-H "Authorization: Bearer $token")
  local cookie=(-H "Cookie: aims_session=$session")
  # A deep page: follow the cursor 4,000 records into the name-sorted list.
  local cursor=""
  for _ in 1 2 3 4 5 6 7 8; do
    cursor=$(curl -s "${auth[@]}" "$base/api/v1/ai-systems?sort=name&limit=500&cursor=$cursor" | sed -n 's/.*"next_cursor":"\([0-9a-f]*\)".*/\1/p')
  done
  local sys_id; sys_id=$(curl -s "${auth[@]}" "$base/api/v1/ai-systems?limit=1" | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1)

  local -a rows=()
  bench() { # label budget url [wrk args]; budget: list|one|write (judged against the probe), or a p99 limit in ms
    local label=$1 budget=$2 url=$3; shift 3
    local a b
    # One request first: a cached view's rebuild is timed on its own below, not inside the run.
    [ "$budget" = write ] || curl -s -o /dev/null "$@" "$url" 2>/dev/null || true
    a=$(measure "$url" 1 "$@"); b=$(measure "$url" 8 "$@")
    rows+=("$label|$budget|$a|$b")
  }
  bench "Dashboard (HTML)" 20 "$base/o/acme" "${cookie[@]}"
  bench "AI systems, first page (API)" list "$base/api/v1/ai-systems?limit=10" "${auth[@]}"
  bench "AI systems, deep page by cursor (API)" list "$base/api/v1/ai-systems?sort=name&limit=10&cursor=$cursor" "${auth[@]}"
  bench "AI systems, filtered and sorted (API)" list "$base/api/v1/ai-systems?lifecycle_stage=deployment&sort=-next_review&limit=10" "${auth[@]}"
  bench "AI systems list (HTML)" list "$base/o/acme/inventory/ai-systems" "${cookie[@]}"
  bench "AI system detail (API)" one "$base/api/v1/ai-systems/$sys_id" "${auth[@]}"
  bench "AI system detail with links and history (HTML)" one "$base/o/acme/inventory/ai-systems/$sys_id" "${cookie[@]}"
  bench "Risk register, first page (API)" list "$base/api/v1/risks?limit=10" "${auth[@]}"
  bench "Risk heat map (HTML)" 20 "$base/o/acme/risks/heatmap" "${cookie[@]}"
  bench "Documents (10,000), first page (API)" list "$base/api/v1/documents?limit=10" "${auth[@]}"
  bench "Documents, filtered and sorted by next review (API)" list "$base/api/v1/documents?kind=procedure&sort=next_review&limit=10" "${auth[@]}"
  bench "Documents list (HTML)" list "$base/o/acme/inventory/documents" "${cookie[@]}"
  bench "Incidents (10,000), first page (API)" list "$base/api/v1/incidents?limit=10" "${auth[@]}"
  bench "Incidents, filtered and sorted by report due (API)" list "$base/api/v1/incidents?severity=critical&sort=report_due_at&limit=10" "${auth[@]}"
  bench "Incidents list (HTML)" list "$base/o/acme/inventory/incidents" "${cookie[@]}"
  bench "Dashboard with reporting deadlines (HTML)" 50 "$base/o/acme" "${cookie[@]}"
  # The demo's first KPI carries the large organization's 10,000 measurements.
  local kpi_id; kpi_id=$(curl -s "${auth[@]}" "$base/api/v1/kpis?limit=10" | grep -o '"id":[0-9]*' | cut -d: -f2 | sort -n | head -1)
  bench "KPI chart, 10,000 measurements (SVG)" 50 "$base/api/v1/kpis/$kpi_id/chart.svg" "${auth[@]}"
  bench "KPI page with its chart (HTML)" 50 "$base/o/acme/kpis/$kpi_id" "${cookie[@]}"
  bench "SoA (HTML)" 20 "$base/o/acme/soa" "${cookie[@]}"
  bench "SoA XLSX export" 300 "$base/api/v1/soa/export?format=xlsx" "${auth[@]}"
  bench "Coverage, ISO/IEC 42001" 50 "$base/api/v1/frameworks/iso42001-2023/coverage" "${auth[@]}"
  bench "Coverage, EU AI Act" 50 "$base/api/v1/frameworks/eu-ai-act-2024/coverage" "${auth[@]}"
  cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"name": "Bench supplier", "risk_rating": "low"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
  bench "Write: create a supplier with its audit event (API)" write "$base/api/v1/suppliers" -s "$work/post.lua"
  # The SoA, coverage and dashboard views are cached until the organization changes: time the
  # first request after a change too (the cache rebuilt).
  local cold=()
  for u in "$base/api/v1/soa" "$base/api/v1/frameworks/iso42001-2023/coverage" "$base/api/v1/dashboard"; do
    curl -s -o /dev/null -X POST -H "Content-Type: application/json" "${auth[@]}" -d '{"name": "Bench change"}' "$base/api/v1/suppliers"
    /usr/bin/time -f %e -o "$work/t" curl -s -o /dev/null "${auth[@]}" "$u"
    cold+=("$(cat "$work/t")")
  done
  /usr/bin/time -f %e -o "$work/t" curl -s -o /dev/null "${auth[@]}" "$base/api/v1/risks/export?format=csv"
  local csv_s; csv_s=$(cat "$work/t")
  /usr/bin/time -f %e -o "$work/t" curl -s -o /dev/null "${auth[@]}" "$base/api/v1/risks/export?format=xlsx"
  local xlsx_s; xlsx_s=$(cat "$work/t")
  kill "$pid"; wait "$pid" 2>/dev/null || true; kill "$sampler" 2>/dev/null || true
  peak=$(sort -n "$work/rss.log" | tail -1)
  local verify_s events
  /usr/bin/time -f %e -o "$work/t" "$aims" "${db_args[@]}" audit verify > "$work/verify.out" 2>/dev/null
  verify_s=$(cat "$work/t")
  events=$(sed -n 's/.*intact: \([0-9]*\) events.*/\1/p' "$work/verify.out")

  # The probe, on the SQLite file.
  local -a probe_rows=()
  if [ "$backend" = sqlite ]; then
    "$probe" "$work/data-sqlite/aims.db" "127.0.0.1:18200" >/dev/null 2>&1 &
    local ppid=$!
    until curl -sf "http://127.0.0.1:18200/one" >/dev/null; do sleep 0.02; done
    printf 'wrk.method = "POST"\n' > "$work/probe-post.lua"
    probe_rows+=("list|$(measure http://127.0.0.1:18200/list 1)|$(measure http://127.0.0.1:18200/list 8)")
    probe_rows+=("one|$(measure http://127.0.0.1:18200/one 1)|$(measure http://127.0.0.1:18200/one 8)")
    probe_rows+=("write|$(measure http://127.0.0.1:18200/write 1 -s "$work/probe-post.lua")|$(measure http://127.0.0.1:18200/write 8 -s "$work/probe-post.lua")")
    kill "$ppid"; wait "$ppid" 2>/dev/null || true
    printf '%s\n' "${probe_rows[@]}" > "$work/probe.txt"
  fi

  {
    echo "## $backend"
    echo
    # The issue's budgets are for SQLite; PostgreSQL is held to within 2x of them.
    local f=1; [ "$backend" = postgres ] && f=2
    judge() { local lim; lim=$(echo "$2 * $f" | bc); [ "$(echo "$1 < $lim" | bc)" = 1 ] && echo "met, budget $lim $3" || echo "MISSED, budget $lim $3"; }
    echo "Large organization generated in ${gen_s} s (\`aims demo --scale large\`); ${events} audit events."
    echo
    echo "| measure | value | budget |"
    echo "|---|---:|---|"
    echo "| start-up to \`/readyz\` on the loaded database | ${startup_ms} ms | $(judge "$startup_ms" 1000 ms) |"
    echo "| peak server RSS during the run | $((peak / 1024)) MB | $(judge "$((peak / 1024))" 150 MB) |"
    echo "| \`aims audit verify\` over the whole chain | ${verify_s} s | $(judge "$verify_s" "$(echo "scale=2; 5 * $events / 1000000" | bc)" "s (5 s per million events)") |"
    echo "| first request after a change (view rebuilt): SoA / ISO 42001 coverage / dashboard API | ${cold[0]} s / ${cold[1]} s / ${cold[2]} s | (not budgeted; repeated reads are served from the cache) |"
    echo "| risk register CSV export, 50,000 rows | ${csv_s} s | $(judge "$csv_s" 2 s) |"
    echo "| risk register XLSX export, 50,000 rows | ${xlsx_s} s | $(judge "$xlsx_s" 2 s) |"
    echo
    if [ "$f" = 1 ]; then
      echo "Budgets: list and detail at least 1/2 of the probe's req/s at 8 connections with p99 under 5 ms; writes at least 1/3 of the probe's; pages and exports under the p99 shown."
    else
      echo "Budgets (PostgreSQL: within 2x of the SQLite budgets): list and detail at least 1/4 of the probe's req/s at 8 connections with p99 under 10 ms; writes at least 1/6 of the probe's; pages and exports under the p99 shown. The probe runs on SQLite: it is the machine's reference, not PostgreSQL's."
    fi
    echo
    echo "| endpoint | 1 conn: req/s | p50 ms | p99 ms | 8 conns: req/s | p50 ms | p99 ms | vs probe (8 conns) | budget |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    for r in "${rows[@]}"; do
      IFS='|' read -r label budget a b <<<"$r"
      read -r a1 a2 a3 <<<"$a"; read -r b1 b2 b3 <<<"$b"
      local ratio="" verdict=""
      if [ "${b1:-0}" = 0 ]; then budget=none; verdict="MISSED: no request finished within wrk's 2 s timeout"; fi
      case "$budget" in
        none) ;;
        list|one|write)
          local p; p=$(awk -F'|' -v k="$budget" '$1 == k { split($3, x, " "); print x[1] }' "$work/probe.txt" 2>/dev/null)
          if [ -n "$p" ] && [ "$p" != 0 ]; then
            ratio=$(echo "scale=2; $b1 / $p" | bc)
            local need=0.5 ; [ "$budget" = write ] && need=0.33
            need=$(echo "scale=3; $need / $f" | bc)
            local ok; ok=$(echo "$ratio >= $need" | bc)
            if [ "$budget" != write ]; then ok=$(( ok && $(echo "$b3 < 5 * $f" | bc) )); fi
            verdict=$([ "$ok" = 1 ] && echo met || echo MISSED)
            ratio="${ratio}×"
          fi ;;
        *) budget=$((budget * f)); verdict=$([ "$(echo "$b3 < $budget" | bc)" = 1 ] && echo "met (p99 < $budget ms)" || echo "MISSED (p99 ≥ $budget ms)") ;;
      esac
      echo "| $label | $a1 | $a2 | $a3 | $b1 | $b2 | $b3 | $ratio | $verdict |"
    done
    if [ -f "$work/probe.txt" ]; then
      echo
      echo "Limit probe (bare axum + sqlx on the same SQLite file, no auth, tenancy or audit):"
      echo
      echo "| probe | 1 conn: req/s | p50 ms | p99 ms | 8 conns: req/s | p50 ms | p99 ms |"
      echo "|---|---:|---:|---:|---:|---:|---:|"
      while IFS='|' read -r label a b; do
        read -r a1 a2 a3 <<<"$a"; read -r b1 b2 b3 <<<"$b"
        echo "| $label | $a1 | $a2 | $a3 | $b1 | $b2 | $b3 |"
      done < "$work/probe.txt"
    fi
    echo
  } > "$work/$backend.md"
}

case "$which_db" in
  sqlite) run_backend sqlite ;;
  postgres) run_backend postgres ;;
  both) run_backend sqlite; run_backend postgres ;;
esac

{
  echo "# Benchmark results"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB memory; wrk on the same cores; ${dur} s per run. Command: \`bash bench/run.sh $which_db $dur\` ($(date -u +%Y-%m-%d))."
  echo
  for b in sqlite postgres; do if [ -f "$work/$b.md" ]; then cat "$work/$b.md"; fi; done
  # What stands in the way of the budgets still missed, and the plan (written by hand).
  if [ -f bench/ANALYSIS.md ]; then cat bench/ANALYSIS.md; fi
} > "$out"
echo "wrote $out"
