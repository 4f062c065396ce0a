"""Bad input through the real CLI: one clear line on stderr, exit 2, no traceback, nothing lost."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from seein.cli import main
from seein.nets.loading import TRUST_NOTE
from seein.testing import make_store

WRONG_CHANNELS = """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8 * 26 * 26, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))
"""


def fails(capsys, *argv, match):
    """Run seein; expect exit 2 and exactly one stderr line containing ``match``."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    trust = [line for line in err.splitlines() if line.endswith(TRUST_NOTE)]
    assert len(trust) <= 1, err  # a model file from outside the bundled set: said once
    err = "\n".join(line for line in err.splitlines() if line not in trust)
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert match in err, err
    return err


def test_missing_paths(tmp_path, capsys):
    out = tmp_path / "o.h5"
    fails(capsys, "info", tmp_path / "none.h5", match="none.h5: no such store")
    fails(capsys, "extract", "--run", tmp_path / "none.run.pt", "-o", out, match="none.run.pt")
    fails(capsys, "extract", "--model", "lenet", "--weights", tmp_path / "w.pt", "-o", out, match="w.pt")
    fails(capsys, "extract", "--model", "lenet", "--dataset", f"mnist:{tmp_path / 'nodir'}", "-o", out,
          match="nodir")
    fails(capsys, "extract", "--model", tmp_path / "net.py:Net", "-o", out, match="net.py")
    fails(capsys, "merge", tmp_path / "a.h5", "-o", out, match="a.h5: no such store")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_text("not a folder")
    fails(capsys, "extract", "--model", "lenet", "--limit", 4, "-o", tmp_path / "file" / "o.h5",
          match="file: is a file, not a folder: cannot write below it")
    fails(capsys, "merge", tmp_path / "a.h5", "-o", tmp_path / "file" / "sub" / "o.h5",
          match="file: is a file, not a folder: cannot write below it")
    # a folder given as the store: said so, not "already exists"
    fails(capsys, "extract", "--model", "lenet", "--limit", 4, "-o", tmp_path,
          match=f"{tmp_path}: is a folder, not a store file (give -o FOLDER/NAME.h5)")
    fails(capsys, "extract", "--model", "lenet", "--limit", 4, "--force", "-o", tmp_path,
          match="is a folder, not a store file")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_corrupt_and_truncated_stores(tmp_path, capsys):
    store = make_store(tmp_path / "s.h5")
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2])
    fails(capsys, "info", store, match="s.h5: not a readable HDF5 store (truncated or corrupt)")
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(300))
    fails(capsys, "info", junk, match="junk.h5: not a readable HDF5 store")
    fails(capsys, "merge", store, junk, "-o", tmp_path / "m.h5", match="truncated or corrupt")
    assert not (tmp_path / "m.h5").exists()


def test_model_that_does_not_fit_names_both_shapes(tmp_path, capsys):
    (tmp_path / "net.py").write_text(WRONG_CHANNELS)
    err = fails(capsys, "extract", "--model", f"{tmp_path / 'net.py'}:Net", "--limit", 10,
                "-o", tmp_path / "o.h5", match="1x28x28")
    assert "3x" in err  # the channels the model wants
    assert not list(tmp_path.glob("o.h5*"))


def test_weights_that_do_not_match(tmp_path, capsys):
    weights = tmp_path / "w.pt"
    torch.save({"conv1.weight": torch.zeros(7, 1, 3, 3)}, weights)
    fails(capsys, "extract", "--model", "lenet", "--weights", weights, "--limit", 10, "-o", tmp_path / "o.h5",
          match="w.pt")
    assert not list(tmp_path.glob("o.h5*"))


def test_existing_output_is_kept(tmp_path, capsys):
    out = make_store(tmp_path / "keep.h5")
    before = out.read_bytes()
    fails(capsys, "extract", "--model", "lenet", "--limit", 10, "-o", out, match="keep.h5: already exists; add --force")
    fails(capsys, "extract", "--model", "lenet", "--limit", 10, "--resume", "-o", out, match="nothing to resume")
    fails(capsys, "merge", out, "-o", out, match="is also an input of this command")
    assert out.read_bytes() == before


@pytest.mark.parametrize("argv, match", [
    (["--shard", "2/2"], "--shard takes i/n"),
    (["--layers", "conv1,nope"], "nope"),
    (["--run", "x.run.pt", "--weights", "w.pt"], "not both"),
])
def test_bad_options(tmp_path, capsys, argv, match):
    (tmp_path / "x.run.pt").write_bytes(b"")
    (tmp_path / "w.pt").write_bytes(b"")
    args = [a if not a.endswith(".pt") else str(tmp_path / a) for a in argv]
    fails(capsys, "extract", "--model", "lenet", "--limit", 10, *args, "-o", tmp_path / "o.h5", match=match)


def test_no_traceback_from_a_real_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "seein", "info", str(tmp_path / "gone.h5")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"seein info: error: {tmp_path / 'gone.h5'}: no such store"]
    debug = subprocess.run([sys.executable, "-m", "seein", "--debug", "info", str(tmp_path / "gone.h5")],
                           capture_output=True, text=True, timeout=120)
    assert "Traceback" in debug.stderr


def test_a_python_model_without_weights_is_extracted_with_a_warning(tmp_path, capsys):
    """Forgetting --weights is legal (a look at an untrained net) but never silent."""
    (tmp_path / "net.py").write_text(WRONG_CHANNELS.replace("Conv2d(3", "Conv2d(1"))
    out = tmp_path / "untrained.h5"
    assert main(["extract", "--model", f"{tmp_path / 'net.py'}:Net", "--limit", "8", "--quiet",
                 "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"seein extract: warning: {tmp_path / 'net.py'}: {TRUST_NOTE}",
                   f"seein extract: warning: {tmp_path / 'net.py'}:Net: no --weights or --run given, so the "
                   "activations are those of the weights its constructor makes (untrained, unless it "
                   "loads some)"]
    assert out.exists()


def test_a_folder_with_non_images_is_extracted_with_a_one_line_warning(tmp_path, capsys):
    from PIL import Image

    rng = np.random.default_rng(1)
    for name in ("ant", "bee"):
        (tmp_path / "photos" / name).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(
                tmp_path / "photos" / name / f"{i}.png")
    (tmp_path / "photos" / "bee" / "notes.txt").write_text("not an image")
    (tmp_path / "net.py").write_text(WRONG_CHANNELS.replace("Conv2d(3", "Conv2d(1").replace(", 10)", ", 2)"))
    from seein.nets import build_model

    torch.save(build_model(f"{tmp_path / 'net.py'}:Net", seed=1).state_dict(), tmp_path / "w.pt")
    out = tmp_path / "photos.h5"
    assert main(["extract", "--model", f"{tmp_path / 'net.py'}:Net", "--weights", str(tmp_path / "w.pt"),
                 "--dataset", f"folder:{tmp_path / 'photos'}", "--quiet", "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"seein extract: warning: {tmp_path / 'net.py'}: {TRUST_NOTE}",
                   f"seein extract: warning: {tmp_path / 'photos'}: skipped 1 file(s) that are not images "
                   "in class folders: bee/notes.txt"]
    from seein.store import Store

    with Store.open(out) as store:
        assert store.n_images == 4 and store.class_names == ["ant", "bee"]
