"""Where batches run: in this process, in a local process pool, or on a Ray cluster.

Each executor yields batch results as they finish, with at most a few batches in flight per
worker, so memory stays flat however many runs there are. A run's result depends only on its
spec, never on the executor or the worker count.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from cadresim.model.config import ConfigError

from .runs import Batch, BatchResult, run_batch

IN_FLIGHT_PER_WORKER = 2
BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def capped_workers(workers: int) -> int:
    """`workers` for a pool on this machine: at most its core count (more processes only add
    memory, each holding a model), with a one-line warning when capped; 0 stays 0 (all cores)."""
    cores = cpu_count()
    if workers > cores:
        print(
            f"cadresim: warning: experiment.workers = {workers} is more than the {cores} cores "
            f"of this machine; using {cores}",
            file=sys.stderr,
        )
        return cores
    return workers


def execute(
    batches: Iterable[Batch],
    executor: str = "processes",
    workers: int = 0,
    ray_address: str | None = None,
    task: Callable[[Batch], BatchResult] = run_batch,
) -> Iterator[BatchResult]:
    """Run the batches and yield their results in completion order. `task` runs one batch
    (a module-level function, so worker processes can import it)."""
    if executor == "processes" or (executor == "ray" and not ray_address):
        workers = capped_workers(workers)
    if executor == "serial":
        for batch in batches:
            yield task(batch)
    elif executor == "processes":
        yield from _processes(batches, workers or cpu_count(), task)
    elif executor == "ray":
        yield from _ray(batches, workers, ray_address, task)
    else:
        raise ConfigError(
            f"experiment.executor = {executor!r} is unknown; allowed serial, processes, ray"
        )


def _processes(
    batches: Iterable[Batch], workers: int, task: Callable[[Batch], BatchResult]
) -> Iterator[BatchResult]:
    # forkserver: workers start from a clean server process (no inherited threads or locks),
    # and the preload imports the model once there instead of once per worker.
    # One BLAS thread per worker: the workers already fill the cores (as Ray does by default).
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["cadresim.experiments.runs"])
    limit = workers * IN_FLIGHT_PER_WORKER
    pending: set[Future[BatchResult]] = set()
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        try:
            for batch in batches:
                if len(pending) >= limit:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (f.result() for f in done)
                pending.add(pool.submit(task, batch))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        except BaseException:
            for f in pending:
                f.cancel()
            raise


def _ray(
    batches: Iterable[Batch],
    workers: int,
    address: str | None,
    task: Callable[[Batch], BatchResult],
) -> Iterator[BatchResult]:
    try:
        import ray  # noqa: PLC0415
    except ImportError:
        raise ConfigError(
            "experiment.executor = 'ray' needs Ray: pip install 'cadresim[ray]'"
        ) from None
    started_here = not ray.is_initialized()
    if started_here:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(
                num_cpus=workers or cpu_count(),
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
    remote = ray.remote(task)
    limit = max(1, int(ray.cluster_resources().get("CPU", 1))) * IN_FLIGHT_PER_WORKER
    pending: list = []
    try:
        for batch in batches:
            if len(pending) >= limit:
                done, pending = ray.wait(pending, num_returns=1)
                yield from ray.get(done)
            pending.append(remote.remote(batch))
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield from ray.get(done)
    finally:
        for ref in pending:
            ray.cancel(ref)
        if started_here:
            ray.shutdown()
