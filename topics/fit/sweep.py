"""k sweeps: run the planned fits across processes, summarise, recommend a k.

Each fit is an independent single-process model with its own seed, so running fits in
parallel changes nothing in their results: the output is byte-identical whatever ``jobs`` is.
Worker processes come from a ``forkserver`` that has already imported the heavy modules
(gensim alone takes 2-5 s to import, as long as a small fit): workers fork from it ready to
fit, so the import is paid once, not once per worker (``spawn`` where there is no forkserver).
Workers run one BLAS thread each (two workers on two cores must not each start a BLAS thread
pool) and ignore Ctrl-C: the parent stops them; if the parent is killed, they exit within a
second (:func:`~feedcare.corpus.base.processes.die_with_parent`).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.base.processes import die_with_parent
from feedcare.topics.config import parse_k_spec  # noqa: F401  (re-exported: the sweep's k parsing)
from feedcare.topics.fit.fitting import FitJob, finished_fit, run_fit
from feedcare.topics.measures.stability import fit_stability, k_stability, pairwise_stability
from feedcare.topics.runs.runjson import KSummary  # the run.json record of one k

# A k is a candidate for the recommendation when its mean stability is within this of the best.
STABILITY_TOLERANCE = 0.1
MEASURE_NAMES = ("c_npmi", "c_npmi_broad", "c_v", "u_mass", "diversity", "stability", "fit_seconds")
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Imported once in the forkserver and inherited by every worker: what every fit needs (reading
# tokens, coherence measures); each engine adds its own (``PRELOAD`` in its module).
PRELOAD = ("feedcare.topics.fit.fitting", "gensim.models.coherencemodel", "gensim.corpora")


def plan_fits(ks: Sequence[int], seeds: Sequence[int]) -> list[tuple[int, int]]:
    """(k, seed) pairs in output order: by k, then seed."""
    return [(k, seed) for k in ks for seed in seeds]


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- running ----------------------------------------------------------------------------------

FitsProgress = Callable[[str, float], None]
_worker_queue: Any = None


def run_fits(
    jobs: list[FitJob], n_jobs: int, on_fit: FitsProgress | None = None, runner: Callable | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Run (or re-use) every fit; records in ``jobs`` order and how many were re-used.

    ``runner(todo, on_fit)`` runs the fits elsewhere (Spark tasks, :mod:`.spark_sweep`) and returns
    their records by model; the fits are the same.
    """
    records: dict[str, dict[str, Any]] = {}
    todo = []
    for job in jobs:
        record = finished_fit(job)
        if record is not None:
            records[job.model] = record
            if on_fit:
                on_fit(job.model, 1.0)
        else:
            todo.append(job)
    if runner is not None and todo:
        records.update(runner(todo, on_fit))
    elif n_jobs <= 1 or len(todo) <= 1:
        for job in todo:
            records[job.model] = run_fit(job, on_fit)
    else:
        records.update(_run_parallel(todo, min(n_jobs, len(todo)), on_fit))
    return [records[job.model] for job in jobs], len(jobs) - len(todo)


