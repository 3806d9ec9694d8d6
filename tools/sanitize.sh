#!/usr/bin/env bash
# Build imfilt with -fsanitize=address,undefined (CMake option IMFILT_SANITIZE) into a separate
# build directory and venv, then run the test suite and the property tests under ASan + UBSan.
#
#   tools/sanitize.sh                 # the default suite: tests/ (pass -m 'not slow' to skip the slow ones)
#   tools/sanitize.sh tests/api/test_properties.py -x    # any pytest arguments (paths relative to
#                                                    # the checkout; tests/ when none is given)
#
# Environment: SAN_VENV (default .venv-asan), SAN_BUILD (default build-asan), PYTHON (the
# interpreter the venv is made from, default python3). The venv uses --system-site-packages, so
# numpy, cv2, scipy, skimage, torch and hypothesis come from the system.
#
# Python itself is not instrumented, so libasan must be the first library loaded: it is
# LD_PRELOADed. CPython and the references (numpy, cv2, torch) keep allocations alive until
# exit by design, so leak detection is off (detect_leaks=0); any ASan report or UBSan report
# aborts the process (halt_on_error=1), which fails the test run. Subprocesses started by the
# tests (one per SIMD level, IMFILT_CPU=baseline|avx2|avx512) inherit the environment, so every
# ISA level runs instrumented too.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VENV="${SAN_VENV:-$ROOT/.venv-asan}"
BUILD="${SAN_BUILD:-$ROOT/build-asan}"
PY="${PYTHON:-python3}"
CC="${CC:-gcc}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv --system-site-packages "$VENV"
fi
# An editable install (no rebuild on import): the instrumented _core lives in this venv, the
# Python files are the checkout's. It must be editable: an editable imfilt in the system
# site-packages installs a meta-path finder (_editable_skbc_imfilt) that would shadow a regular
# install; this venv's finder module of the same name is imported first and wins.
SKBUILD_EDITABLE_VERBOSE=0 "$VENV/bin/pip" install -q --no-build-isolation --no-deps \
  -Ceditable.rebuild=false -Cbuild-dir="$BUILD" -Ccmake.define.IMFILT_SANITIZE=ON \
  -Ccmake.build-type=RelWithDebInfo -e .

ASAN_LIB="$("$CC" -print-file-name=libasan.so)"
UBSAN_LIB="$("$CC" -print-file-name=libubsan.so)"
[ -f "$ASAN_LIB" ] || { echo "libasan.so not found ($ASAN_LIB)" >&2; exit 1; }
export LD_PRELOAD="$ASAN_LIB:$UBSAN_LIB"
# reports also go to files (pytest's fd capture loses stderr when a report aborts the run)
REPORTS="${SAN_REPORTS:-$BUILD/reports}"
mkdir -p "$REPORTS"
rm -f "$REPORTS"/asan.* "$REPORTS"/ubsan.*
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_odr_violation=0:allocator_may_return_null=1:log_path=$REPORTS/asan:${ASAN_OPTIONS_EXTRA:-}"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$REPORTS/ubsan"
echo "sanitizer reports (if any): $REPORTS/asan.PID, $REPORTS/ubsan.PID" >&2
export PYTHONFAULTHANDLER=1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"

# run from outside the checkout so that `import imfilt` is the instrumented install
cd "$(mktemp -d)"
"$VENV/bin/python" - "$VENV" "$ROOT" <<'PY'
import sys, imfilt, imfilt._core as c
venv, root = sys.argv[1], sys.argv[2]
print("sanitized imfilt:", imfilt.__file__, c.__file__, file=sys.stderr)
if not (c.__file__.startswith(venv) and imfilt.__file__.startswith(root)):
    sys.exit("the instrumented build is not the imfilt being imported")
if b"__asan_report" not in open(c.__file__, "rb").read():
    sys.exit(c.__file__ + " is not built with -fsanitize=address")
PY
args=()
have_path=0
for a in "$@"; do   # paths relative to the checkout keep working from the temporary directory
  if [[ "$a" != -* && -e "$ROOT/${a%%::*}" ]]; then args+=("$ROOT/$a"); have_path=1
  else args+=("$a"); fi
done
[ "$have_path" = 1 ] || args+=("$ROOT/tests")
# The RSS leak test is left to the normal run: ASan's quarantine keeps freed blocks resident,
# so RSS grows by design under the sanitizer (it says nothing about imfilt).
set -- -c "$ROOT/pyproject.toml" --rootdir "$ROOT" "${args[@]}"
case " $* " in *" -k "*) ;; *) set -- "$@" -k "not test_no_leak_over_10000_calls" ;; esac
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
