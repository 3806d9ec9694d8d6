#!/usr/bin/env bash
# tools/check_wheel.sh WHEEL [smoke test options]: install WHEEL into a fresh venv (PYTHON,
# default python3) whose PATH holds nothing but the venv (no cc, gcc, clang, cmake), binary
# packages only, then run tools/smoke_test.py from the clone's root, where the source folder
# imfilt/ comes first on sys.path and must hand the import over to the installed copy.
# Used by tests/builds/test_wheel.py and for the aarch64 wheel under emulation.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
wheel=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-python3}" -m venv "$tmp/venv"
run() { env -i HOME="${HOME:-$tmp}" LANG=C.UTF-8 PATH="$tmp/venv/bin" \
          PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 "$@"; }
for tool in cc gcc clang c99 cmake; do
  if run /bin/sh -c "command -v $tool" >/dev/null; then
    echo "check_wheel.sh: $tool is on the venv's PATH" >&2; exit 1
  fi
done
start=$SECONDS
run "$tmp/venv/bin/python" -m pip install -q --only-binary :all: "$wheel"
echo "installed $(basename "$wheel") and its dependencies in $((SECONDS - start)) s"
cd "$root"
# -c: sys.path[0] is the working directory, the clone's root
run "$tmp/venv/bin/python" -c "import runpy, sys; sys.argv[0] = 'smoke_test.py'; \
runpy.run_path('tools/smoke_test.py', run_name='__main__')" "$@"
