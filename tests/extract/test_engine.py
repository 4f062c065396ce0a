"""The extraction engine on a small nn.Sequential: what it writes, and that it never half-writes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seein.core.errors import Cancelled, SeeinError
from seein.extract.engine import run_plan, shard_range
from seein.store import Store, StoreWriter
from seein.testing import assert_same_stores
from seein.testing.extraction import tiny_plan


def forward_outputs(plan, snapshot):
    """Reference: each layer's output of the whole batch, computed directly."""
    net = plan.model
    net.load_state_dict(plan.snapshots[snapshot][1])
    outs = {}
    hooks = [m.register_forward_hook(lambda m, i, o, name=name: outs.__setitem__(name, o.clone()))
             for name, m in net.named_modules() if name]
    with torch.no_grad():
        logits = net(torch.from_numpy(plan.images))
    for h in hooks:
        h.remove()
    return outs, logits.numpy()


def test_store_holds_every_layer_of_every_snapshot(plan, tmp_path):
    out = run_plan(plan, tmp_path / "s.h5", batch_size=16, dtype="float32")
    with Store.open(out) as store:
        assert store.n_images == 50 and [s.step for s in store.snapshots] == [0, 10]
        assert [layer.name for layer in store.layers] == ["0", "1", "2", "4", "5", "6"]
        assert store.layer("0").shape == (4, 10, 10) and store.layer("0").kind == "structured"
        assert store.layer("4").shape == (8,) and store.layer("4").kind == "flat"
        assert store.snapshots[1].metrics == {"acc": pytest.approx(0.1)}
        for k in range(2):
            ref, logits = forward_outputs(plan, k)
            # conv output before the in-place ReLU: the hook must have copied it
            assert (store.read_activations("0", k) < 0).any()
            for name in ("0", "1", "2", "4", "5"):
                fmaps = np.stack([store.feature_maps(name, i, k) for i in (0, 17, 49)])
                np.testing.assert_allclose(fmaps, ref[name][[0, 17, 49]].numpy(), rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(store.logits(k), logits, rtol=1e-4, atol=1e-5)
            assert store.predictions(k).tolist() == logits.argmax(1).tolist()
        np.testing.assert_array_equal(store.curves["loss"], [[0, 1.0], [10, 0.5]])
        assert store.images.shape == (50, 12, 12, 1) and store.dtype == np.float32
        assert store.shard is None and store.source["model"] == "tiny"


def test_float16_is_the_default_and_close_to_float32(plan, tmp_path):
    a = run_plan(plan, tmp_path / "a.h5", batch_size=64)
    b = run_plan(plan, tmp_path / "b.h5", batch_size=7, dtype="float32", threaded_writes=False)
    with Store.open(a) as sa, Store.open(b) as sb:
        assert sa.dtype == np.float16
        for name in ("0", "4"):
            np.testing.assert_allclose(sa.read_activations(name, 0), sb.read_activations(name, 0),
                                       rtol=2e-3, atol=2e-3)


def test_existing_store_and_partial_are_never_clobbered(plan, tmp_path):
    out = run_plan(plan, tmp_path / "s.h5", batch_size=25)
    before = out.read_bytes()
    with pytest.raises(SeeinError, match="already exists; add --force"):
        run_plan(plan, out)
    assert out.read_bytes() == before
    partial = StoreWriter.partial_path_for(out)
    partial.write_bytes(b"work in progress")
    with pytest.raises(SeeinError, match="--resume to continue it or --force"):
        run_plan(plan, out)
    assert partial.read_bytes() == b"work in progress"
    run_plan(plan, out, force=True)
    assert not partial.exists() and Store.open(out).n_images == 50


def test_cancel_keeps_a_partial_that_resumes_to_the_same_store(tmp_path):
    clean = run_plan(tiny_plan(), tmp_path / "clean.h5", batch_size=8)
    calls = []

    def cancel_midway(done, total, message):
        calls.append(done)
        return done >= 64  # snapshot 1 is half done

    out = tmp_path / "r.h5"
    with pytest.raises(Cancelled):
        run_plan(tiny_plan(), out, batch_size=8, progress=cancel_midway)
    assert not out.exists()
    writer = StoreWriter.resume(out)
    assert writer.images_done(0) == 50 and 0 < writer.images_done(1) < 50
    writer.close()
    seen = []
    run_plan(tiny_plan(), out, batch_size=8, resume=True, progress=lambda d, t, m: seen.append(d))
    assert seen[0] > 50  # it skipped the finished work
    assert_same_stores(clean, out)


def test_resume_with_other_settings_is_refused(tmp_path):
    out = tmp_path / "r.h5"
    with pytest.raises(Cancelled):
        run_plan(tiny_plan(), out, batch_size=8, progress=lambda d, t, m: d > 8)
    other = tiny_plan()
    other.source["model"] = "another"
    with pytest.raises(SeeinError, match="other settings \\(model differ"):
        run_plan(other, out, resume=True)
    with pytest.raises(SeeinError, match="nothing to resume"):
        run_plan(tiny_plan(), tmp_path / "never.h5", resume=True)


def test_shard_ranges_cover_the_images_once():
    assert shard_range(10, None) is None
    ranges = [shard_range(10, f"{i}/3")[2:] for i in range(3)]
    assert ranges == [(0, 3), (3, 6), (6, 10)]
    for bad in ("3/3", "1", "a/b", "-1/2"):
        with pytest.raises(SeeinError, match="--shard takes i/n"):
            shard_range(10, bad)
    with pytest.raises(SeeinError, match="cannot cut 2 images into 3"):
        shard_range(2, "0/3")


def test_a_damaged_partial_is_reported_not_resumed(tmp_path):
    out = tmp_path / "d.h5"
    StoreWriter.partial_path_for(out).write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.raises(SeeinError, match=r"d\.h5\.partial: not a readable HDF5 store.*start again with --force"):
        run_plan(tiny_plan(), out, resume=True)
    run_plan(tiny_plan(), out, force=True)
    assert Store.open(out).n_images == 50


def test_channels_last_is_used_when_it_runs_and_dropped_when_it_does_not(tmp_path):
    from seein.extract.capture import LayerCapture

    plan = tiny_plan(n_snapshots=1)
    sample = torch.from_numpy(plan.images[:2])
    with LayerCapture(plan.model, ["0", "4"]) as capture:
        capture.calibrate(plan.model, sample)
        assert capture.channels_last and plan.model[0].weight.is_contiguous(memory_format=torch.channels_last)
        capture.restore(plan.model)
        assert plan.model[0].weight.is_contiguous()

    class ViewNet(torch.nn.Module):  # .view() needs contiguous memory: fails in channels-last
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 4, 3)
            self.fc = torch.nn.Linear(4 * 10 * 10, 3)

        def forward(self, x):
            y = self.conv(x)
            return self.fc(y.view(y.shape[0], -1))

    net = ViewNet().eval()
    with LayerCapture(net, ["conv"]) as capture:
        capture.calibrate(net, sample)
        assert not capture.channels_last and net.conv.weight.is_contiguous()
    plan.model, plan.snapshots = net, [(plan.snapshots[0][0], None)]
    from seein.extract.engine import probe_layers

    plan.layers, plan.n_outputs = probe_layers(net, ["conv", "fc"], plan.images)
    out = run_plan(plan, tmp_path / "v.h5")
    with torch.no_grad():
        np.testing.assert_allclose(Store.open(out).logits(), net(torch.from_numpy(plan.images)).numpy(),
                                   rtol=1e-4, atol=1e-5)


def test_a_failing_write_keeps_the_work_for_resume(tmp_path, monkeypatch):
    import errno

    import seein.store.direct as store_module  # every row write, direct or buffered, goes through it

    calls = []
    real = store_module.pwrite_all

    def disk_fills_up(fd, data, offset):
        calls.append(offset)
        if len(calls) > 20:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, data, offset)

    monkeypatch.setattr(store_module, "pwrite_all", disk_fills_up)
    out = tmp_path / "full.h5"
    with pytest.raises(SeeinError, match=r"full\.h5\.partial: writing failed \(No space left on device\); .*--resume"):
        run_plan(tiny_plan(), out, batch_size=10)
    monkeypatch.setattr(store_module, "pwrite_all", real)
    run_plan(tiny_plan(), out, batch_size=10, resume=True)
    assert_same_stores(run_plan(tiny_plan(), tmp_path / "clean.h5", batch_size=10), out)
