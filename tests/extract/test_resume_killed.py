"""kill -9 in the middle of `seein extract`, then --resume: the result equals a clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import h5py
import pytest
import torch

from seein.cli import main
from seein.store import StoreWriter
from seein.testing import assert_same_stores

ARGS = ["extract", "--model", "lenet", "--split", "all", "--limit", "48", "--batch-size", "4", "--quiet"]


def images_done(partial):
    """Progress recorded in a partial file another process is writing (read without a lock)."""
    try:
        with h5py.File(partial, "r", locking=False) as f:
            return sum(int(g.attrs["images_done"]) for g in f["snapshots"].values())
    except (OSError, KeyError, ValueError, RuntimeError):  # caught mid-write: try again
        return 0


@pytest.mark.slow
def test_kill_9_then_resume_equals_a_clean_run(tmp_path, monkeypatch):
    out = tmp_path / "killed.h5"
    partial = StoreWriter.partial_path_for(out)
    # on this process's torch threads: a matmul's last bits depend on them, and the resumed part runs here
    env = dict(os.environ, PYTHONUNBUFFERED="1", SEEIN_THREADS=str(torch.get_num_threads()))
    proc = subprocess.Popen([sys.executable, "-m", "seein", *ARGS, "-o", str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while images_done(partial) < 4:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no progress within two minutes"
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert partial.exists() and not out.exists(), "killed before it finished"
    done = images_done(partial)
    assert 4 <= done < 48 * 6

    # without --resume an existing partial is an error that says what to do
    assert main([*ARGS, "-o", str(out)]) == 2
    # the resumed run writes only what the killed one had not finished: from its last chunk on
    written = []
    write_staged = StoreWriter.write_staged  # (write_chunk goes through it too)

    def recording(self, snapshot_index, image_start, *args, **kwargs):
        written.append(snapshot_index * 48 + image_start)
        return write_staged(self, snapshot_index, image_start, *args, **kwargs)

    monkeypatch.setattr(StoreWriter, "write_staged", recording)
    assert main([*ARGS, "--resume", "-o", str(out)]) == 0
    monkeypatch.undo()
    assert out.exists() and not partial.exists()
    assert written == list(range(done, 48 * 6, 4)), "resume did not start at the first missing chunk"

    clean = tmp_path / "clean.h5"
    assert main([*ARGS, "-o", str(clean)]) == 0
    assert_same_stores(clean, out)
