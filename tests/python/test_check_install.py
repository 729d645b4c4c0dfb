"""`cmake --install BUILD --prefix P` installs a package that imports and
checks with PYTHONPATH=P/lib/python3.X/{dist,site}-packages (and nothing from
the build tree)."""
import glob
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import wellposed


def test_cmake_install_gives_an_importable_package(tmp_path):
    build = pathlib.Path(wellposed.__file__).resolve().parents[2]
    cmake = shutil.which("cmake")
    if cmake is None or not (build / "CMakeCache.txt").exists():
        pytest.skip("not imported from a CMake build tree")
    prefix = tmp_path / "prefix"
    out = subprocess.run([cmake, "--install", str(build), "--prefix", str(prefix)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    inits = glob.glob(str(prefix / "lib" / "python3*" / "*-packages" / "wellposed" / "__init__.py"))
    assert len(inits) == 1, inits
    site = pathlib.Path(inits[0]).parents[1]
    code = ("import wellposed, sys; assert wellposed.__file__.startswith(sys.argv[1]), wellposed.__file__; "
            "assert wellposed.check({'family': 'lu', 'n': 3}).verdict == 'not_closed'; print(wellposed.__version__)")
    env = dict(os.environ, PYTHONPATH=str(site))
    run = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, env=env,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == wellposed.__version__
