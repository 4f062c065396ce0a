"""Closing the window cancels the work still running in its threads and waits for it to end."""

import threading
import time

import pytest

pytestmark = [pytest.mark.gui]


def test_closing_the_window_stops_running_tasks(make_window, synthetic_store, qtbot):
    from seein.gui.worker import Task

    w = make_window(synthetic_store)
    started, ended = threading.Event(), threading.Event()

    def work(progress):
        started.set()
        try:
            while not progress(0, 1, "working"):
                time.sleep(0.01)
        finally:
            ended.set()

    task = Task(work, "slow", w)
    task.start()
    assert started.wait(5) and task in Task.running
    w.close()
    assert ended.is_set()  # cancelled and waited for before the window went
    assert not any(t.isRunning() for t in Task.running)
