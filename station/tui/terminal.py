"""The terminal under the app: Textual's Linux driver, made to end the app in order when its terminal goes away
(a window closed, an SSH line dropped, a tmux session killed) or when the process is asked to stop (SIGTERM).

Textual 8.2.8's own driver, its terminal hung up under it:

- its input thread finds the terminal readable and reads nothing, over and over, at 100% CPU, and never tells
  the app (upstream: Textualize/textual pull request 6690, open);
- the SIGCONT the kernel sends after the hangup's SIGHUP makes it resume an application mode it never left: a
  second input thread starts beside the first, which nobody stops and which (not a daemon) keeps the process
  alive after the app has ended;
- its writer thread dies on the first write the dead terminal refuses (EIO), and the app then blocks on the
  writer's full queue.

And SIGHUP or SIGTERM, left to their default, end the process where it stands: the core is never stopped, so
the steps of a sequence in flight are not written as a quit writes them. Here both end the app as a quit does
(``App.exit``): the CLI then stops the core and the simulators and closes the station as after any quit.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import signal
import termios
from codecs import getincrementaldecoder
from typing import IO, Any, cast

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver


class StationDriver(LinuxDriver):
    """The Linux driver that ends the app on a hangup (SIGHUP, or the terminal read at its end) or SIGTERM."""

    def __init__(self, app: Any, *, debug: bool = False, mouse: bool = True, size: tuple[int, int] | None = None):
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        # Textual hands this to its writer thread as the terminal's output (sys.__stderr__, a text file).
        self._file = _TerminalOut(cast("IO[str]", self._file))  # type: ignore[assignment]
        self._ending = False

    def start_application_mode(self) -> None:
        # Through the event loop (not signal.signal): the loop wakes for them even while it waits on nothing.
        self._loop.add_signal_handler(signal.SIGHUP, self._end)
        self._loop.add_signal_handler(signal.SIGTERM, self._end)
        super().start_application_mode()  # type: ignore[no-untyped-call]

    def _sigcont_application(self, *_: object) -> None:
        # Only a stop this driver made (Ctrl+Z) is resumed: the SIGCONT of a hangup comes to a running app.
        if self._must_signal_resume:
            super()._sigcont_application()

    def _end(self) -> None:
        """In the event loop: the app ends as a quit ends it, once; output to a hung-up terminal goes nowhere."""
        _let_go_of_hung_up_terminal()
        if not self._ending:
            self._ending = True
            self._app.exit()

    def run_input_thread(self) -> None:
        """Textual's input loop, which stops at the input's end: a terminal read at its end has hung up (in raw
        mode Ctrl+D is a key, not an end), so the app ends; a pipe or /dev/null at its end only stops being read."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        try:
            while not self.exit_event.is_set():
                if selector.select(0.1):
                    try:
                        data = os.read(self.fileno, 4096)
                    except OSError:  # EIO: the terminal's other end is closed
                        data = b""
                    if not data:
                        if self.input_tty:
                            self._loop.call_soon_threadsafe(self._end)
                        return
                    for event in parser.feed(decode(data)):
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            selector.close()
            with contextlib.suppress(EOFError, ParseError):
                for _event in parser.feed(""):
                    pass


class _TerminalOut:
    """The terminal's output for Textual's writer thread: a write the terminal refuses (EIO after a hangup) is
    dropped, so the thread lives on and the app never blocks writing to its queue."""

    def __init__(self, file: IO[str]) -> None:
        self._out = file

    def write(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._out.write(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._out.flush()

    def fileno(self) -> int:
        return self._out.fileno()


def _let_go_of_hung_up_terminal() -> None:
    """Standard output and error, where they are a terminal that hung up, onto /dev/null: what the app and the
    CLI still write (the terminal put back, the closing line) is written, not raised or left to fail at the
    interpreter's exit. A live terminal (``kill -HUP`` by hand, SIGTERM) or a file is left as it is."""
    for fd in (1, 2):
        try:
            termios.tcgetattr(fd)
        except termios.error as exc:
            if exc.args[0] != errno.EIO:  # ENOTTY: a file or a pipe, kept
                continue
        else:
            continue  # a live terminal: put back as after a quit
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
