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
        f"- Date: {info['date']}\n"
        f"- Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB RAM,"
        f" {info['platform']}\n"
        f"- Python {info['python']}; {packages}\n"
    )
