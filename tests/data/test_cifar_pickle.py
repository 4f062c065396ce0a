"""CIFAR-10 python batches and the restricted unpickler: real batches load, hostile ones do not."""

from __future__ import annotations

import io
import os
import pickle
import sys

import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.data import load_dataset, samples
from seein.data.safe_pickle import safe_load


def _expected_pixels(batch_index, per_batch=10):
    labels = (np.arange(per_batch) + batch_index) % 10
    return samples.sample_pixels(labels, 32, 32, 3, batch_index)


def test_splits_labels_and_names(cifar_dir):
    train = load_dataset(f"cifar10:{cifar_dir}", "train")
    test = load_dataset(f"cifar10:{cifar_dir}", "test")
    both = load_dataset(f"cifar10:{cifar_dir}", "all")
    assert (len(train), len(test), len(both)) == (50, 10, 60)
    assert train.images.shape == (50, 3, 32, 32)
    assert train.class_names[:3] == ["airplane", "automobile", "bird"]
    np.testing.assert_array_equal(test.labels, (np.arange(10) + 5) % 10)
    np.testing.assert_array_equal(both.images[50:], test.images)
    # Pixels come back in the right place: (N, 3072) planes -> (N, C, H, W).
    np.testing.assert_allclose(train.images[:10].transpose(0, 2, 3, 1) * 255, _expected_pixels(0), atol=1e-3)
    np.testing.assert_allclose(test.images.transpose(0, 2, 3, 1) * 255, _expected_pixels(5), atol=1e-3)


@pytest.mark.parametrize("protocol", [0, 2, 3, 4, 5])
@pytest.mark.parametrize("bytes_keys", [True, False])
def test_every_pickle_protocol_and_key_type(tmp_path, protocol, bytes_keys):
    folder = samples.write_cifar10_dir(tmp_path / "c", per_batch=4, protocol=protocol,
                                       bytes_keys=bytes_keys)
    ds = load_dataset(f"cifar10:{folder}", "all")
    assert len(ds) == 24 and ds.class_names[-1] == "truck"
    np.testing.assert_allclose(ds.images[:4].transpose(0, 2, 3, 1) * 255, _expected_pixels(0, 4), atol=1e-3)


