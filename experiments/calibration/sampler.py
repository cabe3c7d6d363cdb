"""pyabc's multicore evaluation-parallel sampling, made reproducible with the seed.

pyabc's `MulticoreEvalParallelSampler` gives each worker a fresh random seed and numbers the
candidates in the order the workers happen to take them, so two runs differ. Here candidate i
of generation t draws everything it draws (its proposal from the previous population's
transition kernel, the run seed of its simulation, its acceptance) from
`SeedSequence([seed, t + 1, i])`, candidates are numbered before they are handed out (in chunks, to
a fork pool), and the generation keeps the first n accepted candidates in candidate order and
counts the candidates up to the n-th accepted as its evaluations (pyabc's own sampler also keeps
the first n by number, to avoid favouring fast simulations). A generation therefore depends on
the seed and the previous generation only, whatever the number of workers or their timing.

`max_total` caps the candidates a generation may try: a generation that cannot accept n within it
is not stored (pyabc stops on a sample that is not ok), so the total never exceeds
`calibrate.max_simulations`.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import random
import signal
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from pyabc.sampler import MulticoreEvalParallelSampler

CHUNK = 2  # candidates per task: small, so few are simulated past the n-th acceptance

_JOB: dict[str, Any] = {}  # what the forked workers need; set before the pool forks


def seed_candidate(seed: int, t: int, i: int) -> None:
    """Seed the global generators pyabc draws from for candidate i of generation t."""
    state = np.random.SeedSequence([seed, t + 1, i]).generate_state(4)  # t >= -1
    np.random.seed(state)  # noqa: NPY002 (pyabc draws from the global generator)
    random.seed(int(state[0]))


def ignore_interrupt() -> None:
    """Ctrl+C reaches the whole process group: the main process stops the pool and keeps the
    stored generations; workers die quietly instead of printing a traceback each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _simulate_chunk(ids: list[int]) -> list[tuple[int, Any]]:
    out = []
    for i in ids:
        seed_candidate(_JOB["seed"], _JOB["t"], i)
        sample = _JOB["factory"]()
        sample.append(_JOB["simulate_one"]())
        out.append((i, sample))
    return out


def _chunks(limit: float) -> Iterator[list[int]]:
    for start in itertools.count(0, CHUNK):
        if start >= limit:
            return
        yield [i for i in range(start, start + CHUNK) if i < limit]


class SeededMulticoreSampler(MulticoreEvalParallelSampler):
    """Evaluation-parallel on `n_procs` forked processes (1: in this process), reproducible."""

    def __init__(self, seed: int, n_procs: int = 1, max_total: float = np.inf) -> None:
        super().__init__(n_procs=max(1, n_procs), daemon=True)
        self.seed = int(seed)
        self.max_total = max_total  # simulations allowed in all, stored generations or not
        self.spent = 0  # simulations done so far (set from the history on a resume)
        self.on_generation: Callable[[int, int, int], None] | None = None

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        limit = min(max_eval, self.max_total - self.spent)
        _JOB.update(seed=self.seed, t=int(t), simulate_one=simulate_one)
        _JOB["factory"] = self._create_empty_sample
        accepted: list[tuple[int, Any]] = []
        last = -1
        pool = None
        try:
            if self.n_procs > 1:
                pool = mp.get_context("fork").Pool(self.n_procs, initializer=ignore_interrupt)
                results = pool.imap(_simulate_chunk, _chunks(limit))
            else:
                results = map(_simulate_chunk, _chunks(limit))
            kept = []
            for chunk in results:
                for i, sample in chunk:
                    kept.append(sample)
                    last = i
                    if sample.n_accepted:
                        accepted.append((i, sample))
                    if len(accepted) >= n or (all_accepted and i + 1 >= n):
                        break
                else:
                    continue
                break
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
            _JOB.clear()
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
