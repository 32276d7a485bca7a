"""Worker processes that die with their parent, and telling a live process from a dead one.

``tokens`` and ``topics`` run their work in worker processes. When the parent is killed
(``kill -9``, an out-of-memory kill, a closed terminal), nothing tells a worker busy in a
long computation that nobody wants its result; it would go on for minutes and write files
without the lock. :func:`die_with_parent`, called in each worker, stops it within about a
second: on Linux the kernel sends it SIGKILL when its parent dies (``PR_SET_PDEATHSIG``); on
every system a watcher thread exits the worker when the process that started the pool is
gone (a pidfd where Linux has one, else a check of the pid twice a second). The watcher is
needed even on Linux: ``topics`` workers are children of a forkserver, which the dead parent's
workers themselves keep alive.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.5


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists and is not a zombie (a dead process nobody reaped).

    Conservative where the system cannot tell: an unknown state counts as alive, so callers
    that delete a dead process's files never delete a live one's.
    """
    if pid <= 0:
        return False
    if os.name == "nt":
        return _windows_pid_alive(pid)
    if os.name != "posix":
        return True  # no probe: assume alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            # "pid (comm) S ...": the state follows the last ')' (comm may hold spaces or parens)
            state = handle.read().rpartition(b")")[2].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows: ask for its exit code instead.
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # access denied: it exists; anything else: it does not
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def die_with_parent(parent_pid: int) -> None:
    """Make this (worker) process exit as soon as ``parent_pid`` is gone.

    Call it first thing in a worker, e.g. from a process pool's initializer, with the pid of the
    process that created the pool. Safe to call more than once.
    """
    if sys.platform.startswith("linux"):
        _linux_death_signal()  # signals on the death of the direct parent (a forkserver or the pool owner)
    if not pid_alive(parent_pid):  # died before we could watch it
        os._exit(1)
    thread = threading.Thread(target=_watch, args=(parent_pid,), name="feedcare-parent-watch", daemon=True)
    thread.start()


def _linux_death_signal() -> None:
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch(pid: int) -> None:
    pidfd = None
    if hasattr(os, "pidfd_open"):
        with contextlib.suppress(OSError):
            pidfd = os.pidfd_open(pid)
    if pidfd is not None:
        # The pidfd turns readable when the process exits (zombie or reaped alike).
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        while not poller.poll(1000):
            pass
        os._exit(1)
    while pid_alive(pid):
        time.sleep(_POLL_SECONDS)
    os._exit(1)
