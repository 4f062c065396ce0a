"""The point visual in real EGL frames: colours, selection on top, sizes, hover, dims, uploads."""

from __future__ import annotations

import numpy as np
import pytest

from seein.core.palette import class_palette

PALETTE = (class_palette(3)[:, :3] * 255).round().astype(int)  # the colours of classes 0, 1, 2

pytestmark = pytest.mark.render

WHITE = np.array([255, 255, 255])


def _colour_pixels(frame, rgb, tol=3):
    return np.all(np.abs(frame[..., :3].astype(int) - np.asarray(rgb)[:3]) <= tol, axis=-1)


@pytest.fixture
def clusters(case):
    return case("clusters")


def test_class_colours_appear_where_the_points_are(clusters):
    frame, pal = clusters["frame"], clusters["palette"]
    assert frame.shape == (120, 120, 4) and frame.dtype == np.uint8
    for k, (x, y) in enumerate(clusters["centres_px"]):
        patch = frame[int(y) - 1:int(y) + 2, int(x) - 1:int(x) + 2, :3].reshape(-1, 3)
        assert (np.abs(patch.astype(int) - pal[k, :3]).max(axis=1) <= 3).any(), f"class {k} not at its cluster"
        assert _colour_pixels(frame, pal[k]).sum() > 20
    # away from the clusters: background only, and every drawn pixel is one of the class colours
    assert (frame[2:10, 2:10, :3] == 255).all()
    ink = ~np.all(frame[..., :3] == 255, axis=-1)
    grid = np.all(np.abs(frame[..., :3].astype(int) - 158) <= 2, axis=-1)
    known = _colour_pixels(frame, pal[0]) | _colour_pixels(frame, pal[1]) | _colour_pixels(frame, pal[2])
    assert (known | grid)[ink].mean() > 0.97


def test_selected_points_grow_and_unselected_fade(clusters):
    pal, plain, sel = clusters["palette"], clusters["frame"], clusters["selected"]
    assert _colour_pixels(sel, pal[1]).sum() > 1.5 * _colour_pixels(plain, pal[1]).sum()
    # unselected classes are no longer drawn at full strength
    assert _colour_pixels(sel, pal[0]).sum() < 0.2 * _colour_pixels(plain, pal[0]).sum()
    faded = ~np.all(sel[..., :3] == 255, axis=-1) & ~_colour_pixels(sel, pal[1])
    assert faded.sum() > 0  # but still visible, faintly


def test_selected_points_cover_more_pixels_than_unselected(case):
    res = case("overlap_selected_first")
    sel = res["selected"]
    pal = PALETTE[:2]
    assert _colour_pixels(sel, pal[1]).sum() > 0
    # the same points of the unselected image cover fewer pixels: all their ink is hidden
    assert _colour_pixels(res["plain"], pal[1]).sum() < _colour_pixels(sel, pal[1]).sum()


@pytest.mark.parametrize("selected_first", [True, False])
def test_selected_colour_wins_every_overlapping_pixel(case, selected_first):
    res = case("overlap_selected_first" if selected_first else "overlap_selected_last")
    sel, plain = res["selected"], res["plain"]
    orange = PALETTE[1]
    ink = ~np.all(sel[..., :3] == 255, axis=-1)
    overlapping = ink & ~np.all(plain[..., :3] == 255, axis=-1)  # covered by both images' points
    assert overlapping.sum() > 100
    assert _colour_pixels(sel, orange)[overlapping].all()
    if selected_first:  # the unselected image is drawn last: without the depth order it would win
        blue = PALETTE[0]
        assert _colour_pixels(plain, blue).sum() > _colour_pixels(plain, orange).sum()


@pytest.mark.parametrize("selected_first", [True, False])
def test_hovered_image_is_above_the_selection(case, selected_first):
    """Hovering the unselected image of two at the very same points: its colour, at full
    strength, wins every pixel where both are drawn, whichever comes first in the buffers."""
    res = case("overlap_selected_first" if selected_first else "overlap_selected_last")
    hov, sel = res["hovered"], res["selected"]
    blue, orange = PALETTE[0], PALETTE[1]
    under_selection = _colour_pixels(sel, orange)
    assert under_selection.sum() > 100
    assert _colour_pixels(hov, blue)[under_selection].all()  # nothing of the selection shows through
    assert _colour_pixels(hov, blue).sum() > under_selection.sum()  # and it is drawn larger (2x)


def test_hovered_image_is_drawn_larger_on_top(clusters):
    pal, sel, hov = clusters["palette"], clusters["selected"], clusters["hovered"]
    # image 0 (class 0, unselected) hovered: its points at full colour, doubled, over the fade
    assert _colour_pixels(hov, pal[0]).sum() > 2 * _colour_pixels(sel, pal[0]).sum()


def test_selection_uploads_bytes_per_image_only(clusters):
    up = clusters["uploads"]
    assert up["points"] == 1 and up["point_bytes"] == 60 * 3 * 4
    assert up["state"] == 2 and up["state_bytes"] == 2 * 12  # set_layer + set_selection: 12 images


