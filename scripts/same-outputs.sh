#!/usr/bin/env bash
# Same bytes before and after a change: builds REV (default HEAD, the last commit) in a git
# worktree beside this checkout, runs both on the same inputs and configs, and compares every
# output the "before" run lists (with its sha256) through `moe verify --against`.
#
#   scripts/same-outputs.sh [REV] [--demo] [--bench DIR]
#
# What runs, on each side:
#   - `moe curate --config configs/reproduce.yaml` (ingest, filter, dedup, tokenize);
#   - `moe filter --annotate --keep-rejected` on corpus/filter-compat (7,581 documents), in both
#     settings (filter.compat moe and datatrove), with 2 workers;
#   - with --demo, `moe demo` (the filter models, the demo curation and the demo training run);
#   - with --bench DIR (the `npm run bench` work folder, MOE_BENCH_WORK), the bench corpus
#     DIR/text-corpus through `moe filter`, `moe dedup` and `moe tokenize` (DIR/gpt2-tokenizer.json).
# The configs and inputs are this checkout's for both sides, so only the code differs.
# Exit 0 when everything matches; otherwise `moe verify` names the files that differ.
set -euo pipefail
rev=HEAD
demo=0
bench=""
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo=1 ;;
    --bench) bench="$(cd "$2" && pwd)"; shift ;;
    *) rev="$1" ;;
  esac
  shift
done
if [ -n "$bench" ] && [ ! -d "$bench/text-corpus" ]; then
  echo "no $bench/text-corpus: run npm run bench once with MOE_BENCH_WORK=$bench" >&2
  exit 2
fi
root="$(git rev-parse --show-toplevel)"
work="$(mktemp -d)"
cleanup() {
  git -C "$root" worktree remove --force "$work/before" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git -C "$root" worktree add --detach -q "$work/before" "$rev"
# the dependencies are the lockfile's on both sides unless REV changed it
if git -C "$root" diff --quiet "$rev" -- package-lock.json; then
  ln -s "$root/node_modules" "$work/before/node_modules"
else
  (cd "$work/before" && npm ci --silent)
fi
(cd "$work/before" && npx tsc -p tsconfig.json)
(cd "$root" && npx tsc -p tsconfig.json)

run() { # $1: checkout, $2: output folder; each command's output goes to $2.log, shown if it fails
  local moe=(node "$1/bin/moe")
  mkdir -p "$2"
  {
    "${moe[@]}" curate --config "$root/configs/reproduce.yaml" --out "$2/reproduce" --quiet
    for compat in moe datatrove; do
      "${moe[@]}" filter --in "$root/corpus/filter-compat/corpus" --out "$2/filter-$compat" --annotate \
        --keep-rejected --set "filter.compat=$compat" --workers 2 --quiet
    done
    if [ "$demo" -eq 1 ]; then (cd "$root" && "${moe[@]}" demo --out "$2/demo"); fi
    if [ -n "$bench" ]; then
      "${moe[@]}" filter --in "$bench/text-corpus" --out "$2/bench-filter" --workers 2 --quiet
      "${moe[@]}" dedup --in "$2/bench-filter" --out "$2/bench-dedup" --db "$2/bench.sqlite" --workers 2 --quiet
      "${moe[@]}" tokenize --in "$2/bench-dedup" --out "$2/bench-shards" \
        --tokenizer "$bench/gpt2-tokenizer.json" --workers 2 --quiet
    fi
  } >"$2.log" 2>&1 || { cat "$2.log"; echo "the run in $1 failed"; exit 1; }
}
echo "running $rev ($(git -C "$root" rev-parse --short "$rev")) ..."
run "$work/before" "$work/out-before"
echo "running this checkout ..."
run "$root" "$work/out-after"

status=0
check() { # $1: run or stage folder relative to the output folders, $2: the file that lists its outputs
  if node "$root/bin/moe" verify "$work/out-after/$1" --against "$work/out-before/$1/$2" >/dev/null 2>&1; then
    echo "same: $1"
  else
    echo "DIFFERENT: $1 (moe verify $1 --against the $rev run's $2 names the files)"
    node "$root/bin/moe" verify "$work/out-after/$1" --against "$work/out-before/$1/$2" || true
    status=1
  fi
}
check reproduce manifest.json
check filter-moe report.json
check filter-datatrove report.json
if [ "$demo" -eq 1 ]; then check demo manifest.json; fi
if [ -n "$bench" ]; then
  for stage in bench-filter bench-dedup bench-shards; do check "$stage" report.json; done
fi
exit "$status"
