#!/usr/bin/env bash
# Build and test imfilt under aarch64 emulation, on an x86-64 Debian host with qemu-user-static
# (binfmt registered with the F flag) and debootstrap installed. Run as root (debootstrap,
# mount, chroot):
#
#   nice -n 10 tools/test-aarch64.sh                          # the `not slow` suite
#   nice -n 10 tools/test-aarch64.sh tests/filters/test_median.py -x  # any pytest arguments (paths
#                                                             # relative to the checkout)
#
# 1. An arm64 Debian bookworm root in ARM_ROOT (default build/arm64-root; made once, reused).
# 2. A venv in it (/opt/imfilt-venv) with aarch64 wheels: the project's dependencies and test
#    extra, torch replaced by TORCH_SPEC (see below); the explicit list if that does not resolve.
# 3. The checkout's files (tracked + untracked, not ignored: the working tree, not only HEAD)
#    copied to /work/imfilt in the root, built with a fixed build dir (/work/imfilt-build, kept
#    between runs, so a rerun recompiles only what changed), then
#    `python -m pytest -q -m 'not slow' -p no:cacheprovider [args]` there. Exit status: pytest's.
#
# Environment: ARM_ROOT, MIRROR (default http://deb.debian.org/debian), TORCH_SPEC (default
# torch==2.9.1: PyPI's torch >= 2.10 aarch64 wheels depend on the CUDA 13 runtime wheels, GBs
# that emulation never uses; 2.9.1 is the CPU wheel). IMFILT_* and CI pass through to the tests.
# Each stage prints its duration; /proc, /sys, /dev, /dev/pts, /dev/shm are mounted in the root
# for the run and unmounted on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ARM_ROOT="${ARM_ROOT:-$ROOT/build/arm64-root}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.9.1}"
DEB_PACKAGES=python3,python3-venv,python3-dev,gcc,g++,cmake,ninja-build,git,ca-certificates
SRC=/work/imfilt              # paths inside the root
BUILD=/work/imfilt-build
VENV=/opt/imfilt-venv

[ "$(id -u)" = 0 ] || { echo "test-aarch64.sh: run as root (debootstrap, mount, chroot)" >&2; exit 2; }
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
  { echo "test-aarch64.sh: no qemu-aarch64 binfmt (apt-get install qemu-user-static binfmt-support)" >&2; exit 2; }

TIMES=()
stage_start() { STAGE="$1"; STAGE_T0=$(date +%s); echo "=== $STAGE"; }
stage_end() { TIMES+=("$(printf '%-12s %5d s  %s' "$STAGE" $(($(date +%s) - STAGE_T0)) "${1:-}")"); }

