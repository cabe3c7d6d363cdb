"""pyabc's evaluation-parallel sampling on the project's executors, reproducible with the seed.

pyabc's own parallel samplers give each worker a fresh random seed and number the candidates in
the order the workers happen to take them, so two runs differ. Here candidate i of generation t
draws everything it draws (its proposal from the previous population's transition kernel, the
run seed of its simulation, its acceptance) from `SeedSequence([seed, t + 1, i])`; candidates
are numbered before they are handed out, in chunks (`CandidateBatch`) run by
experiments/executors.py (serial, local processes, or Ray with `experiment.ray_address`); and
the generation keeps the first n accepted candidates in candidate order, whatever order the
chunks come back in, and counts the candidates up to the n-th accepted as its evaluations
(pyabc's own samplers also keep the first n by number, to avoid favouring fast simulations). A
generation therefore depends on the seed and the previous generation only, whatever the
executor, the number of workers or their timing.

Each chunk carries pyabc's `simulate_one` of its generation, cloudpickled once per generation
(as pyabc's Dask and Redis samplers ship it), and every chunk unpickles its own fresh copy, so
no worker state leaks from one chunk into another: workers need the installed package only,
no shared files.

`max_total` caps the candidates a generation may try: a generation that cannot accept n within it
is not stored (pyabc stops on a sample that is not ok), so the total never exceeds
`calibrate.max_simulations`.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from cadresim.model.config import ConfigError

from .. import executors
from ..runs import Batch, BatchResult

CHUNK = 2  # candidates per task: small, so few are simulated past the n-th acceptance


def seed_candidate(seed: int, t: int, i: int) -> None:
    """Seed the global generators pyabc draws from for candidate i of generation t."""
    state = np.random.SeedSequence([seed, t + 1, i]).generate_state(4)  # t >= -1
    np.random.seed(state)  # noqa: NPY002 (pyabc draws from the global generator)
    random.seed(int(state[0]))


def ignore_interrupt() -> None:
    """Ctrl+C reaches the whole process group: the main process stops the pool and keeps the
    stored generations; workers die quietly instead of printing a traceback each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class WorkerLost(RuntimeError):
    """A chunk whose worker died on every try (executors._worker_died): the calibration stops,
    keeping its stored generations."""


@dataclass
class CandidateBatch(Batch):
    """Candidates `ids` of generation `t`: the unit an executor ships (no runs of a sweep)."""

    job: bytes = b""  # cloudpickled (simulate_one, sample_factory) of the generation
    seed: int = 0
    t: int = 0
    ids: tuple[int, ...] = ()


@dataclass
class CandidateResult(BatchResult):
    samples: list[tuple[int, Any]] = field(default_factory=list)  # (candidate, pyabc Sample)


def simulate_candidates(batch: CandidateBatch) -> CandidateResult:
    """Run the batch's candidates in this process (any executor's worker)."""
    simulate_one, factory = cloudpickle.loads(batch.job)
    out = []
    for i in batch.ids:
        seed_candidate(batch.seed, batch.t, i)
        sample = factory()
        sample.append(simulate_one())
        out.append((i, sample))
    return CandidateResult(batch.part, None, None, executed=len(out), samples=out)


def _batches(job: bytes, seed: int, t: int, limit: float) -> Iterator[CandidateBatch]:
    for start in itertools.count(0, CHUNK):
        if start >= limit:
            return
        ids = tuple(i for i in range(start, start + CHUNK) if i < limit)
        yield CandidateBatch(f"gen-{t}-{start:07d}", {}, [], job=job, seed=seed, t=t, ids=ids)


def _in_order(results: Iterator[BatchResult], t: int) -> Iterator[tuple[int, Any]]:
    """(candidate, sample) in candidate order from chunk results in completion order."""
    waiting: dict[int, list[tuple[int, Any]]] = {}
    expect = 0
    for result in results:
        if not isinstance(result, CandidateResult):  # executors._worker_died
            raise WorkerLost(
                f"calibrate: a worker died on every try in generation {t} ({result.part}); the "
                "stored generations are kept: rerun the same command to resume"
            )
        waiting[result.samples[0][0]] = result.samples
        while expect in waiting:
            chunk = waiting.pop(expect)
            yield from chunk
            expect = chunk[-1][0] + 1


def pool_workers(executor: str, workers: int, ray_address: str | None) -> int:
    """`experiment.workers` capped to this machine's cores once (with its one warning) where
    the workers are local, so the executor, called once per generation, does not warn again."""
    if executor == "serial" or (executor == "ray" and ray_address):
        return workers
    return executors.capped_workers(workers)


@contextlib.contextmanager
def executor_session(executor: str, workers: int, ray_address: str | None) -> Iterator[None]:
    """Hold the executor's resources for a whole calibration (`workers` from pool_workers):
    Ray starts, or joins the cluster, once, not once per generation and again for the
    predictive runs."""
    if executor == "processes" and __name__ not in executors.FORKSERVER_PRELOAD:
        # each generation is a new pool: its workers then fork with pyabc already imported
        # (once, in the forkserver) instead of importing it each (about a second apiece)
        executors.FORKSERVER_PRELOAD.append(__name__)
    if executor != "ray":
        yield
        return
    try:
        import ray  # noqa: PLC0415
    except ImportError:
        raise ConfigError(
            "experiment.executor = 'ray' needs Ray: pip install 'cadresim[ray]'"
        ) from None
    started = executors.start_ray(ray, workers, ray_address)
    try:
        yield
    finally:
        if started:
            ray.shutdown()


class SeededSampler(Sampler):
    """Evaluation-parallel on `executor` (serial | processes | ray), reproducible."""

    def __init__(
        self,
        seed: int,
        executor: str = "serial",
        workers: int = 0,
        ray_address: str | None = None,
        max_total: float = np.inf,
    ) -> None:
        super().__init__()
        self.seed = int(seed)
        self.executor = executor
        self.workers = workers  # capped by pool_workers
        self.ray_address = ray_address
        self.max_total = max_total  # simulations allowed in all, stored generations or not
        self.spent = 0  # simulations done so far (set from the history on a resume)
        self.on_generation: Callable[[int, int, int], None] | None = None

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        limit = min(max_eval, self.max_total - self.spent)
        job = cloudpickle.dumps((simulate_one, self.sample_factory))
        results = executors.execute(
            _batches(job, self.seed, int(t), limit),
            self.executor,
            self.workers,
            self.ray_address,
            task=simulate_candidates,
        )
        kept = []
        accepted = 0
        last = -1
        try:
            for i, sample in _in_order(results, int(t)):
                kept.append(sample)
                last = i
                accepted += bool(sample.n_accepted)
                if accepted >= n or (all_accepted and i + 1 >= n):
                    break
        finally:
            results.close()  # cancels the chunks still in flight
        self.nr_evaluations_ = last + 1
        self.spent += last + 1
        out = self._create_empty_sample()
        for sample in kept:
            out += sample
        if out.n_accepted < n:
            out.ok = False
        if self.on_generation is not None:
            self.on_generation(int(t), out.n_accepted, self.nr_evaluations_)
        return out
