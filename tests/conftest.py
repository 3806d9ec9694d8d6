"""Fixtures of the imfilt test-suite; the references they feed are in references.py."""
from __future__ import annotations

import pytest

from references import photograph


@pytest.fixture(scope="session")
def camera():
    return photograph("camera")


@pytest.fixture(scope="session")
def astronaut():
    return photograph("astronaut")


@pytest.fixture(scope="session")
def coffee():
    return photograph("coffee")


@pytest.fixture(scope="session")
def chelsea():
    return photograph("chelsea")


@pytest.fixture(scope="session")
def photos(camera, astronaut, coffee, chelsea):
    return {"camera": camera, "astronaut": astronaut, "coffee": coffee, "chelsea": chelsea}
