"""`cmake --install` puts the package where Debian's python3 looks under the
prefix, and the installed copy finds the installed libferry, ferry-worker and
plugins (not the build tree's)."""

import os
import pathlib
import subprocess
import sys

BUILD_DIR = pathlib.Path(os.environ.get("FERRY_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] / "build"))
SITE = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/dist-packages"


def test_install_dir_is_on_debians_path_for_usr_local():
    assert f"/usr/local/{SITE}" in sys.path


def test_installed_package_imports_and_runs(tmp_path):
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix)], check=True,
                   capture_output=True, timeout=300)
    package = prefix / SITE / "ferry"
    assert (package / "__init__.py").exists()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(prefix / SITE), "HOME": str(tmp_path)}
    code = ("import ferry; print(ferry.__file__); print(ferry.__version__); "
            "m = ferry.Engine().load('math'); print(m.path); "
            "p = ferry.Pool(m, 1); print(p.map('square', [1, 2, 3])); p.terminate()")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    file, version, plugin, result = out.stdout.splitlines()
    assert file.startswith(str(package))
    assert plugin.startswith(str(prefix))
    assert result == "[1, 4, 9]"
