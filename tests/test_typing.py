"""Types: the extension's stub matches the built module (mypy's stubtest), the committed stub is current, and the
examples type-check against ember's public modules, which carry PySpark's type hints (the package is `py.typed`)."""
import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytest.importorskip("mypy")


def _env():
    return dict(os.environ, MYPYPATH=os.path.join(ROOT, "python"), PYTHONPATH=os.path.join(ROOT, "python"))


def test_the_extension_stub_matches_the_built_module():
    p = subprocess.run([sys.executable, "-m", "mypy.stubtest", "ember._native", "--ignore-missing-stub"],
                       cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-5000:] + p.stderr[-2000:]


def test_the_committed_stub_is_the_generated_one():
    p = subprocess.run([sys.executable, os.path.join("tools", "native_stub.py"), "--check"], cwd=ROOT, env=_env(),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_the_package_is_typed():
    assert os.path.exists(os.path.join(ROOT, "python", "ember", "py.typed"))


# Each example folder is checked on its own: folders reuse module names (data_generator.py, …).
FOLDERS = sorted(d for d in glob.glob(os.path.join(ROOT, "examples", "*")) if os.path.isdir(d))


@pytest.mark.parametrize("folder", FOLDERS + [os.path.join(ROOT, "examples", "batch_demo.py")],
                         ids=lambda p: os.path.basename(p))
def test_the_examples_type_check_against_embers_api(folder):
    files = [folder] if folder.endswith(".py") else sorted(glob.glob(os.path.join(folder, "**", "*.py"), recursive=True))
    p = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--no-incremental", *files],
                       cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-5000:]
