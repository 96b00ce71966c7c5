"""Packaging: the wheel (build_wheel.sh, or $ANNOY_WHEEL) is abi3 and manylinux and holds the
extension module; installed into a fresh virtual environment (with pytest and numpy from
PyPI) it passes the API tests, run from a temporary directory without the source checkout
on the path: the wheel's extension must be the one used."""

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


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel in $ANNOY_WHEEL (wheel_check.sh builds it once for all its checks), or one
    built now by build_wheel.sh."""
    given = os.environ.get("ANNOY_WHEEL")
    if given:
        assert os.path.isfile(given), given
        return given
    dist = tmp_path_factory.mktemp("dist")
    run(["bash", os.path.join(PACKAGE, "build_wheel.sh"), str(dist)], env=clean_env())
    wheels = glob.glob(str(dist / "*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_is_abi3_manylinux_and_holds_the_extension(wheel):
    name = os.path.basename(wheel)
    assert name.startswith("annoy_rs-")
    python_tag, abi_tag, platform_tag = name[:-len(".whl")].split("-")[-3:]
    # one wheel for every CPython from 3.8 on, for glibc 2.17 and later
    assert (python_tag, abi_tag) == ("cp38", "abi3"), name
    assert "manylinux2014_x86_64" in platform_tag.split("."), name
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        for part in ("__init__.py", "_index.py", "_errors.py", "py.typed", "_annoy_rs.abi3.so"):
            assert "annoy_rs/" + part in names, (part, names)
        # no ctypes library any more, and no second copy of the binding
        assert not [n for n in names if "libannoy" in n or n.endswith("_lib.py")], names
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
    # the installed package, with its extension, is the one imported
    out = run([py, "-c",
               "import annoy_rs, os; print(annoy_rs.__file__); print(annoy_rs.LIBRARY_PATH)"],
              cwd=str(work), env=env)
    module_file, library = out.split()[-2:]
    assert module_file.startswith(str(venv)), module_file
    assert library == os.path.join(os.path.dirname(module_file), "_annoy_rs.abi3.so"), library
    out = run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."], cwd=str(work), env=env)
    summary = re.search(r"(\d+) passed", out)
    assert summary and int(summary.group(1)) >= 100 and " failed" not in out, out[-2000:]