def worker_context(engines: Sequence[str] = ()) -> Any:
    """A ``forkserver`` context preloading the modules fits need (``spawn`` where unavailable).

    The preload list only counts when the forkserver starts, i.e. at the first parallel run of
    the process; later runs re-use the same ready server.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    from feedcare.topics.engines import preload_modules

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*PRELOAD, *preload_modules(engines)])
    return context


def _run_parallel(todo: list[FitJob], n_jobs: int, on_fit: FitsProgress | None) -> dict[str, Any]:
    with _single_thread_blas():  # before the forkserver starts: it and its workers inherit it
        context = worker_context(sorted({job.engine for job in todo}))
        queue = context.Queue()
        executor = ProcessPoolExecutor(n_jobs, mp_context=context, initializer=_init_worker,
                                       initargs=(queue, os.getpid()))
        try:
            futures = {executor.submit(_worker_fit, job): job.model for job in todo}
            done: dict[str, Any] = {}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                _drain(queue, on_fit)
                for future in finished:
                    done[futures[future]] = future.result()  # re-raises a worker's error here
            _drain(queue, on_fit)
            return done
        except BrokenProcessPool:
            raise UsageError(
                "the worker processes for --jobs stopped unexpectedly; in a Python script, call "
                "fit_topics under `if __name__ == '__main__':`, or use jobs=1"
            ) from None
        finally:
            # Workers ignore Ctrl-C, so stop them here on any early exit.
            for process in list((executor._processes or {}).values()):
                if process.is_alive():
                    process.terminate()
            executor.shutdown(wait=True, cancel_futures=True)


def _drain(queue: Any, on_fit: FitsProgress | None) -> None:
    while True:
        try:
            model, fraction = queue.get_nowait()
        except Exception:  # queue.Empty
            return
        if on_fit:
            on_fit(model, fraction)


def _init_worker(queue: Any, parent: int) -> None:
    global _worker_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    # ... and a killed parent must not leave us fitting (and writing fits) for minutes.
    die_with_parent(parent)
    _worker_queue = queue


def _worker_fit(job: FitJob) -> dict[str, Any]:
    last = [-1]

    def report(model: str, fraction: float) -> None:
        step = int(fraction * 100)
        if step != last[0]:  # at most 101 messages per fit
            last[0] = step
            _worker_queue.put((model, fraction))

    return run_fit(job, report)


@contextlib.contextmanager
def _single_thread_blas() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _THREAD_VARS}
    os.environ.update({name: "1" for name in _THREAD_VARS})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- summarising --------------------------------------------------------------------------


def add_stability(records: list[dict[str, Any]]) -> dict[int, float | None]:
    """Set each record's ``stability`` (vs the other seeds at its k); k → mean pair stability."""
    by_k: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        by_k.setdefault(record["k"], []).append(record)
    result = {}
    for k, group in by_k.items():
        matrix = pairwise_stability([r["top_terms"] for r in group])
        for record, value in zip(group, fit_stability(matrix), strict=True):
            record["stability"] = value
        result[k] = k_stability(matrix)
    return result


def summarise_k(records: list[dict[str, Any]], stability: dict[int, float | None]) -> list[KSummary]:
    summaries = []
    for k in sorted({r["k"] for r in records}):
        group = [r for r in records if r["k"] == k]
        mean: dict[str, float | None] = {}
        sd: dict[str, float | None] = {}
        for name in MEASURE_NAMES:
            values = [r[name] for r in group if r.get(name) is not None]
            mean[name] = float(np.mean(values)) if values else None
            sd[name] = float(np.std(values, ddof=1)) if len(values) > 1 else None
        mean["stability"] = stability.get(k)
        summaries.append(KSummary(k=k, n_fits=len(group), mean=mean, sd=sd))
    return summaries


