"""``station sim reader`` and ``station sim printer``: the PN532 and ESC/POS printer simulators on their own.

Both print the port to connect to on their first output line and the control port (reader) or the printer's
host:port (printer) on the second, then run until SIGINT or SIGTERM. Wired into ``station sim`` by
``station.devices.simcli`` calling :func:`register_reader` and :func:`register_printer`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from station.devices.pn532_protocol import parse_uid_hex
from station.devices.pn532_sim import PN532Simulator
from station.devices.printer_sim import PrinterSimulator


def _stop_on_signal() -> asyncio.Event:
    # Installed before the ports are printed: whoever reads them may signal us straight away.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _say(*lines: str) -> None:
    for line in lines:
        print(line)
    sys.stdout.flush()


async def _run_reader(args: argparse.Namespace) -> int:
    sim = PN532Simulator(
        mode="tcp" if args.tcp is not None else "pty",
        port=args.tcp or 0,
        control_port=args.control,
    )
    for uid in args.card or []:
        sim.present(uid)  # the last one given is on the reader
    await sim.start()
    stop = _stop_on_signal()
    try:
        _say(sim.url, str(sim.control_port))
        await stop.wait()
    finally:
        await sim.stop()
    return 0


async def _run_printer(args: argparse.Namespace) -> int:
    sim = PrinterSimulator(port=args.tcp, out_file=args.out)
    await sim.start()
    stop = _stop_on_signal()
    try:
        _say(f"socket://{sim.target}", sim.target)
        await stop.wait()
    finally:
        await sim.stop()
    return 0


def _uid(text: str) -> str:
    try:
        return parse_uid_hex(text).hex().upper()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from exc
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {value}")
    return value


def register_reader(sim_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sim_sub.add_parser(
        "reader",
        help="PN532 card reader simulator (HSU frames on a pty or TCP)",
        description="Line 1: the port to open (/dev/pts/N or socket://127.0.0.1:PORT); line 2: the control "
        "port. Control commands, one per line: present UIDHEX | remove | status | fault checksum|drop|garbage N"
        " | fault clear.",
    )
    link = parser.add_mutually_exclusive_group()
    link.add_argument("--tcp", type=_port, metavar="PORT", default=None, help="listen on TCP (0: any free port)")
    link.add_argument("--pty", action="store_true", help="use a pseudo-terminal (the default)")
    parser.add_argument("--control", type=_port, default=0, metavar="PORT", help="control port (default: free)")
    parser.add_argument("--card", type=_uid, action="append", metavar="UIDHEX", help="card on the reader at start")
    parser.set_defaults(handler=lambda args: asyncio.run(_run_reader(args)))


def register_printer(sim_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sim_sub.add_parser(
        "printer",
        help="ESC/POS network printer simulator",
        description="Line 1: socket://127.0.0.1:PORT; line 2: HOST:PORT for [devices] printer_target.",
    )
    parser.add_argument("--tcp", type=_port, default=0, metavar="PORT", help="listen port (default: free)")
    parser.add_argument("--out", default=None, metavar="FILE", help="append the received bytes to FILE")
    parser.set_defaults(handler=lambda args: asyncio.run(_run_printer(args)))
