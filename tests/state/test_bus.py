"""The event bus with no Qt: subscriptions that disconnect together."""

from seein.state.bus import EventBus, Subscriptions


def test_subscriptions_disconnect():
    bus = EventBus()
    got = []
    subs = Subscriptions()
    subs.connect(bus.snapshot_changed, got.append)
    bus.snapshot_changed.emit(1)
    subs.disconnect()
    bus.snapshot_changed.emit(2)
    assert got == [1]
