"""The wheel a user installs: `make test` builds it (target/test-wheel, from the dev profile it has just compiled;
`make wheel` makes the release one) and this installs it into a fresh venv with no Rust toolchain on PATH, then runs
the seed 000 demo and the streaming demo notebook from the installed package."""
import glob
import os
import shutil
import subprocess
import sys
import venv

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WHEELS = sorted(glob.glob(os.path.join(ROOT, "target", "test-wheel", "*.whl")))

pytestmark = pytest.mark.skipif(not WHEELS, reason="no wheel in target/test-wheel: run `make test-wheel` first")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the wheel installed, and an environment whose PATH has no cargo or rustc."""
    root = tmp_path_factory.mktemp("wheel")
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    bare_path = os.pathsep.join([str(env_dir / "bin"), "/usr/bin", "/bin"])
    env = {"PATH": bare_path, "HOME": str(root), "TZ": "UTC", "PYTHONUNBUFFERED": "1", "LANG": "C.UTF-8"}
    for tool in ("cargo", "rustc"):
        assert shutil.which(tool, path=bare_path) is None, f"{tool} is on the test's PATH"
    # pip itself may reach the index (the notebook's kernel); the wheel has no required dependencies.
    pip_env = dict(env, PIP_DISABLE_PIP_VERSION_CHECK="1")
    for k in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_CERT", "PIP_DEFAULT_TIMEOUT", "SSL_CERT_FILE"):
        if k in os.environ:
            pip_env[k] = os.environ[k]
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", WHEELS[-1]], env=pip_env, check=True,
                   timeout=300)
    return python, env, pip_env, root


def test_the_installed_package_imports_from_site_packages_and_runs_a_query(installed):
    python, env, _, root = installed
    code = ("import ember, ember.sql\n"
            "from ember.sql import SparkSession, functions as F\n"
            "spark = SparkSession.builder.getOrCreate()\n"
            "print(ember.__version__, ember.__file__)\n"
            "print(spark.range(10).select(F.sum('id')).first()[0])\n")
    p = subprocess.run([python, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    version, path = p.stdout.splitlines()[0].split()
    assert "site-packages" in path and not path.startswith(ROOT)
    package = os.path.dirname(path)
    assert os.path.exists(os.path.join(package, "py.typed")) and os.path.exists(os.path.join(package, "_native.pyi"))
    assert version == _cargo_version()
    assert p.stdout.splitlines()[1] == "45"


def _cargo_version():
    import re

    with open(os.path.join(ROOT, "Cargo.toml"), encoding="utf-8") as f:
        return re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)


def test_the_seed000_demo_runs_from_the_wheel(installed, tmp_path):
    python, env, _, _ = installed
    shutil.copytree(os.path.join(ROOT, "examples", "seed000"), tmp_path / "seed000")
    p = subprocess.run([python, "run_demo.py"], cwd=tmp_path / "seed000", env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert "Batch: 1" in p.stdout and "|event" in p.stdout.replace(" ", ""), p.stdout[-3000:]


def test_the_streaming_demo_notebook_runs_on_the_wheel(installed, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    python, env, pip_env, root = installed
    # The notebook's transformWithStateInPandas section needs ember's `pandas` extra, as PySpark's needs pandas.
    subprocess.run([python, "-m", "pip", "install", "-q", "ipykernel==7.4.*", "pandas>=1.5", "pyarrow>=14"],
                   env=pip_env, check=True, timeout=600)
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = root / "kernels"
    subprocess.run([python, "-m", "ipykernel", "install", "--prefix", str(root / "kp"), "--name", "wheel"],
                   env=env, check=True, capture_output=True, timeout=120)
    shutil.copytree(root / "kp" / "share" / "jupyter" / "kernels", kernels, dirs_exist_ok=True)
    ksm = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    shutil.copytree(os.path.join(ROOT, "notebooks"), tmp_path / "notebooks")
    nb = nbformat.read(str(tmp_path / "notebooks" / "streaming_demo.ipynb"), as_version=4)
    km = KernelManager(kernel_name="wheel", kernel_spec_manager=ksm)
    client = nbclient.NotebookClient(nb, km=km, timeout=300,
                                     resources={"metadata": {"path": str(tmp_path / "notebooks")}})
    client.execute(env=env)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", "".join(out.get("traceback", []))
            texts.append(out.get("text", "") + str(out.get("data", {}).get("text/plain", "")))
    assert f"ember {_cargo_version()} | Spark API" in "".join(texts)
    assert any("restart read 1 row(s)" in t for t in texts)
