"""seein.core.backend: the device decision (incl. the override and its clear error) and array moves."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seein.cli import main
from seein.core.backend import Backend, build_backend, decide, get_backend
from seein.core.errors import SeeinError


@pytest.fixture(autouse=True)
def fresh_backend(monkeypatch):
    """Each test decides afresh; the process's cached decision is restored afterwards."""
    threads = torch.get_num_threads()
    monkeypatch.delenv("SEEIN_DEVICE", raising=False)
    monkeypatch.delenv("SEEIN_THREADS", raising=False)
    get_backend.cache_clear()
    yield
    get_backend.cache_clear()
    torch.set_num_threads(threads)


@pytest.mark.parametrize("requested, cuda, expected", [
    (None, False, "cpu"), (None, True, "cuda"), ("", True, "cuda"), ("cpu", True, "cpu"),
    ("CPU", False, "cpu"), ("cuda", True, "cuda"), (" cuda ", True, "cuda"),
])
def test_decide(requested, cuda, expected):
    name, reason = decide(requested, cuda)
    assert name == expected
    assert reason


def test_cuda_override_without_gpu_is_a_clear_error():
    with pytest.raises(SeeinError, match="SEEIN_DEVICE=cuda but torch sees no CUDA GPU") as info:
        decide("cuda", False)
    assert "\n" not in str(info.value)


def test_unknown_override_is_an_error():
    with pytest.raises(SeeinError, match="not one of: cpu, cuda"):
        decide("tpu", True)


def test_get_backend_env_override_and_monkeypatched_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("SEEIN_DEVICE", "cuda")
    with pytest.raises(SeeinError, match="no CUDA GPU"):
        get_backend()
    monkeypatch.setenv("SEEIN_DEVICE", "cpu")
    get_backend.cache_clear()
    assert get_backend().name == "cpu"
    # with a (pretended) GPU and no override, CUDA is chosen; cupy/cuml only count when importable
    monkeypatch.delenv("SEEIN_DEVICE")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "Pretend GPU")
    b = build_backend(None)
    assert b.name == "cuda" and b.is_cuda and b.device.type == "cuda"
    assert b.gpu_name == "Pretend GPU"
    try:
        import cupy  # noqa: F401
    except Exception:  # noqa: BLE001
        assert b.xp is np and not b.has_cupy


def test_decided_once_and_cached(monkeypatch):
    calls = []
    real = torch.cuda.is_available
    monkeypatch.setattr(torch.cuda, "is_available", lambda: calls.append(1) or real())
    first = get_backend()
    assert get_backend() is first
    assert len(calls) == 1


def test_cpu_backend_arrays_move_without_copies():
    b = get_backend()
    assert b.name == "cpu" and b.xp is np and not b.has_cupy and not b.has_cuml
    t = torch.arange(6, dtype=torch.float32)
    a = b.to_xp(t)
    assert isinstance(a, np.ndarray)
    a[0] = 42  # shares memory: no copy on the CPU
    assert t[0].item() == 42
    back = b.to_torch(a)
    back[1] = 7
    assert a[1] == 7
    x = np.ones((3, 2), np.float64)
    assert b.tensor(x, dtype=torch.float32).dtype == torch.float32
    assert isinstance(Backend.to_numpy(t), np.ndarray)


def test_describe_says_what_is_used():
    text = get_backend().describe()
    assert "device: cpu" in text and "openTSNE" in text and "torch" in text


def test_threads_override(monkeypatch):
    monkeypatch.setenv("SEEIN_THREADS", "1")
    assert get_backend().threads == 1 and torch.get_num_threads() == 1
    monkeypatch.setenv("SEEIN_THREADS", "zero")
    get_backend.cache_clear()
    with pytest.raises(SeeinError, match="SEEIN_THREADS"):
        get_backend()


def test_cli_backend(capsys, monkeypatch):
    assert main(["backend"]) == 0
    out = capsys.readouterr().out
    assert "device: cpu" in out and "CUDA available: no" in out
    assert main(["backend", "--json"]) == 0
    assert '"used": "cpu"' in capsys.readouterr().out
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("SEEIN_DEVICE", "cuda")
    get_backend.cache_clear()
    assert main(["backend"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("seein backend: error:") and "SEEIN_DEVICE=cuda" in err and "\n" not in err
    assert captured.out.startswith("CUDA available: no")  # what there is, before the error



def test_gpu_libraries_are_reported_and_used_only_on_cuda(monkeypatch):
    """CuPy found on a CPU machine is listed but not used; with a (pretended) GPU it becomes xp."""
    import sys
    import types

    fake = types.ModuleType("cupy")
    fake.__version__ = "13.0-stand-in"
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    cpu = build_backend(None)
    assert cpu.installed == {"cupy": True, "cuml": False} and cpu.xp is np and not cpu.has_cupy
    assert "cupy installed (not used on the CPU)" in cpu.describe() and "cuml not installed" in cpu.describe()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "Pretend GPU")
    gpu = build_backend(None)
    assert gpu.has_cupy and gpu.xp is fake and not gpu.has_cuml
    assert "cupy installed (used)" in gpu.describe() and "arrays: cupy" in gpu.describe()
    assert "cupy 13.0-stand-in" in gpu.describe()


def test_dlpack_moves_on_the_cupy_path_share_memory():
    """The CUDA path's torch <-> xp moves go through DLPack (zero-copy); run here with a
    stand-in xp whose arrays are DLPack producers over host memory, as CuPy's are over GPU memory."""
    import types

    class DeviceArray:  # what a CuPy array offers torch: the DLPack protocol, nothing else
        def __init__(self, data):
            self.data = data

        def __dlpack__(self, **kwargs):
            return self.data.__dlpack__(**kwargs)

        def __dlpack_device__(self):
            return self.data.__dlpack_device__()

    xp = types.ModuleType("cupy_stand_in")
    xp.from_dlpack = lambda t: DeviceArray(np.from_dlpack(t))
    b = Backend(name="cuda", device=torch.device("cpu"), xp=xp, has_cupy=True)
    t = torch.arange(5, dtype=torch.float32)
    a = b.to_xp(t)
    assert isinstance(a, DeviceArray)
    a.data[0] = 9  # the same memory: no copy was made
    assert t[0].item() == 9
    back = b.to_torch(a)
    back[1] = 7
    assert a.data[1] == 7 and t[1].item() == 7
    assert torch.equal(b.tensor(a), t)  # any DLPack producer becomes a tensor on the device
