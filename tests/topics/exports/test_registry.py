"""The exports registry (topics/exports/__init__.py): one table behind --format, suffixes and dispatch."""

from __future__ import annotations

import inspect

import pytest
from feedcare.topics.exports import EXPORTS, ExportSpec, export_for_suffix, get_export, listed_exports


def test_every_row_points_at_a_function_of_its_shape():
    for spec in EXPORTS.values():
        function = spec.load()
        n_params = len(inspect.signature(function).parameters)
        assert n_params == (3 if spec.binary else 1), spec.name


def test_suffixes_choose_listed_exports_case_insensitively():
    assert export_for_suffix(".HTM").name == "html"
    assert export_for_suffix(".html").name == "html"
    assert export_for_suffix(".csv").name == "csv"
    assert export_for_suffix(".txt") is None
    assert export_for_suffix("") is None


def test_the_codebook_is_reached_only_by_its_own_option():
    assert "qdc" in EXPORTS and "qdc" not in [spec.name for spec in listed_exports()]
    assert export_for_suffix(".qdc") is None  # --out codes.qdc needs --codebook, as before


def test_no_suffix_selects_two_exports():
    seen: dict[str, str] = {}
    for spec in listed_exports():
        for suffix in spec.suffixes:
            assert suffix not in seen, f"{suffix} selects {seen[suffix]} and {spec.name}"
            seen[suffix] = spec.name


def test_listed_order_is_registration_order():
    assert [spec.name for spec in listed_exports()] == ["csv", "md", "json", "html", "qdpx"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"suffixes": ("csv",)}, "start with '.'"),
        ({"suffixes": (".CSV",)}, "lower case"),
        ({"suffixes": ()}, "suffixes"),
        ({"binary": True}, "needs_out=True"),
    ],
)
def test_a_malformed_row_is_refused_when_registered(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ExportSpec(**{"name": "x", "module": "m", "function": "f", "suffixes": (".x",), "description": "d",
                      **kwargs})


def test_an_unknown_name_lists_the_registered_ones():
    with pytest.raises(ValueError, match="csv, md, json, html, qdpx, qdc"):
        get_export("xlsx")
