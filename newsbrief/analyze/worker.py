"""The NER worker: a child process that runs the spaCy model for the rest of the program.

The model is the slowest part of a brief (a 5,000-word sample costs about 0.6 s of CPU), and
it needs nothing the summarizer computes. Run in its own process, it uses the second core
while the main process summarizes, and it loads (about a second) while the main process is
still reading and cleaning articles. The main process never loads the model at all.

The worker is a plain ``python -c "... main()"`` subprocess rather than a
multiprocessing pool: it does not re-import the caller's ``__main__``, it is safe to start
from a threaded program (the web server, a progress bar), and it exits on its own when its
parent dies, because its standard input then reaches end of file.

Protocol: the parent writes pickled ``(number, texts, batch_size)`` requests to the child's
standard input; the child answers ``(number, "ok", parsed)`` or ``(number, "error", message)``
on a duplicate of its original standard output (its file descriptor 1 is pointed at standard
error, so that stray prints cannot corrupt the answers). One worker serves every thread of
the process; answers are matched to requests by number.
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import newsbrief
from newsbrief.analyze.nlp import Parsed, load_model, parse_texts

__all__ = ["WorkerFailed", "start", "stop", "submit"]


class WorkerFailed(RuntimeError):
    """The worker could not answer; the caller runs the model itself."""


class _Worker:
    def __init__(self) -> None:
        # The worker imports newsbrief from where this process did (a checkout on sys.path,
        # not necessarily the installed copy).
        root = str(Path(newsbrief.__file__).resolve().parent.parent)
        start = f"import sys; sys.path.insert(0, {root!r}); from {__name__} import main; main()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", start], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.send_lock = threading.Lock()
        self.read_lock = threading.Lock()
        self.next_number = 0
        self.answers: dict[int, tuple[str, Any]] = {}

    def submit(self, texts: Sequence[str], batch_size: int) -> int:
        with self.send_lock:
            number = self.next_number
            self.next_number += 1
            assert self.process.stdin is not None
            pickle.dump((number, list(texts), batch_size), self.process.stdin, protocol=5)
            self.process.stdin.flush()
            return number

    def answer(self, number: int) -> list[Parsed]:
        with self.read_lock:
            while number not in self.answers:
                assert self.process.stdout is not None
                got, status, payload = pickle.load(self.process.stdout)
                self.answers[got] = (status, payload)
            status, payload = self.answers.pop(number)
        if status != "ok":
            raise WorkerFailed(payload)
        return payload

    def stop(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


_lock = threading.Lock()
_worker: _Worker | None = None
_broken = False
#: Texts sent to the worker by this process (:func:`submit`), for reports and tests.
texts_submitted = 0


def start() -> bool:
    """Start the worker now, so that the model loads while the caller reads its input;
    False when no worker can run."""
    with _lock:
        return _current() is not None


def _current() -> _Worker | None:
    """The running worker, started if need be (the caller holds ``_lock``)."""
    global _worker, _broken
    if _broken:
        return None
    if _worker is None or _worker.process.poll() is not None:
        try:
            _worker = _Worker()
        except OSError:
            _broken = True
            return None
    return _worker


def submit(texts: Sequence[str], batch_size: int = 16) -> Callable[[], list[Parsed]] | None:
    """Send ``texts`` to the worker (started on first use); returns the function that waits
    for :func:`newsbrief.analyze.nlp.parse_texts`'s answer, or None when no worker can run.
    The waiting function raises :class:`WorkerFailed` if the worker dies or fails."""
    global _broken, texts_submitted
    with _lock:
        worker = _current()
        if worker is None:
            return None
        try:
            number = worker.submit(texts, batch_size)
        except (OSError, ValueError):
            _broken = True
            return None
        texts_submitted += len(texts)

    def wait() -> list[Parsed]:
        global _broken
        try:
            return worker.answer(number)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError) as exc:
            _broken = True
            raise WorkerFailed(f"the NER worker stopped: {exc}") from exc

    return wait


@atexit.register
def stop() -> None:
    """Stop the worker, if one runs (at exit, or to free its memory); the next request
    starts a new one, even after a failure."""
    global _worker, _broken
    with _lock:
        if _worker is not None:
            _worker.stop()
            _worker = None
        _broken = False


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    try:
        load_model()  # now, so that the model loads while the parent is busy
        error = None
    except Exception as exc:  # noqa: BLE001 - reported with every answer, never lost
        error = f"{type(exc).__name__}: {exc}"
    while True:
        try:
            number, texts, batch_size = pickle.load(requests)
        except EOFError:
            return
        reply: tuple[str, Any] = ("error", error)
        if error is None:
            try:
                reply = ("ok", parse_texts(texts, batch_size))
            except Exception as exc:  # noqa: BLE001 - the parent falls back to its own run
                reply = ("error", f"{type(exc).__name__}: {exc}")
        pickle.dump((number, *reply), answers, protocol=5)
        answers.flush()


def main() -> None:
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # prints from any library go to standard error, never into the answers
    _serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
