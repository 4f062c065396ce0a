"""seein.core.paths: SEEIN_HOME overrides the platform's user cache folder (platformdirs)."""

from __future__ import annotations

import sys

import pytest

from seein.core import paths


def test_seein_home_overrides_and_is_made(tmp_path, monkeypatch):
    home = tmp_path / "a" / "home"
    monkeypatch.setenv("SEEIN_HOME", str(home))
    assert paths.seein_home() == home and home.is_dir()
    assert paths.demo_dir() == home / "demo" and (home / "demo").is_dir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SEEIN_HOME", "~/elsewhere")  # a ~ is the user's home folder
    assert paths.seein_home() == tmp_path / "elsewhere"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME is the Linux convention")
def test_without_seein_home_the_user_cache_folder_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("SEEIN_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert paths.default_home() == tmp_path / "cache" / "seein"
    assert paths.seein_home() == tmp_path / "cache" / "seein" and (tmp_path / "cache" / "seein").is_dir()
    monkeypatch.setenv("SEEIN_HOME", "")  # empty counts as unset
    assert paths.seein_home() == tmp_path / "cache" / "seein"
