"""Build steps that pyproject.toml cannot express: bundle the Rust shared library into the
package, and tag the wheel as platform-specific (it carries native code, but no CPython
extension, so one wheel serves every Python 3: py3-none-<platform>).

The library bundled is, in order: $ANNOY_LIBRARY; annoy_rs/libannoy.so if already there;
../../target/release/libannoy.so (build it with `cargo build --release --lib` at the
repository root).
"""

import os
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:  # setuptools >= 70.1 ships bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools: the `wheel` package's
    from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))


def library_name():
    if sys.platform == "darwin":
        return "libannoy.dylib"
    if sys.platform.startswith("win"):
        return "annoy.dll"
    return "libannoy.so"


def find_library():
    name = library_name()
    candidates = [
        os.environ.get("ANNOY_LIBRARY"),
        os.path.join(HERE, "annoy_rs", name),
        os.path.join(HERE, "..", "..", "target", "release", name),
    ]
    for path in candidates:
        if path and os.path.isfile(path):
            return os.path.abspath(path)
    raise SystemExit(
        "annoy-rs: the shared library %s was not found (looked at %s). Build it first: "
        "`cargo build --release --lib` at the repository root, or set ANNOY_LIBRARY."
        % (name, ", ".join(p for p in candidates if p))
    )


class build_py_with_library(build_py):
    def run(self):
        super().run()
        if self.dry_run:
            return
        source = find_library()
        target = os.path.join(self.build_lib, "annoy_rs", library_name())
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.abspath(source) != os.path.abspath(target):
            shutil.copyfile(source, target)
            os.chmod(target, 0o755)
            strip = shutil.which("strip")
            if strip and sys.platform.startswith("linux"):
                # The release profile keeps line tables (debug = 1); a wheel need not.
                subprocess.call([strip, "--strip-debug", target])


class BinaryDistribution(Distribution):
    """Native code inside: install into platlib and make a platform wheel."""

    def has_ext_modules(self):
        return True


class bdist_wheel_platform(bdist_wheel):
    def get_tag(self):
        # The library is loaded with ctypes, not as a CPython extension: any Python 3 and
        # any ABI, but only this platform.
        _, _, plat = super().get_tag()
        if plat == "any":
            plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        return "py3", "none", plat


setup(
    distclass=BinaryDistribution,
    cmdclass={"build_py": build_py_with_library, "bdist_wheel": bdist_wheel_platform},
)
