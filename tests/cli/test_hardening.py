"""Issue 11, as a user or an attacker would try it: no input is destroyed, no stale result is
served, no code runs unannounced, and every bad input is one line naming the file (exit 2)."""

from __future__ import annotations

import errno
import textwrap

import h5py
import numpy as np
import pytest

from seein.cli import main
from seein.core.errors import SeeinError
from seein.core.outputs import atomic_output, output_lock, refuse_if_input
from seein.nets.loading import TRUST_NOTE
from seein.store import Store
from seein.testing import make_store

THREE_CHANNELS = textwrap.dedent("""
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.fc = nn.Linear(4 * 26 * 26, 10)

        def forward(self, x):
            return self.fc(torch.flatten(self.conv(x), 1))
""")


def run(capsys, *argv) -> tuple[int, list[str], str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines(), captured.out


def fails(capsys, *argv, match: str) -> str:
    """Exit 2 with one error line (the trust note aside) containing ``match``."""
    code, lines, _ = run(capsys, *argv)
    err = [line for line in lines if ": error: " in line]
    assert code == 2, lines
    assert len(err) == 1 and not any("Traceback" in line for line in lines), lines
    assert match in err[0], err
    return err[0]


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "S.h5", n_images=24, layers={"conv": (2, 3, 3), "fc2": (4,)})


# -- 2: outputs that destroy inputs -------------------------------------------------------
def test_item2_an_output_that_is_an_input_is_refused_before_any_work(store, tmp_path, capsys):
    before = store.read_bytes()
    fails(capsys, "screenshot", store, "--layer", "fc2", "-o", store, match="is also an input")
    fails(capsys, "view", store, "--screenshot", store, match="is also an input")
    link = tmp_path / "link.h5"
    link.symlink_to(store)
    fails(capsys, "screenshot", store, "--layer", "fc2", "-o", link, match="is also an input")
    net = tmp_path / "net.py"
    net.write_text(THREE_CHANNELS)
    source = net.read_text()
    fails(capsys, "extract", "--model", f"{net}:Net", "-o", net, "--force", match="is also an input")
    npz = tmp_path / "d.npz"
    np.savez(npz, images=np.zeros((4, 28, 28), np.uint8), labels=np.arange(4))
    data = npz.read_bytes()
    fails(capsys, "extract", "--model", "lenet", "--dataset", f"npz:{npz}", "-o", npz, "--force",
          match="is also an input")
    fails(capsys, "merge", store, "-o", link, "--force", match="is also an input")
    assert store.read_bytes() == before and net.read_text() == source and npz.read_bytes() == data


def test_item2_refuse_if_input_follows_links_and_skips_spec_words(tmp_path):
    a = tmp_path / "a.h5"
    a.write_bytes(b"x")
    (tmp_path / "b.h5").symlink_to(a)
    with pytest.raises(SeeinError, match="is also an input"):
        refuse_if_input(tmp_path / "b.h5", [None, "digits", a])
    refuse_if_input(tmp_path / "c.h5", [a, "digits"])


def test_item2_15_a_failing_write_leaves_nothing_and_keeps_the_old_file(tmp_path):
    out = tmp_path / "shot.png"
    out.write_bytes(b"old")
    with pytest.raises(SeeinError, match=r"shot\.png: writing failed \(No space left on device\)"):
        with atomic_output(out) as tmp:
            tmp.write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert out.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["shot.png"]
    with pytest.raises(SeeinError, match="nothing was written"):
        with atomic_output(tmp_path / "empty.png"):
            pass  # a 0-byte output is never kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shot.png"]


def test_item15_outputs_under_a_file_or_on_a_full_disk_are_one_line_errors(store, tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    fails(capsys, "embed", store, "--layer", "fc2", "--out", blocker / "e.npz", match="file: is a file, not a folder")
    fails(capsys, "screenshot", store, "--layer", "fc2", "-o", blocker / "s.png", match="file: is a file, not a folder")
    from PIL import Image

    def full(self, fp, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full)
    fails(capsys, "screenshot", store, "--layer", "fc2", "-o", tmp_path / "s.png",
          match="s.png: writing failed (No space left on device)")
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob(".s.png*"))


def test_item15_compute_that_keeps_nothing_fails(store, capsys, monkeypatch):
    import seein.store.cache as cache

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache.np, "savez", full)
    fails(capsys, "compute", store, "--layers", "fc2", "--quiet", match="could not be written")


