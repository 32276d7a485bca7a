from __future__ import annotations

import pytest
from reporting_fixtures import build_project


@pytest.fixture(scope="package")
def project(tmp_path_factory):
    return build_project(tmp_path_factory.mktemp("reporting"))