class _Py2Pickler(pickle._Pickler):
    """Pickles bytes as Python 2 ``str`` (BINSTRING), as the original CIFAR files were written."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + len(obj).to_bytes(4, "little") + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def test_python2_style_batches_with_numpy_core_names(tmp_path):
    """The published files: Python-2 str keys and buffers, numpy.core.multiarray._reconstruct."""
    folder = tmp_path / "py2"
    folder.mkdir()
    pixels = _expected_pixels(0, 6)
    data = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2)).reshape(6, 3072)
    for name, obj in [("test_batch", {b"data": data, b"labels": [0, 1, 2, 3, 4, 5], b"batch_label": b"t"}),
                      ("batches.meta", {b"label_names": [b"a", b"b", b"c", b"d", b"e", b"f"]})]:
        buffer = io.BytesIO()
        _Py2Pickler(buffer, protocol=2).dump(obj)
        raw = buffer.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
        assert b"_codecs" not in raw
        (folder / name).write_bytes(raw)
    ds = load_dataset(f"cifar10:{folder}", "test")
    assert ds.class_names == ["a", "b", "c", "d", "e", "f"]
    np.testing.assert_allclose(ds.images.transpose(0, 2, 3, 1) * 255, pixels, atol=1e-3)


def test_limit_reads_only_the_batches_it_needs(cifar_dir):
    (cifar_dir / "data_batch_3").write_bytes(b"garbage")   # never reached with limit 15
    ds = load_dataset(f"cifar10:{cifar_dir}", "train", limit=15)
    assert len(ds) == 15
    with pytest.raises(SeeinError, match="data_batch_3"):
        load_dataset(f"cifar10:{cifar_dir}", "train")


class _Evil:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class _EvalEvil:
    def __reduce__(self):
        return (eval, ("__import__('pathlib').Path('MARKER').touch()",))


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_malicious_batch_is_refused_and_does_not_run(cifar_dir, tmp_path, protocol):
    marker = tmp_path / "pwned"
    payload = {b"data": _Evil(f"touch {marker}"), b"labels": [0]}
    (cifar_dir / "test_batch").write_bytes(pickle.dumps(payload, protocol=protocol))
    with pytest.raises(SeeinError) as info:
        load_dataset(f"cifar10:{cifar_dir}", "test")
    message = str(info.value)
    assert "test_batch" in message and "refused" in message
    assert f"{os.system.__module__}.system" in message           # posix.system on Linux
    assert not marker.exists()
    assert "\n" not in message


def test_malicious_meta_with_eval_is_refused(cifar_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (cifar_dir / "batches.meta").write_bytes(pickle.dumps({"label_names": _EvalEvil()}))
    with pytest.raises(SeeinError, match=r"batches.meta.*refused to unpickle global builtins.eval"):
        load_dataset(f"cifar10:{cifar_dir}", "test")
    assert not (tmp_path / "MARKER").exists()


def test_hostile_object_inside_an_object_array_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    array = np.empty(1, dtype=object)
    array[0] = _Evil(f"touch {marker}")
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({"data": array}, protocol=2))
    with pytest.raises(SeeinError, match="refused"):
        safe_load(path)
    assert not marker.exists()


@pytest.mark.parametrize("raw,message", [
    (b"c_codecs\nencode\n(Vls\nVrot13\ntR.", "not a valid pickle"),          # codec other than latin1
    (b"csubprocess\ncheck_call\n(Vls\ntR.", "subprocess.check_call"),
    (b"cbuiltins\ngetattr\n.", "builtins.getattr"),
    (b"cnumpy\nload\n.", "numpy.load"),
    (b"(I1\nP0\n.", "persistent id"),
    (b"cnumpy\nndarray\n((I100000000000\nttR.", "not callable"),                 # memory bombs
    (b"cbuiltins\nbytes\n(I100000000000\ntR.", r"bytes\(<size>\) is not allowed"),
    (b"cnumpy.core.multiarray\n_reconstruct\n(cnumpy\nndarray\n(I100000000000\ntVb\ntR.",
     "_reconstruct with shape"),
    (b"cnumpy.core.multiarray\n_reconstruct\n(cnumpy\ndtype\n(I0\ntVb\ntR.", "_reconstruct of"),
    (b"\x80\x02}q\x00", "not a valid pickle"),                                 # truncated
    (b"", "not a valid pickle"),
])
def test_restricted_unpickler_refusals(tmp_path, raw, message):
    path = tmp_path / "p"
    path.write_bytes(raw)
    with pytest.raises(SeeinError, match=message):
        safe_load(path)


def test_subprocess_module_was_never_imported_by_a_refusal(tmp_path):
    sys.modules.pop("smtplib", None)
    path = tmp_path / "p"
    path.write_bytes(b"csmtplib\nSMTP\n.")
    with pytest.raises(SeeinError, match="smtplib.SMTP"):
        safe_load(path)
    assert "smtplib" not in sys.modules                                        # refused before import


@pytest.mark.parametrize("batch,message", [
    ({b"labels": [0]}, "no 'data'"),
    ({b"data": np.zeros((2, 3072), np.uint8)}, "no 'labels'"),
    ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, r"\(N, 3072\)"),
    ({b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]}, "uint8"),
    ({b"data": [1, 2, 3], b"labels": [0]}, "uint8"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "2 images but 1 labels"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 12]}, "out of range"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [b"x", b"y"]}, "expected integers"),
    ([1, 2], "expected a pickled dict"),
])
def test_malformed_batches(cifar_dir, batch, message):
    (cifar_dir / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(SeeinError, match=message) as info:
        load_dataset(f"cifar10:{cifar_dir}", "test")
    assert "test_batch" in str(info.value)


def test_empty_test_batch(cifar_dir):
    (cifar_dir / "test_batch").write_bytes(pickle.dumps({b"data": np.zeros((0, 3072), np.uint8),
                                                         b"labels": []}, protocol=2))
    with pytest.raises(SeeinError, match="empty") as info:
        load_dataset(f"cifar10:{cifar_dir}", "test")
    assert str(cifar_dir) in str(info.value)


def test_missing_files(cifar_dir):
    (cifar_dir / "test_batch").unlink()
    with pytest.raises(SeeinError, match="missing CIFAR-10 file test_batch"):
        load_dataset(f"cifar10:{cifar_dir}", "test")
    for path in cifar_dir.glob("data_batch_*"):
        path.unlink()
    with pytest.raises(SeeinError, match="no training batches"):
        load_dataset(f"cifar10:{cifar_dir}", "train")


def test_missing_meta_and_batches_warn(cifar_dir):
    (cifar_dir / "batches.meta").unlink()
    (cifar_dir / "data_batch_4").unlink()
    with pytest.warns(UserWarning) as record:
        ds = load_dataset(f"cifar10:{cifar_dir}", "train")
    text = " ".join(str(w.message) for w in record)
    assert "data_batch_4" in text and "batches.meta" in text
    assert len(ds) == 40 and ds.class_names[0] == "airplane"