def recommend(summaries: list[KSummary], records: list[dict[str, Any]]) -> tuple[str, str]:
    """The recommended model and the reason, in words.

    The decisive measure is each fit's mean c_npmi over its *broad* topics: a topic carried by
    one or two documents (``narrow_topics``, :mod:`feedcare.topics.measures.spread`) — a
    transcript in another language, one long digression — can be the most coherent topic of
    every fit and would otherwise decide k. Fits recorded before spread existed use c_npmi.

    k: among the ks whose mean stability is within STABILITY_TOLERANCE of the most stable k
    (all ks with a single seed), the highest mean of the decisive measure; ties (equal to 3
    decimals) go to the smaller k. When a smaller candidate k is within noise of that best k
    (their mean ± sd over seeds overlap), the smallest such k is recommended instead: fewer
    topics that fit as well are easier to read and to defend. Seed: the fit with the highest
    decisive value at that k (ties: the more stable, then the smaller seed). Online variational
    Bayes can land in a poor local optimum for some seeds; on planted topics such fits had both
    the lowest coherence and the lowest stability, so the most coherent seed avoids them.
    """
    stab = [s.mean["stability"] for s in summaries if s.mean["stability"] is not None]
    best_stab = max(stab) if stab else None
    candidates = [
        s
        for s in summaries
        if best_stab is None or (s.mean["stability"] or 0.0) >= best_stab - STABILITY_TOLERANCE
    ]
    stats = {s.k: _decisive(s, [r for r in records if r["k"] == s.k]) for s in summaries}
    top = max(candidates, key=lambda s: (_score(stats[s.k][0]), -s.k))
    within = [s for s in candidates if s.k < top.k and _overlap(stats[s.k], stats[top.k])]
    chosen = min(within, key=lambda s: s.k) if within else top
    group = [r for r in records if r["k"] == chosen.k]
    best = max(group, key=lambda r: (_score(_value(r)), r.get("stability") or 0.0, -r["seed"]))
    broad = any("c_npmi_broad" in r for r in records)
    measure = "mean c_npmi of the broad topics" if broad else "mean c_npmi"
    if len(summaries) == 1:
        why_k = f"k={chosen.k} is the only k fitted"
    else:
        mean, sd = stats[top.k]
        why_k = f"k={top.k} has the highest {measure} ({_fmt(mean)})"
        if best_stab is None:
            why_k += "; one seed per k, so stability was not measured"
        else:
            why_k += (
                f" among the ks whose mean stability is within {STABILITY_TOLERANCE} of the best "
                f"({best_stab:.2f}); ties go to the smaller k"
            )
        if chosen is not top:
            c_mean, c_sd = stats[chosen.k]
            why_k += (
                f"; but k={chosen.k} ({_fmt(c_mean)} ± {_fmt(c_sd)}) is within the noise of k={top.k} "
                f"({_fmt(mean)} ± {_fmt(sd)}: mean ± sd over seeds overlap), so the smaller k is recommended"
            )
    if len(group) > 1:
        why_seed = (
            f"seed {best['seed']} has the highest c_npmi ({_fmt(_value(best))}) of the {len(group)} "
            f"seeds at k={chosen.k} (stability {_fmt(best.get('stability'), 2)})"
        )
    else:
        why_seed = f"seed {best['seed']} is the only seed"
    return best["model"], f"{why_k}; {why_seed}" + _narrow_note(records)


def _value(record: dict[str, Any]) -> float | None:
    """A fit's decisive coherence: over its broad topics when recorded, else all topics."""
    return record["c_npmi_broad"] if "c_npmi_broad" in record else record.get("c_npmi")


def _decisive(summary: KSummary, group: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """(mean, sd) over the seeds at one k of the decisive coherence."""
    if not group or not all("c_npmi_broad" in r for r in group):
        return summary.mean.get("c_npmi"), summary.sd.get("c_npmi")
    values = [r["c_npmi_broad"] for r in group if r["c_npmi_broad"] is not None]
    mean = float(np.mean(values)) if values else None
    sd = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return mean, sd


def _overlap(a: tuple[float | None, float | None], b: tuple[float | None, float | None]) -> bool:
    """Whether mean ± sd intervals overlap (never without an sd: one seed measures no noise)."""
    (mean_a, sd_a), (mean_b, sd_b) = a, b
    if None in (mean_a, sd_a, mean_b, sd_b):
        return False
    return mean_a + sd_a >= mean_b - sd_b and mean_b + sd_b >= mean_a - sd_a


def _narrow_note(records: list[dict[str, Any]]) -> str:
    """Which fits had topics carried by one or two documents, and that they did not decide k."""
    flagged = [r for r in records if r.get("narrow_topics")]
    if not flagged:
        return ""
    examples = []
    for r in flagged[:3]:
        topics = ", ".join(
            f"topic {t} ({n} document{'s' if n != 1 else ''})"
            for t, n in zip(r["narrow_topics"], r.get("narrow_docs", []), strict=False)
        )
        examples.append(f"k={r['k']} seed {r['seed']}: {topics}")
    extra = len(flagged) - 3
    more = f" and {extra} more fit{'s' if extra != 1 else ''}" if extra > 0 else ""
    return (
        f"; {len(flagged)} of {len(records)} fits had topics carried by one or two documents "
        f"({'; '.join(examples)}{more}), left out of the coherence that chose k"
    )


def _score(value: float | None) -> float:
    return round(value, 3) if value is not None else -math.inf


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
