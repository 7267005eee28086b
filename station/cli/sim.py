"""``station sim …``: the device simulators on their own, each in the foreground until SIGINT or SIGTERM.

``station sim dispensers`` (the dispenser bus), ``station sim reader`` (the PN532 card reader),
``station sim printer`` (an ESC/POS network printer), ``station sim invoices`` (the invoicing platform) and
``station sim payments`` (WeChat Pay and Alipay payment codes). Each prints the port to connect to on its first
output line and the control port (dispensers, reader), the printer's host:port (printer), the signing key
file (invoices) or the test keys' folder (payments) on the second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from station.cli import help_line
from station.devices.pn532_protocol import parse_uid_hex
from station.devices.pn532_sim import PN532Simulator
from station.devices.printer_sim import PrinterSimulator


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = sub.add_parser("sim", help=help_line("sim"))
    sim_sub = sim.add_subparsers(dest="sim_command", required=True)

    disp = sim_sub.add_parser(
        "dispensers",
        help="dispenser bus simulator (protocol docs/protocols/dispenser.md)",
        description="Prints the port to connect to on the first line and the control port on the second; "
        "runs until SIGINT or SIGTERM.",
    )
    where = disp.add_mutually_exclusive_group()
    where.add_argument("--tcp", type=int, metavar="PORT", default=None, help="listen on TCP PORT (0: any free)")
    where.add_argument("--pty", action="store_true", help="open a pty and print its /dev/pts/N path")
    disp.add_argument("--control", type=int, metavar="PORT", default=0, help="control channel port (0: free)")
    disp.add_argument("--state", metavar="FILE", default=None, help="JSON state file (totalizers, transactions)")
    disp.add_argument("--dispensers", default="1,2", help="bus addresses of the dispensers, comma separated")
    disp.add_argument("--nozzles", type=int, default=2, help="nozzles per dispenser")
    disp.add_argument("--unloading-post", type=int, metavar="ADDR", default=None, help="add an unloading post")
    disp.add_argument("--unit", choices=("kg", "Nm3"), default="kg", help="sale unit")
    disp.add_argument("--speed", type=float, default=1.0, help="physics speed multiplier")
    disp.add_argument("--flow-rate", type=float, default=12.0, help="full flow, units per minute")
    disp.add_argument("--crc-error-rate", type=float, default=0.0, help="share of replies with a broken CRC")
    disp.add_argument("--drop-rate", type=float, default=0.0, help="share of replies never sent")
    disp.add_argument("--delay-ms", type=int, default=0, help="delay before every reply")
    disp.add_argument("--garbage-rate", type=float, default=0.0, help="share of replies with garbage before")
    disp.add_argument("--leak-rate", type=float, default=0.0, help="share of fills that hit a leak alarm")
    disp.add_argument("--seed", type=int, default=None, help="random seed for fault injection")
    disp.add_argument(
        "--baud",
        type=int,
        default=None,
        help="line rate the replies are paced to (default: dispenser_baud of the configuration, 9600)",
    )
    disp.set_defaults(handler=_run_dispensers)
    register_reader(sim_sub)
    register_printer(sim_sub)
    register_invoices(sim_sub)
    register_payments(sim_sub)
    register_scanner(sim_sub)


def register_scanner(sim_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sim_sub.add_parser(
        "scanner",
        help="serial barcode scanner (扫码枪) simulator: each line typed on stdin is scanned",
        description="Line 1: the port for [devices] code_scanner (/dev/pts/N or socket://127.0.0.1:PORT). Then "
        "each line typed on stdin goes down the line as a scan (ASCII + CR LF).",
    )
    link = parser.add_mutually_exclusive_group()
    link.add_argument("--tcp", type=_port, metavar="PORT", default=None, help="listen on TCP (0: any free port)")
    link.add_argument("--link", metavar="PATH", default=None, help="a stable symlink to the pty")
    parser.set_defaults(
        handler=lambda args: _scanner_main(
            (["--tcp", str(args.tcp)] if args.tcp is not None else []) + (["--link", args.link] if args.link else [])
        )
    )


def _scanner_main(argv: list[str]) -> int:
    from station.devices.code_scanner_sim import main as scanner_main

    return scanner_main(argv)


def _configured_baud() -> int:
    """The station's ``[devices] dispenser_baud``; 9600 (the protocol's default) when there is no readable
    configuration, as on a bench with only the simulator."""
    from station.config import ConfigError, Devices, load_settings

    try:
        return load_settings().devices.dispenser_baud
    except (ConfigError, OSError):
        return Devices().dispenser_baud


def _run_dispensers(args: argparse.Namespace) -> int:
    from station.devices.dispenser_protocol import SaleUnit
    from station.devices.dispenser_sim import DispenserSimulator, SimulatorError

    try:
        addresses = [int(a) for a in args.dispensers.split(",") if a.strip()]
        sim = DispenserSimulator(
            dispensers={a: args.nozzles for a in addresses},
            unloading_post=args.unloading_post,
            transport="pty" if args.pty else "tcp",
            tcp_port=args.tcp or 0,
            control_port=args.control,
            state_path=args.state,
            unit=SaleUnit.NM3 if args.unit == "Nm3" else SaleUnit.KG,
            speed=args.speed,
            flow_rate=args.flow_rate,
            crc_error_rate=args.crc_error_rate,
            drop_rate=args.drop_rate,
            delay_ms=args.delay_ms,
            garbage_rate=args.garbage_rate,
            leak_rate=args.leak_rate,
            seed=args.seed,
            baud=args.baud or _configured_baud(),
        )
    except (SimulatorError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def main() -> None:
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, done.set)
        await sim.start()
        try:
            print(sim.url, flush=True)
            print(sim.control_port, flush=True)
            await done.wait()
        finally:
            await sim.stop()

    asyncio.run(main())
    return 0


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


def register_invoices(sim_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sim_sub.add_parser(
        "invoices",
        help="invoicing platform (数电发票) simulator (protocol docs/protocols/invoicing.md)",
        description="Line 1: the API base for [invoices] provider_url; line 2: the signing key file for "
        "provider_key_file (created when missing). Faults: POST {'fault': 'down'|'slow'|'reject'|'lose_reply'|"
        "'none'} to <url>/control.",
    )
    parser.add_argument("--tcp", type=_port, default=0, metavar="PORT", help="listen port (default: free)")
    parser.add_argument("--key-file", default="invoicing.key", metavar="FILE", help="the signing key (hex)")
    parser.set_defaults(handler=lambda args: asyncio.run(_run_invoices(args)))


async def _run_invoices(args: argparse.Namespace) -> int:
    from pathlib import Path

    from station.invoicing.signing import create_key
    from station.invoicing.simulator import InvoicingSimulator

    key_file = Path(args.key_file).resolve()
    sim = InvoicingSimulator(create_key(key_file), port=args.tcp)
    sim.start()
    stop = _stop_on_signal()
    try:
        _say(sim.url, str(key_file))
        await stop.wait()
    finally:
        await asyncio.to_thread(sim.stop)
    return 0


def register_payments(sim_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sim_sub.add_parser(
        "payments",
        help="payment-code (付款码) simulator: WeChat Pay v3 and Alipay, signatures checked",
        description="Line 1: the base URL (WeChat: <url>, Alipay gateway: <url>/gateway.do); line 2: the folder "
        "of the station's test keys (wechat_merchant.pem, alipay_app.pem; created when missing) and of the "
        "simulated providers' public keys that check its replies (wechat_platform_public.pem, alipay_public.pem). "
        "Faults for the "
        "next pay: POST {'fault': 'user_paying'|'decline'|'timeout'|'lose_reply'|'none', 'seconds': N} to "
        "<url>/control; GET <url>/control lists the orders.",
    )
    parser.add_argument("--tcp", type=_port, default=0, metavar="PORT", help="listen port (default: free)")
    parser.add_argument("--key-dir", default="payment-keys", metavar="DIR", help="the station's test keys")
    parser.set_defaults(handler=lambda args: asyncio.run(_run_payments(args)))


async def _run_payments(args: argparse.Namespace) -> int:
    from pathlib import Path

    from station.payments.signing import create_key, public_pem
    from station.payments.simulator import PaymentSimulator

    keys = Path(args.key_dir).resolve()
    platform = create_key(keys / "sim_platform.pem")  # kept: the station's copy of its public half stays valid
    for name in ("wechat_platform_public.pem", "alipay_public.pem"):
        (keys / name).write_bytes(public_pem(platform))
    sim = PaymentSimulator(
        wechat_key=create_key(keys / "wechat_merchant.pem").public_key(),
        alipay_key=create_key(keys / "alipay_app.pem").public_key(),
        platform_key=platform,
        port=args.tcp,
    )
    sim.start()
    stop = _stop_on_signal()
    try:
        _say(sim.url, str(keys))
        await stop.wait()
    finally:
        await asyncio.to_thread(sim.stop)
    return 0
