"""Fault injection (tests/faults/): the tools its tests share.

- :func:`write_interviews`: fictional interview transcripts, enough for each command to take
  seconds (so a kill lands in the middle of real work);
- :class:`Ours`: runs the real ``feedcare`` command in its own session with a tag in its
  environment, so every process it starts (forkserver, workers, resource tracker) can be found
  in /proc afterwards, however it was reparented;
- :func:`leftovers`: the temporary files, staging folders and holder notes of a write.

Every test here is marked ``slow`` (``pytest -m "not slow"`` leaves them out); ``make test``
runs them.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

THEMES = {
    "waiting": "waiting queue hours delay appointment reception triage corridor clock letter booking",
    "nursing": "nurse kind caring listened gentle dignity explained reassured night ward bell",
    "food": "food cold meal tea sandwich menu hungry breakfast dinner tray portion",
    "parking": "parking car park ticket expensive space barrier machine drive bus taxi",
    "medicine": "medication tablets dose pharmacy prescription pain relief side effects doctor",
    "discharge": "discharge home transport paperwork lounge family district follow clinic",
}
FILLERS = "well you know I mean the it was and so really quite very just".split()


def write_interviews(folder: Path, n: int, seed: int, turns: int = 24) -> Path:
    """``n`` fictional interviews (``P001.txt`` ...) mixing two or three themes each."""
    rng = random.Random(seed)
    words = {name: text.split() for name, text in THEMES.items()}
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        themes = rng.sample(sorted(words), 3)
        lines = []
        for _turn in range(turns):
            lines.append(f"Interviewer: Can you tell me about the {rng.choice(words[themes[0]])}?")
            body = []
            for _ in range(rng.randint(2, 4)):
                theme = words[rng.choice(themes)]
                sentence = [rng.choice(theme if rng.random() < 0.6 else FILLERS) for _ in range(12)]
                body.append(" ".join(sentence).capitalize() + ".")
            lines.append(f"P{i:03d}: " + " ".join(body))
        (folder / f"P{i:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


class Ours:
    """Starts feedcare commands tagged so that every process they spawn can be found."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.tag = f"feedcare-fault-{uuid.uuid4().hex}"
        self.env = {**os.environ, "FEEDCARE_FAULT_TAG": self.tag, "NO_COLOR": "1", "COLUMNS": "120"}

    def command(self, *args: object) -> list[str]:
        return [sys.executable, "-m", "feedcare", *map(str, args)]

    def run(self, *args: object, check: bool = True, timeout: float = 300) -> Run:
        started = time.monotonic()
        proc = subprocess.run(self.command(*args), cwd=self.cwd, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        result = Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)
        if check and proc.returncode not in (0, 3):
            command = " ".join(map(str, args))
            raise AssertionError(f"feedcare {command} exited {proc.returncode}:\n{proc.stderr}")
        return result

    def kill_after(self, seconds: float, *args: object) -> int | None:
        """Start the command, kill -9 it after ``seconds``; its exit code if it ended first."""
        proc = subprocess.Popen(self.command(*args), cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            return proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()  # SIGKILL to the main process only: its workers must notice by themselves
            proc.wait()
            return None

    def alive(self) -> list[tuple[int, str]]:
        """(pid, command line) of every live, non-zombie process carrying our tag."""
        from feedcare.corpus.base.processes import pid_alive

        found = []
        needle = f"FEEDCARE_FAULT_TAG={self.tag}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if needle not in (entry / "environ").read_bytes().split(b"\0"):
                    continue
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if pid_alive(int(entry.name)):
                found.append((int(entry.name), cmdline[:160]))
        return found

    def wait_none_alive(self, seconds: float = 10.0) -> list[tuple[int, str]]:
        deadline = time.monotonic() + seconds
        while (survivors := self.alive()) and time.monotonic() < deadline:
            time.sleep(0.1)
        return survivors


_TEMP = re.compile(r"^\..+\.\d+\.tmp$")


def leftovers(directory: Path) -> list[str]:
    """Temporary files and folders, staging folders, holder notes and live reader registrations."""
    found = []
    for path in directory.rglob("*"):
        name = path.name
        if _TEMP.match(name) or name.startswith((".ingest-", ".feedcare.holder")) or (
            path.parent.name == ".feedcare-readers"
        ):
            found.append(str(path.relative_to(directory)))
    return sorted(found)


def snapshot(directory: Path, names: tuple[str, ...]) -> dict[str, bytes | None]:
    return {name: (directory / name).read_bytes() if (directory / name).is_file() else None for name in names}


def manifest_without_times(directory: Path) -> dict:
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("created", None)
    manifest.pop("updated", None)
    for entry in manifest.get("sources", {}).values():
        entry.pop("mtime_ns", None)
    return manifest
