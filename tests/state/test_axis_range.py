"""The axes' range over the timeline: same over all snapshots (default) or fit to the one shown."""

import numpy as np

from seein.compute.stats import feature_ranges
from seein.state import AppState, AxisRange


def test_axis_range_same_over_snapshots_or_fit_to_this_one(synthetic_store):
    s = AppState()
    s.open_store(synthetic_store)
    seen = []
    s.bus.axis_range_changed.connect(seen.append)
    s.set_layer("fc")
    s.set_snapshot(0)
    per = [feature_ranges(s.store, "fc", k) for k in range(len(s.store.snapshots))]
    common = np.stack([np.min([p[:, 0] for p in per], 0), np.max([p[:, 1] for p in per], 0)], axis=1)
    assert not np.allclose(per[0], common)  # the synthetic store's snapshots differ
    assert s.axis_range is AxisRange.ALL_SNAPSHOTS
    assert np.allclose(s.layer_arrays()["ranges"], common)
    s.set_axis_range("snapshot")
    assert seen == [AxisRange.SNAPSHOT] and np.allclose(s.layer_arrays()["ranges"], per[0])
    s.set_snapshot(1)
    assert np.allclose(s.layer_arrays()["ranges"], per[1])
    s.set_axis_range(AxisRange.SNAPSHOT)  # unchanged: no event
    assert len(seen) == 1 and AxisRange.SNAPSHOT.label == "fit to this snapshot"
    s.close()