# -- 3, 4: the cache belongs to one store and survives damage --------------------------------
def test_item3_a_replaced_store_never_meets_its_predecessors_results(tmp_path):
    path = make_store(tmp_path / "S.h5", seed=0)
    with Store.open(path) as s:
        s.save_result("projection", "fc", -1, {"m": 1}, {"embedding": np.zeros((3, 2))})
        assert s.load_result("projection", "fc", -1, {"m": 1}) is not None
    make_store(tmp_path / "S.h5", seed=1)  # another extraction into the same name
    with Store.open(path) as s:
        assert s.load_result("projection", "fc", -1, {"m": 1}) is None
        assert s.results() == []
        s.save_result("projection", "fc", -1, {"m": 1}, {"embedding": np.ones((3, 2))})
    with Store.open(path) as s:  # and its own results are kept
        assert s.load_result("projection", "fc", -1, {"m": 1})["embedding"].sum() == 6


@pytest.mark.parametrize("damage", ["flip", "empty"])
def test_item4_an_unreadable_cache_entry_is_recomputed_with_a_warning(store, capsys, damage):
    with Store.open(store) as s:
        entry = s.save_result("projection", "fc2", -1, {"m": 1}, {"embedding": np.zeros((24, 2))})
    raw = bytearray(entry.read_bytes())
    if damage == "flip":
        raw[len(raw) // 2] ^= 0xFF
        raw[-30] ^= 0xFF
        entry.write_bytes(bytes(raw))
    else:
        entry.write_bytes(b"")
    with Store.open(store) as s, pytest.warns(UserWarning, match="unreadable cached result"):
        assert s.load_result("projection", "fc2", -1, {"m": 1}) is None
    code, err, _ = run(capsys, "info", store)
    assert code == 0, err
    code, err, out = run(capsys, "embed", store, "--layer", "fc2", "--method", "pca")
    assert code == 0, err


# -- 5: concurrent writers ---------------------------------------------------------------------
def test_item5_a_second_writer_of_the_same_output_is_refused(tmp_path, capsys):
    out = tmp_path / "t.h5"
    with output_lock(out):
        fails(capsys, "extract", "--model", "lenet", "--limit", "4", "--force", "-o", out,
              match="t.h5: another seein is writing this file")
        fails(capsys, "extract", "--model", "lenet", "--limit", "4", "--resume", "-o", out,
              match="another seein is writing")
    assert not out.exists() and not (tmp_path / "t.h5.partial").exists()


# -- 14: a module name with '/' --------------------------------------------------------------
def test_item14_a_layer_name_with_a_slash_is_refused_before_any_partial(tmp_path, capsys):
    net = tmp_path / "slash.py"
    net.write_text(THREE_CHANNELS.replace("self.conv = nn.Conv2d(3, 4, 3)",
                                          "self.add_module('a/b', nn.Conv2d(1, 4, 3))")
                   .replace("self.conv(x)", "getattr(self, 'a/b')(x)"))
    out = tmp_path / "s.h5"
    fails(capsys, "extract", "--model", f"{net}:Net", "--limit", "4", "-o", out, match="layer name 'a/b'")
    assert not out.exists() and not (tmp_path / "s.h5.partial").exists()


# -- 1, 17, 18, 19, 9: model files ------------------------------------------------------------
def test_item1_model_files_are_announced_as_programs(tmp_path, capsys):
    net = tmp_path / "net.py"
    net.write_text(THREE_CHANNELS)
    code, err, _ = run(capsys, "layers", "--model", f"{net}:Net")
    assert code == 0, err
    assert err == [f"seein layers: warning: {net}: {TRUST_NOTE}"]
    code, err, _ = run(capsys, "layers", "--model", "lenet")
    assert code == 0 and err == []  # the bundled set is not announced
    for command in ("layers", "extract"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "model files are programs: only use ones you trust" in " ".join(capsys.readouterr().out.split())
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert TRUST_NOTE in readme


def test_item1_a_torch_export_program_is_a_model(tmp_path, capsys):
    import torch

    from seein.nets import build_model

    net = build_model("lenet").eval()
    batch = torch.export.Dim("batch", min=1, max=4096)  # seein runs batches of images
    program = torch.export.export(net, (torch.zeros(2, 1, 28, 28),), dynamic_shapes=({0: batch},))
    torch.export.save(program, tmp_path / "lenet.pt2")
    code, err, out = run(capsys, "layers", "--model", tmp_path / "lenet.pt2", "--input-shape", "1,28,28")
    assert code == 0, err
    assert "layers on input 1x28x28" in out
    fails(capsys, "layers", "--model", tmp_path / "net.py", match="net.py")


def test_item17_a_model_file_calling_sys_exit_is_reported(tmp_path, capsys):
    at_import = tmp_path / "bye.py"
    at_import.write_text("import sys\nsys.exit(5)\n")
    fails(capsys, "layers", "--model", f"{at_import}:Net", match="bye.py: the model file failed to import "
          "(it called sys.exit(5))")
    in_forward = tmp_path / "fwd.py"
    in_forward.write_text(THREE_CHANNELS.replace("return self.fc(", "import sys; sys.exit(3)\n        return self.fc("))
    fails(capsys, "layers", "--model", f"{in_forward}:Net", "--input-shape", "3,28,28", match="sys.exit(3)")


def test_item18_model_errors_name_the_file_and_the_exception(tmp_path, capsys):
    net = tmp_path / "keys.py"
    net.write_text(THREE_CHANNELS.replace("return self.fc(", "raise KeyError('x')\n        return self.fc("))
    err = fails(capsys, "layers", "--model", f"{net}:Net", "--input-shape", "3,28,28", match="keys.py: ")
    assert "KeyError: 'x'" in err


def test_item18_complex_weights_are_refused(tmp_path, capsys):
    import torch

    from seein.nets import build_model

    state = {k: v.to(torch.complex64) if v.is_floating_point() else v
             for k, v in build_model("lenet").state_dict().items()}
    torch.save(state, tmp_path / "c.pt")
    fails(capsys, "layers", "--model", "lenet", "--weights", tmp_path / "c.pt", match="holds complex numbers")


def test_item18_a_negative_image_index_is_an_index_not_a_file(store, tmp_path, capsys):
    fails(capsys, "screenshot", store, "--layer", "fc2", "--select", "images=-1", "-o", tmp_path / "x.png",
          match="out of range")


def test_item19_without_a_data_set_the_probe_takes_the_models_channels(tmp_path, capsys):
    net = tmp_path / "rgb.py"
    net.write_text(THREE_CHANNELS)
    code, err, out = run(capsys, "layers", "--model", f"{net}:Net")
    assert code == 0, err
    assert "layers on input 3x28x28" in out


def test_item9_absurd_input_shapes_are_bounded(capsys):
    fails(capsys, "layers", "--model", "lenet", "--input-shape", "3,100000,100000",
          match="--input-shape 3x100000x100000 is out of bounds")


# -- 10, 11, 12, 13: damaged stores through the commands ------------------------------------
def _damaged(store, how: str):
    if how.startswith("bit"):  # bytes whose flip gave AttributeError / OSError / RuntimeError inside
        pos, bit = (int(v) for v in how[3:].split("^"))
        raw = bytearray(store.read_bytes())
        raw[pos] ^= bit
        store.write_bytes(bytes(raw))
        return
    with h5py.File(store, "r+") as f:
        if how == "string-layer":
            group = f["snapshots"][next(iter(f["snapshots"]))]["layers"]
            shape = group["fc2"].shape
            del group["fc2"]
            group.create_dataset("fc2", shape=shape, dtype=h5py.string_dtype())
        elif how == "label":
            f["labels"][0] = len(f["class_names"])
        elif how == "rf":
            del f["layers"]["conv"]["rf"]
            f["layers"]["conv"].create_dataset("rf", data=np.zeros((2, 4), np.int32))


@pytest.mark.parametrize("how", ["bit2000^16", "bit16^16", "bit1024^1", "bit1415^1",
                                 "string-layer", "label", "rf"])
def test_items10_to_13_a_damaged_store_is_one_line_everywhere(store, tmp_path, capsys, how):
    _damaged(store, how)
    codes = []
    for argv in (["info", store], ["compute", store, "--quiet"], ["embed", store, "--layer", "fc2"],
                 ["screenshot", store, "--layer", "conv", "-o", tmp_path / "x.png"]):
        code, err, _ = run(capsys, *argv)
        codes.append(code)
        if code == 0 and how.startswith("bit"):
            continue  # a flipped byte this command never reads
        err = [line for line in err if ": error: " in line]
        assert code == 2 and len(err) == 1 and "S.h5" in err[0], (argv, err)
        assert "damaged store" in err[0] or "not a readable HDF5 store" in err[0], err
    assert 2 in codes
