"""Where batches run: in this process, in a local process pool, or on a Ray cluster.

Each executor yields batch results as they finish, with at most a few batches in flight per
worker, so memory stays flat however many runs there are. A run's result depends only on its
spec, never on the executor or the worker count.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from cadresim.model.config import ConfigError

from .runs import Batch, BatchResult, run_batch

IN_FLIGHT_PER_WORKER = 2
EXIT_OWNER_GONE = 70  # a pool worker whose main process died
RAY_RETRIES = 3  # Ray's default for tasks, stated: a batch is pure, so a rerun is the same
BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# modules the forkserver imports once for all pool workers (a calibration adds its sampler's)
FORKSERVER_PRELOAD = ["cadresim.experiments.runs"]


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
    """Batches on a local process pool. A worker that dies (killed by a signal, out of memory)
    breaks the pool: every batch it held is then run alone in a fresh one-worker pool, so only
    the batch that kills its worker again fails (its runs recorded as failures), and the rest
    of the batches go on in a new pool."""
    # forkserver: workers start from a clean server process (no inherited threads or locks),
    # and the preload imports the model once there instead of once per worker.
    # One BLAS thread per worker: the workers already fill the cores (as Ray does by default).
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
    source = iter(batches)
    while True:
        suspects: list[Batch] = []
        yield from _pool(source, workers, task, ctx, suspects)
        if not suspects:
            return
        for batch in suspects:
            alone: list[Batch] = []
            yield from _pool(iter([batch]), 1, task, ctx, alone)
            if alone:
                yield _worker_died(batch)


def _pool(
    source: Iterator[Batch],
    workers: int,
    task: Callable[[Batch], BatchResult],
    ctx: Any,
    suspects: list[Batch],
) -> Iterator[BatchResult]:
    """Run batches from `source` until it is empty or the pool breaks; the batches a broken
    pool held go to `suspects`."""
    limit = workers * IN_FLIGHT_PER_WORKER
    pending: dict[Future[BatchResult], Batch] = {}

    def collect() -> Iterator[BatchResult]:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for f in done:
            batch = pending.pop(f)
            try:
                result = f.result()
            except BrokenProcessPool:
                suspects.append(batch)
                continue
            yield result

    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_worker_start, initargs=(os.getpid(),)
    ) as pool:
        try:
            for batch in source:
                try:
                    pending[pool.submit(task, batch)] = batch
                except BrokenProcessPool:
                    suspects.append(batch)
                    break
                while len(pending) >= limit and not suspects:
                    yield from collect()
                if suspects:
                    break
            while pending and not suspects:
                yield from collect()
            for f, batch in list(pending.items()):  # the pool broke: keep what did finish
                del pending[f]
                if f.done() and not f.cancelled() and f.exception() is None:
                    yield f.result()
                else:
                    suspects.append(batch)
        except BaseException as exc:
            for f in pending:
                f.cancel()
            if isinstance(exc, KeyboardInterrupt):  # Ctrl+C: stop now, not after the batches
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
            raise


def _worker_start(owner: int) -> None:
    """Set up a pool worker: Ctrl+C is left to the main process (which stops the workers), so
    the terminal shows one line, not a traceback per worker; and the worker exits as soon as
    the main process `owner` is gone, however it died (SIGKILL, OOM killer). A worker is a
    child of the forkserver, not of the main process, so PR_SET_PDEATHSIG cannot tie it to
    the main; and the forkserver and the resource tracker live as long as any worker holds
    their pipes, so once the workers exit they exit too."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(owner,), name="cadresim-owner", daemon=True).start()


