"""Packaging: build a wheel, install it into a fresh virtual environment (with pytest and
numpy from PyPI), and run the API tests there, from a temporary directory, without
ANNOY_LIBRARY and without the source checkout on the path: the wheel's bundled library
must be the one used."""

import glob
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
# The tests that need only annoy_rs (and numpy): no golden files, no reference annoy.
API_TESTS = ["conftest.py", "test_api.py", "test_errors.py", "test_numpy.py",
             "test_pickle.py", "test_threads.py"]

pytestmark = pytest.mark.slow


def run(cmd, **kwargs):
    print("+", " ".join(cmd))
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kwargs)
    print(proc.stdout[-20000:])
    assert proc.returncode == 0, "%s failed (exit %d)" % (cmd[:3], proc.returncode)
    return proc.stdout


def library_to_bundle():
    env = os.environ.get("ANNOY_LIBRARY")
    if env:
        return env
    import annoy_rs

    return annoy_rs.LIBRARY_PATH


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("ANNOY_LIBRARY", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    # Build from a copy, so the checkout gets no build/ or egg-info, and the copy cannot
    # find ../../target: the library comes from ANNOY_LIBRARY.
    shutil.copytree(PACKAGE, str(src), ignore=shutil.ignore_patterns(
        "tests", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "libannoy.so*"))
    dist = tmp / "dist"
    env = clean_env(ANNOY_LIBRARY=library_to_bundle())
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-w", str(dist),
           str(src)]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    print(proc.stdout[-20000:])
    if proc.returncode != 0:
        # without PyPI for the isolated build environment: use the installed setuptools
        run(cmd[:4] + ["--no-build-isolation"] + cmd[4:], env=env)
    wheels = glob.glob(str(dist / "*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_is_platform_specific_and_bundles_the_library(wheel):
    name = os.path.basename(wheel)
    assert name.startswith("annoy_rs-")
    tag = name[:-len(".whl")].split("-")[-3:]
    assert tag[0] == "py3" and tag[1] == "none" and tag[2] != "any", name
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert "annoy_rs/__init__.py" in names
        assert "annoy_rs/libannoy.so" in names or "annoy_rs/libannoy.dylib" in names
        wheel_meta = [n for n in names if n.endswith(".dist-info/WHEEL")]
        assert b"Root-Is-Purelib: false" in z.read(wheel_meta[0])


def test_wheel_installs_and_passes_api_tests_in_fresh_venv(wheel, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], env=clean_env())
    py = str(venv / "bin" / "python")
    env = clean_env()
    run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel, "pytest",
         "numpy"], env=env)
    work = tmp_path / "run"
    work.mkdir()
    for name in API_TESTS:
        shutil.copy(os.path.join(HERE, name), str(work / name))
    # the installed package, with its bundled library, is the one imported
    out = run([py, "-c",
               "import annoy_rs, os; print(annoy_rs.__file__); print(annoy_rs.LIBRARY_PATH)"],
              cwd=str(work), env=env)
    module_file, library = out.split()[-2:]
    assert module_file.startswith(str(venv)), module_file
    assert library == os.path.join(os.path.dirname(module_file), "libannoy.so"), library
    out = run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."], cwd=str(work), env=env)
    summary = re.search(r"(\d+) passed", out)
    assert summary and int(summary.group(1)) >= 100 and " failed" not in out, out[-2000:]
