"""The published artefacts: tools/build_wheels.sh makes the sdist and the manylinux wheel (built
from the sdist); tools/check_wheel.sh installs the wheel into a fresh venv with no compiler on
PATH (binary packages only) and runs tools/smoke_test.py from the clone's root, where the
source folder imfilt/ comes first on sys.path and must hand the import over to the installed
copy. About 3 minutes (the build); IMFILT_WHEEL=path reuses a wheel built before. The version
has one source."""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SYSROOT = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache"),
                       "imfilt")

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="manylinux wheels: Linux")


def test_version_has_one_source():
    """pyproject.toml reads the version from imfilt/_config.py; the metadata of the installed
    build, imfilt.__version__ and `python -m imfilt info` agree."""
    import importlib.metadata
    import imfilt
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert not re.search(r"^version\s*=", pyproject, re.M)  # not written twice
    assert 'dynamic = ["version"]' in pyproject
    config_py = (ROOT / "imfilt" / "_config.py").read_text()
    written = re.findall(r'^__version__ = "([^"]+)"$', config_py, re.M)
    assert written == [imfilt.__version__]
    assert importlib.metadata.version("imfilt") == imfilt.__version__
    info = subprocess.run([sys.executable, "-m", "imfilt", "info"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    assert info.splitlines()[0] == f"imfilt {imfilt.__version__}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(wheel, sdist or None): IMFILT_WHEEL, or both built by tools/build_wheels.sh -- against
    the glibc 2.17-compatible sysroot where debootstrap (as root) can make it, else against
    this system's glibc (IMFILT_SYSROOT=none: a higher manylinux tag, the same install test)."""
    given = os.environ.get("IMFILT_WHEEL")
    if given:
        return pathlib.Path(given), None
    out = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, PYTHON=sys.executable)
    if not any(SYSROOT.glob("sysroot-*")) and not (shutil.which("debootstrap")
                                                   and os.geteuid() == 0):
        env["IMFILT_SYSROOT"] = "none"
    proc = subprocess.run(["bash", str(ROOT / "tools" / "build_wheels.sh"), str(out)], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    (wheel,) = out.glob("imfilt-*.whl")
    (sdist,) = out.glob("imfilt-*.tar.gz")
    return wheel, sdist


@linux_only
@pytest.mark.slow
def test_wheel_contents(built):
    wheel, sdist = built
    tag = sysconfig.get_config_var("SOABI").split("-")[1]  # cpython-311-x86_64-linux-gnu: 311
    assert wheel.name.startswith("imfilt-") and f"-cp{tag}-cp{tag}-" in wheel.name, wheel.name
    assert "manylinux_" in wheel.name, wheel.name
    if os.environ.get("IMFILT_SYSROOT") != "none" and any(SYSROOT.glob("sysroot-*")):
        assert "manylinux_2_17_" in wheel.name, wheel.name  # the sysroot's glibc floor
    assert wheel.stat().st_size <= 2 * 1024 * 1024
    names = zipfile.ZipFile(wheel).namelist()
    assert "imfilt/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    assert any(n.startswith("imfilt.libs/libgomp") for n in names), names  # OpenMP, bundled
    assert not any(n.startswith(("tests/", "src/", "tools/")) for n in names), names
    if sdist is not None:
        import tarfile
        members = tarfile.open(sdist).getnames()
        top = sdist.name[:-len(".tar.gz")]
        for needed in ("pyproject.toml", "CMakeLists.txt", "LICENSE", "src/binding/_core.pyx",
                       "imfilt/_config.py", "imfilt/py.typed"):
            assert f"{top}/{needed}" in members, needed


@linux_only
@pytest.mark.slow
def test_wheel_installs_without_compiler(built):
    """tools/check_wheel.sh: a fresh venv, no compiler on PATH, binary packages only, the smoke
    test run from the clone's root (the source folder shadows the installed copy there)."""
    wheel, _ = built
    proc = subprocess.run(["bash", str(ROOT / "tools" / "check_wheel.sh"), str(wheel),
                           "--expect-openmp"], env=dict(os.environ, PYTHON=sys.executable),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "smoke test passed" in proc.stdout
    found = re.search(r"^imfilt \S+ from (.*)$", proc.stdout, re.M)
    assert found and "site-packages" in found.group(1), proc.stdout[:500]
    assert (ROOT / "imfilt" / "__init__.py").is_file()  # the source tree was there to shadow
