"""The base of the project's choice types: an Enum whose members are their string values.

A member compares, hashes, formats and prints as its value (``ViewMode.SPLOM == "splom"``,
``f"{Method.TSNE}" == "tsne"``), so it goes into file names, HDF5 attributes, JSON and
command lines as the word a user types, while code gets a closed, checked set of choices.
"""

from __future__ import annotations

from enum import Enum


class Choice(str, Enum):
    """A closed set of named choices whose values are the words users type and files record."""

    def __str__(self) -> str:
        return str(self.value)
