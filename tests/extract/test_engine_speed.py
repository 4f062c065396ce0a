"""What makes extraction as fast as its forward pass: reused point blocks, a store made
beside the first batches, freed memory kept for reuse; and that none of it changes the store."""

from __future__ import annotations

import resource
import threading

import numpy as np
import pytest
import torch
from torch import nn

from seein.core.errors import SeeinError
from seein.extract import batches
from seein.extract import capture as capture_module
from seein.extract.capture import BatchBuffer, as_points
from seein.extract.engine import ExtractionPlan, probe_layers, run_plan
from seein.store import LayerInfo, SnapshotInfo, Store, StoreWriter
from seein.testing import assert_same_stores
from seein.testing.extraction import tiny_plan


def test_points_cast_into_a_block_equal_fresh_points():
    torch.manual_seed(0)
    conv = torch.randn(5, 3, 4, 6)
    layers = [LayerInfo("conv", "structured", (3, 4, 6), "Conv2d", 0),
              LayerInfo("fc", "flat", (7,), "Linear", 1), LayerInfo("cube", "flat", (24,), "Flatten", 2)]
    block = BatchBuffer(layers, capacity=8, dtype=torch.float16, n_outputs=2, device=torch.device("cpu"))
    outputs = {"conv": conv.contiguous(memory_format=torch.channels_last), "fc": torch.randn(5, 7),
               "cube": torch.randn(5, 2, 3, 4)[:, :, :, :].reshape(5, 2, 12)}
    targets = block.targets(5)  # a batch smaller than the block: the first rows of each layer's part
    assert {k: tuple(v.shape) for k, v in targets.items()} == {"conv": (120, 3), "fc": (5, 7), "cube": (5, 24)}
    targets["fc"].copy_(as_points(outputs["fc"], torch.float16))  # as a hook would: already there
    held = {"conv": outputs["conv"], "fc": targets["fc"], "cube": outputs["cube"]}
    block.hold(held, torch.arange(10.0).reshape(5, 2))
    points, logits = block.ready()
    for name, output in outputs.items():
        np.testing.assert_array_equal(points[name], as_points(output, torch.float16).numpy())
    np.testing.assert_array_equal(logits, np.arange(10.0).reshape(5, 2))
    assert points["conv"].base is not None and block.outputs == {}  # views of the block; outputs let go
    with pytest.raises(SeeinError, match="does not fit its points"):
        as_points(torch.randn(5, 3, 4, 5), torch.float16, out=block.targets(5)["conv"])
    with pytest.raises(SeeinError, match=r"the model gave \(5, 3\) outputs"):
        block.hold(held, torch.zeros(5, 3))


def test_a_separate_device_block_reaches_the_host_in_one_copy():
    """The CUDA path (a device block, copied whole into the host block), on a CPU block here."""
    layers = [LayerInfo("conv", "structured", (3, 2, 2), "Conv2d", 0), LayerInfo("fc", "flat", (4,), "Linear", 1)]
    cpu = torch.device("cpu")
    shared = BatchBuffer.device_block(layers, 4, torch.float16, 2, cpu)
    blocks = [BatchBuffer(layers, 4, torch.float16, 2, cpu, device_block=shared) for _ in range(2)]
    assert all(b.device is shared[0] and b.host is not shared[0] for b in blocks)
    conv, fc = torch.randn(3, 3, 2, 2), torch.randn(3, 4)
    targets = blocks[0].targets(3)
    as_points(fc, torch.float16, out=targets["fc"])  # cast in its hook, on the device
    blocks[0].hold({"conv": conv, "fc": targets["fc"]}, torch.ones(3, 2))  # conv: cast now
    as_points(torch.zeros(3, 4), torch.float16, out=blocks[1].targets(3)["fc"])  # the next batch
    points, logits = blocks[0].ready()
    np.testing.assert_array_equal(points["conv"], as_points(conv, torch.float16).numpy())
    np.testing.assert_array_equal(points["fc"], fc.half().numpy())
    np.testing.assert_array_equal(logits, np.ones((3, 2)))


def _counted(pieces, seen):
    for piece in pieces:
        seen.append(piece[0])
        yield piece


def test_points_cast_in_pieces_equal_fresh_points():
    torch.manual_seed(0)
    stage = torch.empty(50, dtype=torch.float16)  # 2 images of conv a piece, 1 image of cube
    for output in (torch.randn(5, 3, 4, 2).contiguous(memory_format=torch.channels_last),
                   torch.randn(5, 7), torch.randn(5, 2, 30)):
        staged = capture_module.StagedPoints(output, torch.float16, stage)
        want = as_points(output, torch.float16).numpy()
        got = np.zeros(staged.shape, staged.dtype)
        for row, piece in staged.pieces():
            got[row:row + len(piece)] = piece
        assert staged.nbytes == want.nbytes and staged.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.asarray(staged), want)