MOUNTED=()
mount_in_root() {  # mount_in_root TARGET MOUNT-ARGS...: skipped if already mounted (not ours)
  local target="$ARM_ROOT$1"; shift
  mountpoint -q "$target" && return 0
  mkdir -p "$target"
  mount "$@" "$target"
  mount --make-private "$target"   # nothing mounted or unmounted here reaches the host's tree
  MOUNTED+=("$target")
}
cleanup() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" || true
  done
  if [ ${#TIMES[@]} -gt 0 ]; then
    echo "=== stage times"
    printf '%s\n' "${TIMES[@]}"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_root() {  # a clean environment: nothing of the host's (pip config, PATH) leaks in
  local pass=() v
  for v in $(compgen -e); do
    case "$v" in IMFILT_*|CI) pass+=("$v=${!v}") ;; esac
  done
  chroot "$ARM_ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    PATH="$VENV/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "${pass[@]}" "$@"
}

# ---------------------------------------------------------------- 1. the arm64 root
stage_start debootstrap
if [ -x "$ARM_ROOT/usr/bin/python3" ] && [ ! -d "$ARM_ROOT/debootstrap" ]; then
  stage_end "reused $ARM_ROOT"
else
  # debootstrap leaves its debootstrap/ directory behind only when it did not finish
  if [ -e "$ARM_ROOT" ] && [ -n "$(ls -A "$ARM_ROOT")" ]; then
    echo "test-aarch64.sh: $ARM_ROOT is an unfinished root; remove it (check nothing is" \
         "mounted under it: findmnt -R $ARM_ROOT) and rerun" >&2
    exit 2
  fi
  mkdir -p "$ARM_ROOT"
  debootstrap --arch=arm64 --include="$DEB_PACKAGES" bookworm "$ARM_ROOT" "$MIRROR"
  stage_end "new root in $ARM_ROOT"
fi
mount_in_root /proc -t proc proc
mount_in_root /sys -t sysfs sysfs
mount_in_root /dev --bind /dev
mount_in_root /dev/pts --bind /dev/pts
mount_in_root /dev/shm -t tmpfs -o mode=1777 shm   # multiprocessing (dask) needs it
cp -L /etc/resolv.conf "$ARM_ROOT/etc/resolv.conf"
# the host's local CAs (e.g. a TLS-inspecting proxy's): pip in the root has to trust them too
for crt in /usr/local/share/ca-certificates/*.crt; do
  [ -f "$crt" ] || continue
  dest="$ARM_ROOT/usr/local/share/ca-certificates/$(basename "$crt")"
  cmp -s "$crt" "$dest" && continue
  mkdir -p "$(dirname "$dest")"
  cp "$crt" "$dest"
  new_ca=1
done
[ -z "${new_ca:-}" ] || in_root update-ca-certificates >/dev/null 2>&1  # (rehash warns about the bundle)
# a root made elsewhere (or by an older copy of this script) may lack a package
missing=$(in_root dpkg-query -W -f '${db:Status-Abbrev}\n' ${DEB_PACKAGES//,/ } 2>&1 | grep -vc '^ii' || true)
if [ "$missing" != 0 ]; then
  in_root apt-get update -q
  in_root apt-get install -y -q --no-install-recommends ${DEB_PACKAGES//,/ }
fi

# ---------------------------------------------------------------- 2. the checkout
stage_start copy
rm -rf "${ARM_ROOT:?}$SRC"
mkdir -p "$ARM_ROOT$SRC"
# the working tree as git sees it (tracked and new files; build/, venvs, *.so are ignored);
# tar keeps mtimes, so the kept build dir only recompiles what changed
(cd "$ROOT" && git ls-files -z -co --exclude-standard |
   tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$ARM_ROOT$SRC" -xf -
stage_end "$(cd "$ROOT" && git describe --always --dirty) -> $SRC"

# ---------------------------------------------------------------- 3. the venv
stage_start pip
in_root /bin/bash -euo pipefail -s "$SRC" "$TORCH_SPEC" <<'EOF'
src=$1 torch_spec=$2
[ -x /opt/imfilt-venv/bin/python ] || python3 -m venv /opt/imfilt-venv
pip install -q --disable-pip-version-check -U pip
# the project's dependencies + test extra, torch replaced by the CPU wheel's pin
mapfile -t reqs < <(python - "$src/pyproject.toml" "$torch_spec" <<'PY'
import re, sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
for req in project["dependencies"] + project["optional-dependencies"]["test"]:
    if re.match(r"[A-Za-z0-9._-]+", req).group().lower() != "torch":
        print(req)
print(sys.argv[2])
PY
)
echo "test extra: ${reqs[*]}"
if ! pip install -q --prefer-binary "${reqs[@]}"; then
  echo "the test extra does not resolve on aarch64; installing the explicit list"
  pip install -q --prefer-binary numpy scipy scikit-image opencv-contrib-python-headless pillow \
    pytest hypothesis 'dask[array]' distributed scikit-build-core cython cython-cmake \
    "$torch_spec"
fi
python - <<'PY'
import importlib.metadata as md
print("installed:", ", ".join(f"{n} {md.version(n)}" for n in (
    "numpy", "scipy", "scikit-image", "opencv-contrib-python-headless", "torch", "pillow",
    "pytest", "hypothesis", "dask", "Cython")))
PY
EOF
stage_end "$(du -sh "$ARM_ROOT$VENV" | cut -f1) venv"

# ---------------------------------------------------------------- 4. build
stage_start build
in_root /bin/bash -euo pipefail -c "cd $SRC && pip install -q --no-build-isolation --no-deps \
  -Cbuild-dir=$BUILD . && cd / && python -c 'import imfilt, imfilt._core as c; \
  print(\"imfilt\", imfilt.__version__, c.__file__)'"
stage_end

# ---------------------------------------------------------------- 5. tests
stage_start tests
status=0
in_root /bin/bash -c 'cd "$0" && exec python -m pytest -q -m "not slow" -p no:cacheprovider "$@"' \
  "$SRC" "$@" || status=$?
stage_end "pytest exit $status"
exit $status
