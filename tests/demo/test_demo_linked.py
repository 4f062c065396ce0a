"""``seein demo --linked`` builds the second (siamese LeNet) demo store for the linked view."""

from __future__ import annotations

from seein.cli import main


def test_demo_linked_names_both_stores(demo_store, capsys):
    from seein.demo import demo_store_path

    assert main(["demo", "--linked", "--no-gui"]) == 0
    out = capsys.readouterr().out
    assert f"seein view {demo_store} {demo_store_path('siamese-lenet')}" in out