def test_a_store_written_in_pieces_equals_one_written_from_blocks(tmp_path, monkeypatch):
    written = []
    real_pieces = capture_module.StagedPoints.pieces
    monkeypatch.setattr(batches, "STAGE_BYTES", 256)  # a few images a piece
    monkeypatch.setattr(capture_module.StagedPoints, "pieces", lambda self: _counted(real_pieces(self), written))
    pieces = run_plan(tiny_plan(), tmp_path / "p.h5", batch_size=8)
    assert len(written) > 2 * 7 * 2  # several pieces per layer and batch
    monkeypatch.undo()
    real = batches.BufferPool.take

    def no_stage(self):
        buffer = real(self)
        buffer.stage = None
        return buffer

    monkeypatch.setattr(batches.BufferPool, "take", no_stage)
    assert_same_stores(pieces, run_plan(tiny_plan(), tmp_path / "b.h5", batch_size=8))


def test_blocks_are_reused_batch_after_batch(tmp_path, monkeypatch):
    made = []
    real = BatchBuffer.__init__

    def counting(self, *args, **kwargs):
        made.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(capture_module.BatchBuffer, "__init__", counting)
    threaded = run_plan(tiny_plan(), tmp_path / "t.h5", batch_size=4)  # 13 batches x 2 snapshots
    assert 1 <= len(made) <= 3
    made.clear()
    inline = run_plan(tiny_plan(), tmp_path / "i.h5", batch_size=4, threaded_writes=False)
    assert len(made) == 1
    one_batch = run_plan(tiny_plan(), tmp_path / "b.h5", batch_size=50)
    with Store.open(threaded) as a, Store.open(inline) as b, Store.open(one_batch) as c:
        for k in range(2):  # the same up to the kernels' rounding (other batch sizes, threads)
            for other in (b, c):
                np.testing.assert_allclose(a.logits(k), other.logits(k), rtol=1e-5, atol=1e-5)
                for name in ("0", "2", "4"):
                    np.testing.assert_allclose(a.read_activations(name, k), other.read_activations(name, k),
                                               rtol=2e-3, atol=2e-3)


def test_a_store_that_cannot_be_made_on_the_writer_thread_is_reported(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise SeeinError("cannot write a store here (test)", tmp_path / "s.h5.partial")

    monkeypatch.setattr(StoreWriter, "create", refuse)
    for threaded in (True, False):
        plan = tiny_plan()
        with pytest.raises(SeeinError, match=r"s\.h5\.partial: cannot write a store here \(test\)"):
            run_plan(plan, tmp_path / "s.h5", batch_size=8, threaded_writes=threaded)
        assert not any(m._forward_hooks for m in plan.model.modules())  # the hooks are gone
        assert plan.model[0].weight.is_contiguous()  # and the layout is back
    assert not list(tmp_path.iterdir())


def test_the_models_own_weights_are_stored_even_if_a_later_snapshot_loads_first(tmp_path, monkeypatch):
    """The store is made on the writer thread; snapshot 1 loads its weights into the model
    meanwhile: snapshot 0 (the model's own weights) must still be stored as they were."""
    plan = tiny_plan()
    plan.snapshots[0] = (plan.snapshots[0][0], None)
    own = {k: v.clone() for k, v in plan.model.state_dict().items()}
    second_started = threading.Event()
    real = StoreWriter.create

    def late(*args, **kwargs):
        assert second_started.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(StoreWriter, "create", staticmethod(late))

    def progress(done, total, message):
        if message.startswith("snapshot 2/"):
            second_started.set()

    out = run_plan(plan, tmp_path / "w.h5", batch_size=50, progress=progress)
    with Store.open(out) as store:
        stored = store.snapshot_weights(0)
        for key, value in own.items():
            np.testing.assert_array_equal(stored[key], value.numpy())
        assert not np.array_equal(stored["0.weight"], store.snapshot_weights(1)["0.weight"])


@pytest.mark.skipif(batches.glibc_mallopt() is None, reason="glibc's allocator only")
def test_a_run_reuses_freed_memory_instead_of_faulting_it_in_again(tmp_path):
    """Without keeping freed memory, each run of this plan page-faults 6,000 to 12,000 times."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Flatten(),
                        nn.Linear(16 * 32 * 32, 3)).eval()
    images = np.random.default_rng(0).random((256, 1, 32, 32), dtype=np.float32)
    infos, n_out = probe_layers(net, ["0", "1"], images)
    plan = ExtractionPlan(model=net, snapshots=[(SnapshotInfo(0), None)], images=images,
                          labels=np.zeros(256, np.int64), image_ids=np.arange(256), class_names=["a", "b", "c"],
                          layers=infos, n_outputs=n_out, source={"model": "conv"})
    faults = []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        run_plan(plan, tmp_path / "s.h5", force=True, batch_size=32)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    assert faults[-1] < 1500, faults
