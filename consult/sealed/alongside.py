"""Opening envelopes in a second process while this one stores what they held.

Opening an envelope (HPKE, then checking its answers against the questionnaire) takes about as
long as writing its answers to the database, and neither needs the other's processor: a
process forked for the unsealing opens the envelopes, in the shuffled order, while this one
stores the ones before them. Nothing else changes: :func:`opened` gives the same pairs, in
the same order, as :func:`consult.sealed.unseal.opened_in_turn`, and counting, storing and the
audit event stay here.

It is only a way to go faster, never needed to finish:

- it is used only where it can help and forking is safe: on a POSIX system with a second
  processor, in a process with no other thread (a fork copies one thread, and a lock another
  thread held stays held in the copy), for enough envelopes to be worth a process;
- if the process cannot start, stops, sends what it should not, or sends nothing for
  :data:`STALL_SECONDS`, it is stopped and the envelopes it had not answered are opened here,
  in their turn: none is lost, skipped or moved;
- what it sends about a failure is the failure's type, never its message (a message might
  quote what it was reading).

What crosses between the two goes through two pipes, in memory: ciphertexts one way, what was
admitted the other. The private key is in the forked copy of this process's memory, as it is
in this one, and the process ends with the unsealing. This side never waits to write: it
keeps what the pipe cannot take yet and writes it when it can, so the two can never each wait
for the other (the process may wait to write, and this side reads whenever it waits).
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import pickle
import selectors
import signal
import struct
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import suppress
from typing import Any, BinaryIO

from consult.sealed import crypto
from consult.sealed.unseal import Sealed, opened_in_turn

try:
    import fcntl
except ImportError:  # not a POSIX system: no fork either, so nothing here is used
    fcntl = None  # type: ignore[assignment]

#: Fewer envelopes than this are opened here: a process would cost more than it saves.
MINIMUM = 2000
#: A piece sent to the process: at most this many envelopes, or this many ciphertext bytes.
PIECE_ENVELOPES = 64
PIECE_BYTES = 256 * 1024
#: Ciphertext bytes sent and not yet answered, at most (the process never waits for work).
AHEAD_BYTES = 2 * 1024 * 1024
#: Pieces this side opens itself while the process's are not back, at most.
OWN_PIECES = 2
#: Without a word from the process for this long, it is taken to be stuck.
STALL_SECONDS = 30.0
#: Linux lets a pipe hold this much without privileges (``fs.pipe-max-size``).
PIPE_BYTES = 1024 * 1024
#: Read from the process's pipe at a time.
READ_BYTES = 256 * 1024

_HEADER = struct.Struct("!Q")
log = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The opening process cannot go on; the message names no content of an envelope."""


def worthwhile(count: int) -> bool:
    """Whether ``count`` envelopes are better opened with a second process, and one is safe."""
    return (
        count >= MINIMUM
        and "fork" in multiprocessing.get_all_start_methods()
        and _processors() >= 2
        and threading.active_count() == 1
    )


