"""What makes extraction as fast as its forward pass: reused point blocks, a store made
beside the first batches, freed memory kept for reuse; and that none of it changes the store."""

from __future__ import annotations

import os
import resource
import threading

import numpy as np
import pytest
import torch
from torch import nn

from seein.core.errors import SeeinError
from seein.extract import batches
from seein.extract import capture as capture_module
from seein.extract import engine as engine_module
from seein.extract.capture import BatchBuffer, as_points
from seein.extract.engine import ExtractionPlan, probe_layers, run_plan
from seein.store import LayerInfo, SnapshotInfo, Store, StoreWriter
from seein.store import direct as direct_module
from seein.store.direct import PAGE, DirectFile, takes_direct_io
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
    staged, points, logits = block.ready()
    assert staged == {}  # nothing staged: all in the block
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
    staged, points, logits = blocks[0].ready()
    assert staged == {}
    np.testing.assert_array_equal(points["conv"], as_points(conv, torch.float16).numpy())
    np.testing.assert_array_equal(points["fc"], fc.half().numpy())
    np.testing.assert_array_equal(logits, np.ones((3, 2)))


def test_points_staged_in_line_with_their_file_offsets_equal_fresh_points():
    """BatchBuffer.stage: each span's points, cast (or copied from the block), at an address
    that shares its file offset's place in a page (what direct I/O needs)."""
    torch.manual_seed(0)
    layers = [LayerInfo("conv", "structured", (3, 4, 6), "Conv2d", 0), LayerInfo("fc", "flat", (7,), "Linear", 1),
              LayerInfo("cube", "flat", (24,), "Flatten", 2), LayerInfo("h5", "flat", (2,), "Linear", 3)]
    block = BatchBuffer(layers, capacity=8, dtype=torch.float16, n_outputs=2, device=torch.device("cpu"))
    outputs = {"conv": torch.randn(5, 3, 4, 6).contiguous(memory_format=torch.channels_last),
               "fc": torch.randn(5, 7), "cube": torch.randn(5, 2, 12), "h5": torch.randn(5, 2)}
    targets = block.targets(5)
    targets["fc"].copy_(as_points(outputs["fc"], torch.float16))  # cast in its hook
    block.hold({**outputs, "fc": targets["fc"]}, torch.zeros(5, 2))
    # conv: 24 points an image, split over two extents at odd offsets; fc whole; h5 written by HDF5
    spans = {"conv": [(0, 48, 8195), (48, 72, 100_003)], "fc": [(0, 5, 4096 * 3)], "cube": [(0, 5, 77)],
             "h5": None}
    block.stage(spans)
    staged, points, _ = block.ready()
    assert set(staged) == {"conv", "fc", "cube"} and set(points) == {"h5"}
    for name, found in spans.items():
        want = as_points(outputs[name], torch.float16).numpy()
        if found is None:
            np.testing.assert_array_equal(points[name], want)
            continue
        for (row, rows, offset), (got_offset, got) in zip(found, staged[name]):
            assert got_offset == offset and got.ctypes.data % PAGE == offset % PAGE
            np.testing.assert_array_equal(got.view(np.float16).reshape(rows, -1), want[row:row + rows])
    assert block.outputs == {}


def _recording_files(monkeypatch) -> list[DirectFile]:
    made = []
    real = DirectFile.__init__

    def recording(self, *args, **kwargs):
        made.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(DirectFile, "__init__", recording)
    return made


def test_a_store_written_by_direct_io_equals_one_written_through_the_page_cache(tmp_path, monkeypatch):
    plan, can_direct = tiny_plan(), takes_direct_io(tmp_path)
    files = _recording_files(monkeypatch)
    monkeypatch.setattr(direct_module, "DIRECT_MIN", 0)  # the tiny plan's spans are a few KB
    direct = run_plan(plan, tmp_path / "d.h5", batch_size=8)
    if can_direct:  # (a file system that refuses it falls back: the same store)
        assert files[-1].direct_bytes > 0
    cached = run_plan(tiny_plan(), tmp_path / "c.h5", batch_size=8, direct_io=False)
    assert files[-1].direct_bytes == 0 and files[-1].buffered_bytes > 0
    inline = run_plan(tiny_plan(), tmp_path / "i.h5", batch_size=8, threaded_writes=False)
    monkeypatch.setenv("SEEIN_DIRECT_IO", "0")
    by_env = run_plan(tiny_plan(), tmp_path / "e.h5", batch_size=8)
    assert files[-1].direct_bytes == 0
    for other in (cached, inline, by_env):
        assert_same_stores(direct, other)


def test_without_direct_io_few_cores_write_in_line_with_every_torch_thread(tmp_path, monkeypatch):
    """Buffered writes on 2 cores: no writer thread, the forward pass keeps both threads (direct
    I/O: a writer thread beside them); on more cores the writer thread gets one of them."""
    threads, can_direct = torch.get_num_threads(), takes_direct_io(tmp_path)

    def run(name, cores):
        seen = []

        def progress(done, total, message):
            if message == "done":  # (the writer thread has ended by then)
                return
            writer = any(t.name == "seein-store-writer" for t in threading.enumerate())
            seen.append((torch.get_num_threads(), writer))

        torch.set_num_threads(cores)
        run_plan(tiny_plan(), tmp_path / f"{name}.h5", batch_size=4, progress=progress)
        assert torch.get_num_threads() == cores  # given back afterwards
        return set(seen)

    try:
        if can_direct:
            assert run("direct", 2) == {(2, True)}
        monkeypatch.delattr(os, "O_DIRECT", raising=False)  # as on a system without it
        assert run("buffered", 2) == {(2, False)}
        assert run("buffered4", 4) == {(3, True)}
    finally:
        torch.set_num_threads(threads)


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


def test_a_store_made_first_is_removed_when_the_run_cannot_start(tmp_path, monkeypatch):
    """On the CPU the store exists before the hooks do: a failure in between leaves no partial file."""
    def refuse(*args, **kwargs):
        raise SeeinError("no hooks here (test)")

    monkeypatch.setattr(engine_module, "LayerCapture", refuse)
    with pytest.raises(SeeinError, match="no hooks here"):
        run_plan(tiny_plan(), tmp_path / "s.h5", batch_size=8)
    assert not list(tmp_path.iterdir())
    monkeypatch.undo()
    assert run_plan(tiny_plan(), tmp_path / "s.h5", batch_size=8).exists()  # no --force or --resume needed


def test_the_models_own_weights_are_stored_even_if_a_later_snapshot_loads_first(tmp_path, monkeypatch):
    """The store is made on the writer thread (as on CUDA); snapshot 1 loads its weights into the
    model meanwhile: snapshot 0 (the model's own weights) must still be stored as they were."""
    monkeypatch.setattr(engine_module, "_create_beside_forward", lambda device: True)
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
