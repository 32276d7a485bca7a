"""Workers die with their parent; live and dead processes are told apart (issue 14, #4 and #9)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from feedcare.corpus.base.atomic import remove_stale_temps, temp_name
from feedcare.corpus.base.processes import pid_alive

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills processes with POSIX signals")

# A parent that starts a grandchild calling die_with_parent(parent), prints its pid, then sleeps.
PARENT = r"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", '''
import os, sys, time
from feedcare.corpus.base.processes import die_with_parent
die_with_parent(int(sys.argv[1]))
print("ready", flush=True)
time.sleep(120)
''', str(__import__("os").getpid())], stdout=subprocess.PIPE, text=True)
assert child.stdout.readline().strip() == "ready"
print(child.pid, flush=True)
time.sleep(120)
"""


def _wait_dead(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_worker_exits_when_its_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        assert pid_alive(worker)
        parent.kill()
        parent.wait()
        assert _wait_dead(worker, 5), "the worker outlived its killed parent"
    finally:
        parent.kill()
        parent.wait()


def test_pid_alive_tells_running_reaped_and_zombie_processes_apart():
    assert pid_alive(os.getpid())
    reaped = subprocess.Popen([sys.executable, "-c", "pass"])
    reaped.wait()
    assert not pid_alive(reaped.pid)
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while pid_alive(zombie.pid) and time.monotonic() < deadline:  # exited, not yet reaped
        time.sleep(0.05)
    assert not pid_alive(zombie.pid)
    zombie.wait()


def test_remove_stale_temps_keeps_what_a_live_process_writes(tmp_path):
    reaped = subprocess.Popen([sys.executable, "-c", "pass"])
    reaped.wait()
    stale = temp_name(tmp_path / "documents.parquet", reaped.pid)
    stale.write_bytes(b"half")
    stale_dir = temp_name(tmp_path / "k4-s1", reaped.pid)
    (stale_dir / "inner").mkdir(parents=True)
    mine = temp_name(tmp_path / "segments.parquet", os.getpid())
    mine.write_bytes(b"being written")
    other = tmp_path / ".notes.txt"
    other.write_text("not ours")
    assert sorted(p.name for p in remove_stale_temps(tmp_path)) == sorted([stale.name, stale_dir.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name])