def _processors() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def opened(
    envelopes: Iterable[Sealed], private: bytes, info: bytes, then: Callable[[bytes], Any]
) -> Generator[tuple[Sealed, Any], None, None]:
    """As :func:`consult.sealed.unseal.opened_in_turn`, with a second process: the same pairs
    in the same order. Close the generator when done early: that ends the process.

    The envelopes go to the process a piece at a time. When the oldest piece it has is not
    back yet, this side opens the next piece itself rather than wait (keeping at most
    :data:`OWN_PIECES` of its own until the process's come back): so both processors work
    whichever of the two sides is the slower, and however busy the machine is.
    """
    pieces = _pieces(envelopes)
    try:
        worker = _Worker(private, info, then)
    except Exception as error:  # no process, no harm: the envelopes are opened here
        log.warning("no opening process (%s): opening here", type(error).__name__)
        yield from opened_in_turn(itertools.chain.from_iterable(pieces), private, info, then)
        return
    here = crypto.Opener(private)
    #: In order: each piece with what became of its envelopes (``None``: the process has it
    #: and has not answered), and whether this side opened it.
    queue: deque[tuple[list[Sealed], list[Any] | None, bool]] = deque()
    exhausted = False

    def draw() -> list[Sealed] | None:
        nonlocal exhausted
        piece = None if exhausted else next(pieces, None)
        if piece is None and not exhausted:
            exhausted = True
            worker.send(None)  # there is no more
        return piece

    try:
        while True:
            while worker.ahead < AHEAD_BYTES and (piece := draw()) is not None:
                queue.append((piece, None, False))
                worker.send(piece)
            if not queue:
                break
            piece, values, _own = queue[0]
            while values is None:
                values = worker.receive(len(piece), wait=False)
                if values is not None:
                    break
                mine = sum(own for _p, _v, own in queue)
                if mine < OWN_PIECES and (extra := draw()) is not None:
                    opened_here = [_value(here, _item(s), info, then) for s in extra]
                    queue.append((extra, opened_here, True))
                else:
                    values = worker.receive(len(piece), wait=True)
            queue.popleft()
            yield from zip(piece, values, strict=True)
    except WorkerLost as lost:
        worker.stop(lost=True)
        log.warning("the opening process stopped (%s): opening the rest here", lost)
        for piece, values, _own in queue:
            if values is None:
                values = [_value(here, _item(s), info, then) for s in piece]
            yield from zip(piece, values, strict=True)
        yield from opened_in_turn(itertools.chain.from_iterable(pieces), private, info, then)
    finally:
        worker.stop()
        del here


def _item(sealed: Sealed) -> tuple[str, str, bytes]:
    return sealed.suite, sealed.key_id, sealed.ciphertext


def _pieces(envelopes: Iterable[Sealed]) -> Iterator[list[Sealed]]:
    piece: list[Sealed] = []
    size = 0
    for sealed in envelopes:
        piece.append(sealed)
        size += len(sealed.ciphertext)
        if size >= PIECE_BYTES or len(piece) >= PIECE_ENVELOPES:
            yield piece
            piece, size = [], 0
    if piece:
        yield piece


