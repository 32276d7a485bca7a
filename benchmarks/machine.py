"""What machine a benchmark ran on, for the report header."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def package_versions(
    names: tuple[str, ...] = ("feedcare", "gensim", "nltk", "pyarrow", "numpy", "tomotopy"),
) -> dict:
    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def describe() -> dict:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_gib": round(memory_gib(), 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
    }


def markdown(info: dict) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    return (
        f"- Report written: {info['date']} (each section below says when it was measured)\n"
        f"- Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB RAM,"
        f" {info['platform']}\n"
        f"- Python {info['python']}; {packages}\n"
    )


def settle(max_seconds: float = 180.0, below: float | None = None) -> dict:
    """Wait until the 1-minute load average drops below ``below`` (default: half the cores).

    Parallel speed-ups and wall times are only meaningful on an otherwise idle machine; the
    previous suite's own processes take a minute or two to fade from the load average.
    Returns the load average at the start and end and the seconds waited.
    """
    import time

    limit = below if below is not None else max(0.5, (os.cpu_count() or 1) / 2)
    start, waited = os.getloadavg()[0], 0.0
    while os.getloadavg()[0] >= limit and waited < max_seconds:
        time.sleep(5)
        waited += 5
    return {"load_start": start, "load_end": os.getloadavg()[0], "waited_seconds": waited, "limit": limit}


def stamp(info: dict, elapsed: float, settled: dict, load_after: float) -> str:
    """One line saying when, where and under what load a suite ran."""
    load = f"1-minute load average {settled['load_end']:.1f} at the start"
    if settled["waited_seconds"]:
        load += (f" (after waiting {settled['waited_seconds']:.0f} s for it to fall from "
                 f"{settled['load_start']:.1f})")
    return (f"_Measured {info['date']} on {info['cores']} cores ({info['cpu']}), Python {info['python']}; "
            f"{load}, {load_after:.1f} at the end; suite wall time {elapsed:.0f} s._\n")
