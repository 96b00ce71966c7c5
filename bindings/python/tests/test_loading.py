"""The load-time version check: the ABI rule of the README ("ABI policy") says a library of
the same major version and at least the minor version this package was written for works;
anything else is refused at import with a message naming both versions."""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)


def fake_library(tmp_path, version):
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        pytest.fail("no C compiler to build a fake library")
    src = tmp_path / "fake.c"
    src.write_text('const char *annoy_version(void) { return "%s"; }\n' % version)
    so = tmp_path / ("libfake-%s.so" % version)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
    return str(so)


def import_with(library):
    env = dict(os.environ, ANNOY_LIBRARY=library)
    return subprocess.run(
        [sys.executable, "-c", "import annoy_rs"],
        cwd=PACKAGE_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("version", ["1.0.0", "0.0.9", "garbage"])
def test_a_library_of_another_abi_is_refused(tmp_path, version):
    result = import_with(fake_library(tmp_path, version))
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert ("libannoy %s" % version in result.stderr) or ("unreadable version" in result.stderr)


def test_a_later_minor_version_passes_the_check(tmp_path):
    # The fake has only annoy_version, so the import fails later, at the first function it
    # lacks: past the version check.
    result = import_with(fake_library(tmp_path, "0.99.0"))
    assert "needs libannoy" not in result.stderr
    assert "undefined symbol" in result.stderr or "annoy_new" in result.stderr