class _Worker:
    """The forked process, and this side's ends of its two pipes (neither ever blocks)."""

    def __init__(self, private: bytes, info: bytes, then: Callable[[bytes], Any]) -> None:
        self.stopped = self.ended = False
        self.ahead = 0  # ciphertext bytes sent and not answered
        self.sizes: deque[int] = deque()
        self.outgoing: deque[memoryview] = deque()
        self.incoming = bytearray()
        requests, self.requests = os.pipe()
        self.results, results = os.pipe()
        try:
            for end in (requests, results):
                _widen(end)
            self.process = multiprocessing.get_context("fork").Process(
                target=_serve,
                args=(requests, results, (self.requests, self.results), private, info, then),
                name="consult-unseal",
                daemon=True,
            )
            self.process.start()
        except BaseException:
            os.close(self.requests)
            os.close(self.results)
            raise
        finally:
            os.close(requests)
            os.close(results)
        os.set_blocking(self.requests, False)
        os.set_blocking(self.results, False)
        self.selector = selectors.DefaultSelector()

    def send(self, piece: list[Sealed] | None) -> None:
        """A piece to open, or ``None``: there is no more. Written as far as the pipe takes."""
        items = None if piece is None else [_item(s) for s in piece]
        data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        self.outgoing.extend((memoryview(_HEADER.pack(len(data))), memoryview(data)))
        if piece is not None:
            size = sum(len(s.ciphertext) for s in piece)
            self.sizes.append(size)
            self.ahead += size
        self._write()

    def receive(self, count: int, *, wait: bool) -> list[Any] | None:
        """What became of the oldest piece not answered yet, envelope by envelope; ``None``
        if it has not all come yet and ``wait`` is false."""
        while True:
            self._write()
            message = self._read()
            if message is not None:
                break
            if not wait:
                return None
            self._wait()
        self.ahead -= self.sizes.popleft()
        if isinstance(message, str):  # the type of the failure that stopped it
            raise WorkerLost(message)
        if not isinstance(message, list) or len(message) != count:
            raise WorkerLost("an answer of the wrong shape")
        return message

    def _write(self) -> None:
        while self.outgoing:
            view = self.outgoing[0]
            try:
                written = os.write(self.requests, view)
            except BlockingIOError:
                return
            except OSError as error:
                raise WorkerLost(type(error).__name__) from None
            if written < len(view):
                self.outgoing[0] = view[written:]
                return
            self.outgoing.popleft()

    def _read(self) -> Any:
        """The next whole message, or ``None`` if it has not all come yet."""
        while not self.ended:
            try:
                data = os.read(self.results, READ_BYTES)
            except BlockingIOError:
                break
            except OSError as error:
                raise WorkerLost(type(error).__name__) from None
            self.ended = not data  # it has written everything, and ended
            self.incoming += data
        if len(self.incoming) >= _HEADER.size:
            end = _HEADER.size + _HEADER.unpack_from(self.incoming)[0]
            if len(self.incoming) >= end:
                data = bytes(self.incoming[_HEADER.size : end])
                del self.incoming[:end]
                try:
                    # Written by our own fork, through our own pipe: nothing from outside.
                    return pickle.loads(data)  # noqa: S301  # nosec B301
                except Exception:
                    raise WorkerLost("an answer that does not read") from None
        if self.ended:
            raise WorkerLost("it ended")
        return None

    def _wait(self) -> None:
        """Until the process has written, or the pipe to it takes more (if there is more)."""
        events = selectors.EVENT_READ
        self.selector.register(self.results, events)
        if self.outgoing:
            self.selector.register(self.requests, selectors.EVENT_WRITE)
        try:
            if not self.selector.select(STALL_SECONDS):
                raise WorkerLost("no answer")
        finally:
            for end in (self.results, self.requests):
                if end in self.selector.get_map():
                    self.selector.unregister(end)

    def stop(self, *, lost: bool = False) -> None:
        """End the process: its pipes close and it ends, or it is killed (at once if it was
        ``lost``). Again does nothing."""
        if self.stopped:
            return
        self.stopped = True
        self.selector.close()
        os.close(self.requests)
        os.close(self.results)
        if not lost:
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.process.close()


def _widen(end: int) -> None:
    """A pipe that holds more than the usual 64 KiB, where the system allows it (Linux)."""
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setting is not None:
        with suppress(OSError):
            fcntl.fcntl(end, setting, PIPE_BYTES)


def _serve(
    requests: int,
    results: int,
    theirs: tuple[int, int],
    private: bytes,
    info: bytes,
    then: Callable[[bytes], Any],
) -> None:
    """The forked process: open each piece it reads, and write what became of each envelope."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt is the unsealing's to handle
    for fd in theirs:
        os.close(fd)
    reader, writer = os.fdopen(requests, "rb"), os.fdopen(results, "wb")
    try:
        opener = crypto.Opener(private)
        while (piece := _message(reader)) is not None:
            _write_message(writer, [_value(opener, item, info, then) for item in piece])
    except (EOFError, OSError):  # the unsealing ended without us
        pass
    except Exception as error:  # its type only: a message might quote what it read
        with suppress(OSError):
            _write_message(writer, type(error).__name__)
    finally:
        for stream in (reader, writer):
            with suppress(OSError):
                stream.close()


def _message(reader: BinaryIO) -> Any:
    header = reader.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (length,) = _HEADER.unpack(header)
    data = reader.read(length)
    if len(data) < length:
        raise EOFError
    # Written by the unsealing that forked us, through its pipe: nothing from outside.
    return pickle.loads(data)  # noqa: S301  # nosec B301


def _write_message(writer: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    writer.write(_HEADER.pack(len(data)) + data)
    writer.flush()


def _value(
    opener: crypto.Opener, item: tuple[str, str, bytes], info: bytes, then: Callable[[bytes], Any]
) -> Any:
    try:
        return then(opener.open_body(crypto.Envelope(*item), info))
    except crypto.EnvelopeInvalid:
        return None