def test_dims_switch_moves_points_without_upload(case):
    res = case("dims_switch")
    assert res["before"] == res["after"] and res["after"]["points"] == 1
    # counted where GL runs (every GLIR data command), not only by the visual's own counters
    gl, size = res["gl_data"], res["buffer_bytes"][0]
    # the first frame sends the buffers it draws from (dims 0, 1 and the image index), once each
    assert gl["until_first_frame"]["buffers"] == [[size], [size], [], [], [size]]
    # switching to dims (2, 3) sends those two, never sent before (VisPy uploads a buffer when it is
    # first bound), and nothing again: no buffer ever receives its data twice
    assert gl["dims_switch"]["buffers"] == [[], [], [size], [size], []]
    assert gl["dims_switch"]["state"] == 0 and gl["dims_switch"]["other"] < 2048  # grid lines only
    # a selection change is one upload of one byte per image (4 images), nothing per point
    assert gl["selection"]["buffers"] == [[]] * 5
    assert (gl["selection"]["state_uploads"], gl["selection"]["state"]) == (1, 4)
    # palette, point size and fade are uniforms: the frame changes, nothing is uploaded
    assert gl["style"]["buffers"] == [[]] * 5 and gl["style"]["state"] == 0
    red = _colour_pixels(res["styled"], (230, 26, 26))
    ex, ey = res["expect_styled"]
    yy, xx = np.mgrid[:red.shape[0], :red.shape[1]]
    near = red & ((xx + 0.5 - ex) ** 2 + (yy + 0.5 - ey) ** 2 <= 12 ** 2)
    # image 0, selected, in the new colour: a 12 px point grown 1.5x is an 18 px disc (~254 px)
    assert 0.85 * np.pi * 81 <= near.sum() <= 1.15 * np.pi * 81

    def centroid(frame):
        ys, xs = np.nonzero(~np.all(frame[..., :3] >= 150, axis=-1)[5:-5, 5:-5])
        return xs.mean() + 5, ys.mean() + 5

    for frame, (ex, ey) in ((res["first"], res["expect_first"]), (res["second"], res["expect_second"])):
        cx, cy = centroid(frame)
        assert abs(cx - ex) < 2 and abs(cy - ey) < 2, ((cx, cy), (ex, ey))


def test_lasso_box_and_pick_in_the_view(clusters):
    labels, image_index = clusters["labels"], clusters["image_index"]
    assert clusters["lasso_images"].tolist() == (labels == 1).tolist()
    assert clusters["lasso_points"].tolist() == (labels[image_index] == 1).tolist()
    assert clusters["box_images"].tolist() == (labels == 0).tolist()
    assert clusters["pick"] is not None and labels[image_index[clusters["pick"]]] == 2
    assert clusters["miss"] is None


def test_transition_moves_points_from_start_to_place(case):
    res = case("transition")

    def centroid(frame):
        ys, xs = np.nonzero(~np.all(frame[..., :3] >= 150, axis=-1)[5:-5, 5:-5])
        return xs.mean() + 5, ys.mean() + 5

    for key, (ex, ey) in zip(("start", "half", "done"), res["px"]):
        cx, cy = centroid(res[key])
        assert abs(cx - ex) < 2.5 and abs(cy - ey) < 2.5, (key, (cx, cy), (ex, ey))
    assert not res["in_transition"]
    before, after = res["uploads"]
    assert after["point_bytes"] - before["point_bytes"] == 7 * 2 * 4  # only the start positions


def _ink_near(frame, centre, radius=8):
    x, y = int(round(centre[0])), int(round(centre[1]))
    patch = frame[y - radius:y + radius, x - radius:x + radius, :3]
    return ~np.all(patch == 255, axis=-1)


def test_points_are_discs_from_5px_and_squares_below(case):
    res = case("shapes")
    disc, square, small = (_ink_near(res[k], res["centre"]) for k in ("disc", "square", "small"))
    assert square.sum() == 64  # an 8 px square
    assert 44 <= disc.sum() <= 56  # an 8 px disc: pi * 4^2 ~ 50 pixels, corners empty
    rows = np.flatnonzero(disc.any(axis=1))
    first_row = disc[rows[0]]
    assert first_row.sum() < 8  # the disc's top row is narrower than its diameter
    assert small.sum() == 16  # small points are whole squares (a 4 px disc is not resolvable)


def test_point_fragments_carry_no_scene_filters(case):
    """VisPy's clip, opacity and picking filters add work to every fragment; the view
    fills its canvas and picks on the CPU, so the point visual leaves them out."""
    frag = case("shapes")["frag"]
    assert "gl_FragColor = v_color" in frag and "gl_PointCoord" not in frag  # the small-point shader
    for hook in ("clip()", "apply_alpha", "picking_filter"):
        assert hook not in frag
