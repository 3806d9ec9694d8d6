"""Fixtures of the imfilt test-suite; the references they feed are in references.py."""
from __future__ import annotations

import pytest

from references import photograph

PHOTOGRAPHS = ("camera", "astronaut", "coffee", "chelsea")


def _photograph_fixture(name):
    @pytest.fixture(scope="session", name=name)
    def fixture():
        return photograph(name)
    return fixture


camera, astronaut, coffee, chelsea = (_photograph_fixture(n) for n in PHOTOGRAPHS)


@pytest.fixture(scope="session")
def photos(camera, astronaut, coffee, chelsea):
    return {"camera": camera, "astronaut": astronaut, "coffee": coffee, "chelsea": chelsea}
