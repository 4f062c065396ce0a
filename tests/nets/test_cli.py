"""``seein layers`` and ``seein train`` as a user runs them (through the real CLI entry point)."""

from __future__ import annotations

import subprocess
import sys

from seein.cli import main
from seein.nets.runs import load_run


def test_layers_table_for_lenet(capsys):
    assert main(["layers", "--model", "lenet"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "lenet: 7 layers on input 1x28x28"
    assert lines[1].split() == ["name", "type", "output", "points/image", "default"]
    assert lines[2].split() == ["conv1", "Conv2d", "20x24x24", "576", "yes"]
    assert lines[5].split() == ["pool2", "MaxPool2d", "50x4x4", "16", "yes"]
    assert lines[8].split() == ["fc2", "Linear", "10", "1", "yes"]


def test_layers_of_a_user_model_with_weights_and_dataset(capsys, resnet_file, resnet_weights):
    code = main(["layers", "--model", f"{resnet_file}:TinyResNet", "--weights", str(resnet_weights),
                 "--dataset", "digits"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert rows["block.bn1"] == ["block.bn1", "BatchNorm2d", "8x28x28", "784"]  # listed, not a default
    assert rows["pool"] == ["pool", "MaxPool2d", "8x14x14", "196", "yes"]


def test_layers_errors_are_one_line_exit_2(capsys, tmp_path):
    assert main(["layers", "--model", "lenet", "--input-shape", "3,32,32"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("seein layers: error: model expects 1x28x28 input, the input is 3x32x32")
    assert "\n" not in err
    assert main(["layers", "--model", f"{tmp_path}/missing.py:Net"]) == 2
    assert "missing.py: no such model file" in capsys.readouterr().err
    assert main(["layers", "--model", "lenet", "--input-shape", "1,28"]) == 2
    assert "--input-shape must be C,H,W" in capsys.readouterr().err


def test_train_command_writes_a_run(capsys, tmp_path):
    out = tmp_path / "cli.run.pt"
    code = main(["train", "--model", "lenet", "--dataset", "digits", "--epochs", "1", "--snapshots", "2",
                 "--seed", "4", "--limit", "64", "--batch-size", "32", "--quiet", "-o", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert text.startswith(f"{out}: 2 snapshots over 2 steps")
    assert "snapshot 1: step      2" in text and "test_acc" in text
    run = load_run(out)
    assert run.meta["seed"] == 4 and [i.step for i, _ in run.snapshots] == [0, 2]
    # an existing run is kept: refused without --force, and kept when the new training fails
    before = out.read_bytes()
    assert main(["train", "--epochs", "1", "--limit", "64", "--quiet", "-o", str(out)]) == 2
    assert "cli.run.pt: already exists; add --force to replace it" in capsys.readouterr().err
    assert main(["train", "--epochs", "1", "--dataset", f"npz:{tmp_path / 'none.npz'}", "--force",
                 "--quiet", "-o", str(out)]) == 2
    assert out.read_bytes() == before
    assert main(["train", "--epochs", "1", "--limit", "64", "--seed", "5", "--force", "--quiet",
                 "-o", str(out)]) == 0
    assert load_run(out).meta["seed"] == 5


def test_train_help_in_a_fresh_process():
    proc = subprocess.run([sys.executable, "-m", "seein", "train", "--help"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "--snapshots" in proc.stdout and "seein extract --run" in proc.stdout
