"""Shader files load by name; ``seein screenshot`` writes a correct PNG of a synthetic store."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.render.shaders import load_shader, shader_names


def test_shaders_load_by_name():
    names = shader_names()
    assert {"points.vert", "points.frag", "bare_points.vert", "bare_points.frag"} <= set(names)
    vert = load_shader("points.vert")
    assert "void main()" in vert and "u_state" in vert and "a_image" in vert
    with pytest.raises(SeeinError):
        load_shader("missing.vert")
    with pytest.raises(SeeinError):
        load_shader("../setup.cfg")


def _seein(*args, env=None):
    return subprocess.run([sys.executable, "-m", "seein", *args], capture_output=True, text=True,
                          timeout=240, env={**os.environ, "EGL_PLATFORM": "surfaceless", **(env or {})})


@pytest.mark.render
def test_screenshot_cli_writes_a_png_of_the_store(synthetic_store, tmp_path):
    from PIL import Image

    out = tmp_path / "shot.png"
    sel = tmp_path / "sel.csv"
    sel.write_text("image_id\n" + "".join(f"{i}\n" for i in range(0, 60, 3)))  # class 0 (labels i % 3)
    res = _seein("screenshot", str(synthetic_store), "--layer", "fc", "--dims", "0,1",
                 "--select", f"images={sel}", "--size", "160x120", "-o", str(out))
    assert res.returncode == 0, res.stderr
    img = np.asarray(Image.open(out))
    assert img.shape == (120, 160, 4) and (img[..., 3] == 255).all()
    from seein.state import class_palette

    pal = (class_palette(3) * 255).round().astype(int)
    counts = [np.all(np.abs(img[..., :3].astype(int) - pal[k, :3]) <= 3, axis=-1).sum() for k in range(3)]
    assert counts[0] > 50 and counts[0] > 5 * max(counts[1], counts[2])  # class 0 selected, others faded


def _cells_with_ink(frame, n, rgb=None, tol=3):
    """How many of the n x n cells of a square frame hold ink (of colour rgb, if given)."""
    if rgb is None:
        ink = ~np.all(frame[..., :3] >= 200, axis=-1)
    else:
        ink = np.all(np.abs(frame[..., :3].astype(int) - np.asarray(rgb)[:3]) <= tol, axis=-1)
    size = frame.shape[0] / n
    return sum(bool(ink[int(r * size) + 3:int((r + 1) * size) - 3, int(c * size) + 3:int((c + 1) * size) - 3].any())
               for r in range(n) for c in range(n))


@pytest.mark.render
def test_screenshot_shows_the_whole_matrix_or_a_block(case):
    res = case("screenshots")
    frame, note = res["whole"]
    assert note.endswith("6 x 6 matrix") and "layer fc" in note
    assert _cells_with_ink(frame, 6) == 36  # every panel, not the view's top-left 4 x 4
    frame, note = res["block"]
    assert "dims 1..2 of the 6 x 6 matrix" in note
    assert _cells_with_ink(frame, 2) == 4
    frame, _ = res["conv_block"]
    assert _cells_with_ink(frame, 2, res["palette"][1]) >= 2  # class 1 brushed in each off-diagonal panel
    size = frame.shape[0] / 2
    for k in range(2):  # the diagonals are histograms: the selection's own dark outline in each
        cell = frame[int(k * size) + 3:int((k + 1) * size) - 3, int(k * size) + 3:int((k + 1) * size) - 3, :3]
        assert (cell.max(axis=-1) < 60).sum() > 10, k


@pytest.mark.render
def test_screenshot_of_a_matrix_over_the_point_budget_draws_densities(case):
    frame, note = case("screenshots")["dense"]
    assert "4 x 4 matrix, drawn as densities" in note and "--panels" in note
    blue = (frame[..., 2].astype(int) - frame[..., 0].astype(int)) > 30
    size = frame.shape[0] / 4
    assert sum(blue[int(r * size) + 3:int((r + 1) * size) - 3, int(c * size) + 3:int((c + 1) * size) - 3].any()
               for r in range(4) for c in range(4)) == 16


@pytest.mark.render
def test_screenshot_bad_options_are_one_line_errors(case):
    errors = case("screenshots")["errors"]
    assert "no such selection file" in errors["missing_file"] and "nope.csv" in errors["missing_file"]
    assert "layer 'fc' has 6 dims" in errors["panels_range"]
    assert "expected A:B" in errors["panels_text"]
    assert "not with dims" in errors["panels_dims"]
    assert "exclude each other" in errors["dims_projection"]
    assert all("\n" not in e for e in errors.values())


def test_screenshot_cli_errors_are_one_line(synthetic_store, tmp_path, capsys):
    from seein.cli import main

    assert main(["screenshot", str(synthetic_store), "--layer", "nope", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "no layer 'nope'" in err and len(err.strip().splitlines()) == 1
    assert main(["screenshot", str(synthetic_store), "--layer", "fc", "--size", "10x10",
                 "-o", str(tmp_path / "x.png")]) == 2
    assert "16..8192" in capsys.readouterr().err
    assert main(["screenshot", str(synthetic_store), "--layer", "fc", "-o", str(tmp_path / "no" / "x.png")]) == 2
    assert "output folder does not exist" in capsys.readouterr().err
    assert main(["screenshot", str(synthetic_store), "--layer", "fc", "--panels", "2",
                 "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "expected A:B" in err and len(err.strip().splitlines()) == 1
    assert main(["screenshot", str(tmp_path / "nope.h5"), "--layer", "fc", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "nope.h5: no such store" in err and len(err.strip().splitlines()) == 1
    assert main(["screenshot", str(synthetic_store), "--layer", "fc", "--dims", "0,6",
                 "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "--dims 0,6: layer 'fc' has 6 dims (0..5)" in err and len(err.strip().splitlines()) == 1
    assert main(["screenshot", str(synthetic_store), "--layer", "fc", "--dims", "0:1",
                 "-o", str(tmp_path / "x.png")]) == 2
    assert "expected two integers" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.render
def test_screenshot_without_egl_says_so_in_one_line(synthetic_store, tmp_path):
    not_egl = tmp_path / "libEGL.so.1"
    not_egl.write_text("not a library")  # VisPy loads $EGL_LIBRARY: this one cannot load
    res = _seein("screenshot", str(synthetic_store), "--layer", "fc", "-o", str(tmp_path / "x.png"),
                 env={"EGL_LIBRARY": str(not_egl)})
    ours = [line for line in res.stderr.splitlines() if line.startswith("seein screenshot")]
    assert res.returncode == 2 and len(ours) == 1 and "needs EGL" in ours[0], res.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.render
def test_screenshot_function_returns_rgba(synthetic_store):
    from seein.render.screenshot import screenshot

    img = screenshot(synthetic_store, "conv", splom=True, select="class=1", size=(96, 96), isolate=True)
    assert img.shape == (96, 96, 4) and img.dtype == np.uint8
    assert (~np.all(img[..., :3] == 255, axis=-1)).sum() > 200


@pytest.mark.render
def test_screenshot_of_the_demo_store(demo_store, tmp_path):
    """`seein screenshot` writes a correct PNG of the demo store with
    no display. fc2 (10-D): the whole 10 x 10 matrix, every panel drawn, every digit's colour;
    conv1 (1,035,072 points) dims 0,1 with the 3s brushed: orange on top, the rest faded."""
    from PIL import Image

    from seein.state import class_palette

    pal = (class_palette(10) * 255).round().astype(int)
    out = tmp_path / "fc2.png"
    res = _seein("screenshot", str(demo_store), "--layer", "fc2", "--size", "400x400", "-o", str(out))
    assert res.returncode == 0 and "fc2, snapshot 5 (step 92): 10 x 10 matrix" in res.stdout, res.stderr
    img = np.asarray(Image.open(out))
    assert img.shape == (400, 400, 4)
    plot = img[:340, 60:]  # the matrix: right of the axes' 60 px margin, its spare room below it
    assert _cells_with_ink(plot, 10) == 100
    assert (img[:340, :55, :3].max(axis=-1) < 128).sum() > 40  # the rows' names in the margin
    colours = [np.all(np.abs(img[..., :3].astype(int) - pal[k, :3]) <= 3, axis=-1).sum() for k in range(10)]
    assert min(colours) > 50, colours
    out = tmp_path / "conv1.png"
    res = _seein("screenshot", str(demo_store), "--layer", "conv1", "--dims", "0,1", "--select", "class=3",
                 "--size", "200x200", "-o", str(out))
    assert res.returncode == 0 and "dims 0 (x), 1 (y)" in res.stdout, res.stderr
    img = np.asarray(Image.open(out))
    counts = [np.all(np.abs(img[..., :3].astype(int) - pal[k, :3]) <= 3, axis=-1).sum() for k in range(10)]
    assert counts[3] > 2000 and counts[3] > 20 * max(c for k, c in enumerate(counts) if k != 3)
