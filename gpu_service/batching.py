"""Dynamic batching: concurrent requests share model batches.

Callers ``submit`` a job (the frames of one request) and block. One worker
thread gathers queued jobs until the batch holds ``max_batch`` frames or the
oldest job has waited ``max_wait``, runs the batch function once over all of
them and hands each caller its own results. The queue is bounded in frames:
past the bound ``submit`` raises QueueFull at once (the API answers 503 with
Retry-After) instead of letting memory and latency grow without limit.

A job may carry a deadline (the time its caller stops waiting). A job whose
deadline passes while it is queued is dropped, never run: a caller that gave up
(and whose event is delivered again) must not leave GPU work behind it, which
would slow every request after it. ``submit`` then raises DeadlineExceeded.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class QueueFull(Exception):
    pass


class DeadlineExceeded(Exception):
    """The caller's deadline passed before its job ran; nobody waits for the answer."""


@dataclass(eq=False)  # identity: a job is removed from the queue by itself
class Job:
    payload: Any
    size: int
    deadline: float | None = None  # time.monotonic() after which nobody waits for it
    enqueued: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class DynamicBatcher:
    def __init__(
        self,
        run_batch: Callable[[list[Any]], list[Any]],
        max_batch: int,
        max_wait_s: float,
        max_queue: int,
        on_batch=None,
        on_expired=None,
    ):
        self._run_batch = run_batch
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.max_queue = max_queue
        self._on_batch = on_batch or (lambda jobs, frames, seconds: None)
        self._on_expired = on_expired or (lambda jobs: None)
        self._jobs: deque[Job] = deque()
        self._queued = 0
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="batcher", daemon=True)
        self._thread.start()

    @property
    def depth(self) -> int:
        return self._queued

    def submit(self, payload: Any, size: int, deadline: float | None = None) -> Any:
        """Run ``payload`` in a batch; ``deadline`` (time.monotonic()) is when the caller
        stops waiting: the job is dropped if it has not run by then."""
        job = Job(payload, size, deadline)
        with self._cond:
            if self._queued + size > self.max_queue and self._queued > 0:
                raise QueueFull(f"{self._queued} frames queued (limit {self.max_queue})")
            self._jobs.append(job)
            self._queued += size
            self._cond.notify_all()
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not job.done.wait(timeout):
            with self._cond:
                if job in self._jobs:  # still queued: it will never run
                    self._jobs.remove(job)
                    self._queued -= job.size
                    self._on_expired(1)
            # Already running: its batch finishes for the others; this answer is dropped.
            raise DeadlineExceeded("the caller's deadline passed before the batch finished")
        if job.error is not None:
            raise job.error
        return job.result

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def _take(self) -> list[Job]:
        with self._cond:
            while not self._jobs and not self._stopped:
                self._cond.wait()
            if self._stopped:
                return []
            deadline = self._jobs[0].enqueued + self.max_wait_s
            while self._queued < self.max_batch and not self._stopped:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            self._drop_expired()
            jobs, frames = [], 0
            while self._jobs and (not jobs or frames + self._jobs[0].size <= self.max_batch):
                job = self._jobs.popleft()
                jobs.append(job)
                frames += job.size
            self._queued -= frames
            return jobs

    def _drop_expired(self) -> None:
        """Queued jobs whose caller stopped waiting leave without running (lock held)."""
        now = time.monotonic()
        expired = [j for j in self._jobs if j.deadline is not None and j.deadline <= now]
        for job in expired:
            self._jobs.remove(job)
            self._queued -= job.size
            job.error = DeadlineExceeded("the caller's deadline passed while queued")
            job.done.set()
        if expired:
            self._on_expired(len(expired))

    def _loop(self) -> None:
        while not self._stopped:
            jobs = self._take()
            if not jobs:
                continue
            started = time.perf_counter()
            try:
                results = self._run_batch([job.payload for job in jobs])
                for job, result in zip(jobs, results, strict=True):
                    job.result = result
            except BaseException as exc:
                for job in jobs:
                    job.error = exc
            self._on_batch(len(jobs), sum(j.size for j in jobs), time.perf_counter() - started)
            for job in jobs:
                job.done.set()
