"""Packaging lives in setup.cfg; this adds the one package find: cannot see.

``seein._glsl`` is the top-level ``glsl/`` folder (the shaders, see setup.cfg's
package_dir); ``packages = find:`` only finds folders under ``seein/``, so without this
the shaders would be missing from wheels and from the editable install's package map.
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["seein", "seein.*"]) + ["seein._glsl"])
