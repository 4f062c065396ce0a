"""scripts/setup's decisions, run for real in a sandbox copy with stand-ins for the system:
as root it apt-installs what is missing, as another user it names what is missing (and
scripts/test's --require-system stops there), and a Python without venv is named, not
half-used. The stand-ins (id, dpkg, apt-get, the Python) are small shell scripts on PATH,
so nothing is installed and the real .venv is never touched."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MISSING = "xvfb"  # the package the stand-in dpkg reports as not installed


def _script(path: Path, body: str) -> None:
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(0o755)


@pytest.fixture
def sandbox(tmp_path):
    """A copy of the packaging files and scripts/setup, with a ready (stand-in) .venv."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for name in ("setup.cfg", "pyproject.toml", "scripts/setup"):
        shutil.copy(REPO / name, root / name)
    (root / "seein").mkdir()
    (root / "seein" / "__init__.py").write_text("")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "apt.log"
    _script(bin_ / "id", 'if [ "${1:-}" = -u ]; then echo "$FAKE_UID"; else exec /usr/bin/id "$@"; fi\n')
    _script(bin_ / "dpkg", 'case " ${FAKE_MISSING:-%s} " in *" $2 "*) exit 1 ;; esac; exit 0\n' % MISSING)
    _script(bin_ / "apt-get", f'echo "$@" >> {log}\n')
    # a .venv whose Python works and has pip, with seein "installed from here" (the stamp)
    venv_bin = root / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    # it answers the "is seein this checkout's?" probe with yes, and refuses pip installs, so
    # the real .venv behind it is never changed
    _script(venv_bin / "python", 'case "$*" in *"import os, sys, seein"*) exit 0 ;; '
            '*"pip install"*) echo "no installs in the sandbox" >&2; exit 99 ;; esac\n'
            f'exec {sys.executable} "$@"\n')
    digest = hashlib.sha1(b"".join((root / n).read_bytes() for n in
                                   ("setup.cfg", "pyproject.toml", "scripts/setup"))).hexdigest()[:16]
    (root / ".venv" / f".seein-setup-{digest}").touch()
    return root, bin_, log


def _run(root: Path, bin_: Path, *args: str, uid: int, **env: str) -> subprocess.CompletedProcess:
    environ = dict(os.environ, PATH=f"{bin_}:{os.environ['PATH']}", FAKE_UID=str(uid), **env)
    return subprocess.run(["bash", str(root / "scripts" / "setup"), *args], env=environ,
                          capture_output=True, text=True, timeout=120)


def test_as_root_missing_packages_are_installed(sandbox):
    root, bin_, log = sandbox
    proc = _run(root, bin_, "--require-system", uid=0)
    assert proc.returncode == 0, proc.stderr
    assert f"installing system packages: {MISSING}" in proc.stderr
    assert log.read_text().splitlines()[-1].endswith(f"install -y -qq --no-install-recommends {MISSING}")


def test_as_a_user_missing_packages_are_named_and_the_tests_do_not_start(sandbox):
    root, bin_, log = sandbox
    proc = _run(root, bin_, "--require-system", uid=1000)
    assert proc.returncode == 1
    assert f"missing system packages (run as root, or: sudo apt-get install {MISSING})" in proc.stderr
    assert "stopping" in proc.stderr and not log.exists()
    # the demo (--system) only needs them for the GUI: it says so and goes on
    proc = _run(root, bin_, "--system", uid=1000)
    assert proc.returncode == 0 and f"sudo apt-get install {MISSING}" in proc.stderr
    assert "stopping" not in proc.stderr
    # nothing missing: quiet and done
    proc = _run(root, bin_, "--require-system", uid=1000, FAKE_MISSING="none")
    assert (proc.returncode, proc.stderr) == (0, "")


def test_a_python_without_venv_is_named_and_no_half_made_venv_is_left(sandbox, tmp_path):
    root, bin_, log = sandbox
    shutil.rmtree(root / ".venv")
    nopip = tmp_path / "python-without-venv"
    _script(nopip, 'case "$*" in *ensurepip*) exit 1 ;; esac; exec python3 "$@"\n')
    proc = _run(root, bin_, uid=1000, PYTHON=str(nopip), FAKE_MISSING="python3-venv xvfb")
    assert proc.returncode == 1
    assert "sudo apt-get install python3-venv" in proc.stderr
    assert f"need {nopip} (Python 3.10 or newer) with its venv module" in proc.stderr
    assert not (root / ".venv").exists()


def test_unknown_options_are_refused(sandbox):
    root, bin_, _ = sandbox
    proc = _run(root, bin_, "--sytem", uid=0)
    assert proc.returncode == 2 and "unknown option --sytem" in proc.stderr


def test_the_scripts_use_setup_as_intended():
    assert "./scripts/setup --require-system" in (REPO / "scripts" / "test").read_text()
    assert "./scripts/setup --system" in (REPO / "scripts" / "demo").read_text()
    assert "./scripts/test" in (REPO / ".ci" / "run").read_text()
