"""The sidecar machinery: typed keys, versions, upgrades, one-line errors (toy declarations)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import pytest
from feedcare.corpus.base.errors import EXIT_DATA, DataError
from feedcare.corpus.base.sidecar import FLATTEN, FormatVersionError, Record, RecordError, Sidecar


@dataclass(frozen=True)
class Part(Record):
    name: str
    weight: float
    tags: list[str] | None = None


@dataclass(frozen=True)
class Extra(Record):
    note: str
    pair: tuple[str, int] | None


@dataclass(frozen=True)
class Toy(Sidecar):
    FILE: ClassVar[str] = "toy.json"
    FORMAT_VERSION: ClassVar[int] = 2
    REWRITE: ClassVar[str] = "run `toy make` again"
    # version 1 called the parts "items"
    UPGRADES: ClassVar[dict] = {
        1: lambda d: {**{k: v for k, v in d.items() if k != "items"}, "parts": d["items"]},
    }

    count: int
    status: Literal["running", "complete"]
    parts: list[Part]
    by_name: dict[str, int | None]
    anything: Any
    extra: Extra | None = field(default=None, metadata=FLATTEN)
    done: str | None = None

    def problem(self) -> str | None:
        if self.status == "complete" and not self.done:
            return "status is complete but done is missing"
        return None


def toy_data(**changes) -> dict:
    data = {
        "format_version": 2, "count": 3, "status": "running",
        "parts": [{"name": "a", "weight": 1}, {"name": "b", "weight": 0.5, "tags": ["x"]}],
        "by_name": {"a": 1, "b": None}, "anything": {"free": [1, "two"]},
        "note": "flat", "pair": ["p", 1],
    }
    return {**data, **changes}


def write(path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_round_trip_keeps_the_bytes(tmp_path):
    write(tmp_path / "toy.json", toy_data())
    toy = Toy.from_json(tmp_path / "toy.json")
    assert toy.parts[0] == Part("a", 1) and toy.parts[1].tags == ["x"]
    assert toy.extra == Extra("flat", ("p", 1)) and toy.done is None
    assert type(toy.parts[0].weight) is int  # an integer in a float field is kept as written
    before = (tmp_path / "toy.json").read_bytes()
    toy.to_json(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == before


def test_optional_keys_are_left_out_and_a_flattened_record_may_be_absent(tmp_path):
    data = toy_data()
    for key in ("note", "pair"):
        del data[key]
    toy = Toy.from_data(data, "toy.json")
    assert toy.extra is None
    assert set(toy.to_dict()) == {"format_version", "count", "status", "parts", "by_name", "anything"}
    assert "tags" not in toy.to_dict()["parts"][0]


def test_older_version_is_upgraded_by_its_step(tmp_path):
    data = toy_data(format_version=1)
    data["items"] = data.pop("parts")
    toy = Toy.from_data(data, "toy.json")
    assert [p.name for p in toy.parts] == ["a", "b"]
    assert toy.to_dict()["format_version"] == 2


def test_file_without_a_version_is_version_one():
    data = toy_data()
    del data["format_version"]
    data["items"] = data.pop("parts")
    assert Toy.from_data(data, "toy.json").count == 3


@pytest.mark.parametrize(
    ("version", "words"),
    [(3, ["toy.json format version 3 is newer than feedcare", "reads (version 2)", "upgrade feedcare"]),
     (0, ["toy.json format version 0 is older than feedcare", "reads (version 2)", "run `toy make` again"])],
)
def test_other_versions_are_refused_with_both_versions_and_the_fix(tmp_path, version, words):
    write(tmp_path / "toy.json", toy_data(format_version=version))
    with pytest.raises(FormatVersionError) as caught:
        Toy.from_json(tmp_path / "toy.json")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'toy.json'}: ") and "\n" not in message
    assert all(w in message for w in words), message
    assert caught.value.exit_code == EXIT_DATA and caught.value.newer is (version == 3)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"count": "3"}, 'count: expected an integer, got a string "3"'),
        ({"count": True}, "count: expected an integer, got true/false true"),
        ({"status": "paused"}, 'status: expected one of "running", "complete", got a string "paused"'),
        ({"parts": [{"name": "a"}]}, "parts[0].weight: missing"),
        ({"parts": [{"name": "a", "weight": "heavy"}]}, 'parts[0].weight: expected a number, got a string'),
        ({"by_name": {"a": 1.5}}, 'by_name["a"]: expected an integer or null, got a number 1.5'),
        ({"pair": ["p"]}, "pair: expected a list of 2 or null"),
        ({"status": "complete"}, "status is complete but done is missing"),
        ({"format_version": "2"}, 'format_version: expected an integer, got a string "2"'),
    ],
)
def test_a_damaged_key_is_named_in_one_line(tmp_path, changes, expected):
    write(tmp_path / "toy.json", toy_data(**changes))
    with pytest.raises(DataError) as caught:
        Toy.from_json(tmp_path / "toy.json")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'toy.json'}: toy.json is damaged (") and "\n" not in message
    assert expected in message and message.endswith("; run `toy make` again")


def test_missing_and_unparseable_files(tmp_path):
    with pytest.raises(DataError, match="toy.json not found; run `toy make` again"):
        Toy.from_json(tmp_path / "toy.json")
    (tmp_path / "toy.json").write_text("[1, 2]")
    with pytest.raises(DataError, match="toy.json is damaged \\(not a JSON object\\)"):
        Toy.from_json(tmp_path / "toy.json")
    (tmp_path / "toy.json").write_text('{"count": ')
    with pytest.raises(DataError, match="toy.json is damaged \\(Expecting value"):
        Toy.from_json(tmp_path / "toy.json")


def test_unknown_keys_are_ignored():
    assert Toy.from_data(toy_data(later="a key from elsewhere"), "toy.json").count == 3


def test_writing_checks_the_values_first(tmp_path):
    toy = Toy.from_data(toy_data(), "toy.json")
    bad = Toy(**{**toy.__dict__, "count": "three"})
    with pytest.raises(DataError, match="internal error: .* not be a valid toy.json \\(count: expected"):
        bad.to_json(tmp_path / "toy.json")
    assert not (tmp_path / "toy.json").exists()


def test_record_from_dict_raises_record_error():
    with pytest.raises(RecordError) as caught:
        Part.from_dict({"name": 1, "weight": 1})
    assert caught.value.where == "name"
