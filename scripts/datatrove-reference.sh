#!/usr/bin/env bash
# Runs datatrove's four FineWeb filters on the filter comparison corpus and writes their decisions
# (corpus/filter-compat/datatrove-decisions.jsonl.gz), in a Python environment made here:
#   bash scripts/datatrove-reference.sh [CORPUS_DIR] [OUT.jsonl.gz]
# Needs python3 (with venv) and pip's index. datatrove comes from its repository at the commit
# below (DATATROVE_DIR: a checkout of it; otherwise it is cloned into bench-data/datatrove).
# MOE_DATATROVE_VENV (default bench-data/datatrove-venv) is where the environment is kept; the
# bench uses it too.
set -euo pipefail
cd "$(dirname "$0")/.."
COMMIT=a649de79c14a550dc90f48a15c025f2dd3fd3b57
CORPUS=${1:-corpus/filter-compat/corpus}
OUT=${2:-corpus/filter-compat/datatrove-decisions.jsonl.gz}
VENV=${MOE_DATATROVE_VENV:-bench-data/datatrove-venv}
SRC=${DATATROVE_DIR:-bench-data/datatrove}
if [ ! -d "$SRC" ]; then
  git clone --quiet https://github.com/huggingface/datatrove "$SRC"
  git -C "$SRC" checkout --quiet "$COMMIT"
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet spacy==3.8.16 regex "$SRC"
fi
tmp=$(mktemp)
DATATROVE_COMMIT=$COMMIT "$VENV/bin/python" scripts/datatrove-reference.py "$CORPUS" "$tmp"
gzip -9 -c "$tmp" > "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
rm -f "$tmp"
echo "wrote $OUT"