def _exit_with(owner: int) -> None:
    """Block until process `owner` ends, then end this process (no cleanup: its batch is
    unfinished and nobody is left to take the result)."""
    try:
        fd = os.pidfd_open(owner)  # Linux 5.3+: readable once the process has exited
    except ProcessLookupError:
        os._exit(EXIT_OWNER_GONE)
    except (AttributeError, OSError):  # not Linux, or an old kernel: look every second
        while _alive(owner):
            time.sleep(1.0)
        os._exit(EXIT_OWNER_GONE)
    select.select([fd], [], [])
    os._exit(EXIT_OWNER_GONE)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_died(batch: Batch) -> BatchResult:
    """Every run of a batch whose worker process died, as failures (rerun on resume)."""
    error = (
        "WorkerDied: the worker process running this batch died on every try (killed by a "
        "signal, out of memory, or its node lost)"
    )
    failures = [{**spec.describe(), "error": error, "traceback": ""} for spec in batch.runs]
    return BatchResult(batch.part, None, None, failures, executed=len(batch.runs))


def ray_token_auth() -> str | None:
    """The RAY_AUTH_MODE for connecting to a cluster: the user's, if set; else 'token' when a
    token is at hand (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or Ray's default ~/.ray/auth_token).
    Ray 2.52+ starts a head with token authentication when that file exists (2.59+ by default
    for local clusters), and a driver left in the default mode ('disabled') is then refused
    with InvalidAuthToken."""
    if os.environ.get("RAY_AUTH_MODE"):
        return os.environ["RAY_AUTH_MODE"]
    if os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH"):
        return "token"
    if (Path.home() / ".ray" / "auth_token").is_file():
        return "token"
    return None


def _connect(ray: Any, address: str) -> None:
    """ray.init on an existing cluster, with token authentication passed through; a cluster
    that cannot be reached is bad input (one line, exit 2), not a write failure."""
    mode = ray_token_auth()
    if mode and os.environ.get("RAY_AUTH_MODE") != mode:
        os.environ["RAY_AUTH_MODE"] = mode
        try:  # Ray's core caches its config: read the environment again (as Ray does itself)
            from ray._raylet import Config  # noqa: PLC0415

            Config.initialize("")
        except (ImportError, AttributeError):
            pass
    try:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        detail = str(exc.__cause__ or exc).strip().splitlines()
        raise ConfigError(
            f"experiment.ray_address = {address!r}: cannot connect to the Ray cluster "
            f"({detail[-1] if detail else type(exc).__name__}); check the address (ray status "
            "on the head prints it) and, with token authentication, that RAY_AUTH_MODE=token "
            "and the cluster's token (RAY_AUTH_TOKEN or ~/.ray/auth_token) are set here"
        ) from None


def start_ray(ray: Any, workers: int, address: str | None) -> bool:
    """Join the cluster at `address`, or start a private Ray with `workers` CPUs (0: all),
    unless Ray is already initialised here; True if this call did it (the caller shuts it
    down). A caller that executes many times (a calibration, once per generation) calls this
    first, so Ray starts once."""
    if ray.is_initialized():
        return False
    if address:
        _connect(ray, address)
    else:
        ray.init(
            num_cpus=workers or cpu_count(),
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    return True


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
    started_here = start_ray(ray, workers, address)
    # a task whose worker or node dies is run again by Ray (RETRIES times, on any live node);
    # a batch that still fails is recorded as failed runs (rerun on resume), the rest go on
    remote = ray.remote(max_retries=RAY_RETRIES)(task)
    limit = max(1, int(ray.cluster_resources().get("CPU", 1))) * IN_FLIGHT_PER_WORKER
    pending: dict[Any, Batch] = {}

    def collect() -> Iterator[BatchResult]:
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            batch = pending.pop(ref)
            try:
                yield ray.get(ref)
            except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                    ray.exceptions.ObjectLostError, ray.exceptions.OutOfMemoryError):  # fmt: skip
                yield _worker_died(batch)

    try:
        for batch in batches:
            while len(pending) >= limit:
                yield from collect()
            pending[remote.remote(batch)] = batch
        while pending:
            yield from collect()
    finally:
        for ref in pending:
            ray.cancel(ref)
        if started_here:
            ray.shutdown()
