#!/usr/bin/env bash
# The test suite under the lowest and the highest versions pyproject.toml admits.
# Usage: bash scripts/test_matrix.sh [low|high ...]   (both by default)
# Needs python3.11 and python3.13 (pyenv's, or on PATH). Each run makes a fresh venv under
# ${TMPDIR:-/tmp}/kpkclassify-matrix and installs the project from this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
root="${TMPDIR:-/tmp}/kpkclassify-matrix"
find_python() {
  for candidate in "python$1" "$HOME/.pyenv/versions/$1"*/bin/python; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$1'.split('.')))" 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "no Python $1 found" >&2; exit 1
}
run() {
  local name=$1 python=$2; shift 2
  rm -rf "$root/$name" && mkdir -p "$root" && "$python" -m venv "$root/$name"
  "$root/$name/bin/pip" install -q ".[test]" "$@"
  "$root/$name/bin/pip" list 2>/dev/null | grep -iE '^(scikit-learn|typer|click|numpy|scipy|skops|joblib) '
  "$root/$name/bin/pytest" -q -p no:cacheprovider
}
[ $# -gt 0 ] || set -- low high
for which in "$@"; do
  case $which in
    low)  run low "$(find_python 3.11)" "scikit-learn==1.8.0" "typer==0.12.0" "click==8.1.7" "numpy==1.24.4" \
              "scipy==1.10.1" "skops==0.11.0" "joblib==1.3.0" \
              "pyarrow==17.0.0" ;;  # the test extras (dask) pull pyarrow, whose newest needs NumPy 2
    high) run high "$(find_python 3.13)" ;;
    *) echo "usage: $0 [low|high ...]" >&2; exit 2 ;;
  esac
done
