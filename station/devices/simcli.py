"""``station sim …``: the device simulators."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = sub.add_parser("sim", help="run a device simulator")
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
    disp.set_defaults(handler=_run_dispensers)

    # the card reader and printer simulators live in their own module (other owners)
    try:
        from station.devices import simcli_reader
    except Exception as exc:  # pragma: no cover - a broken sibling must not take the dispenser sim down
        print(f"warning: reader/printer simulators unavailable: {exc}", file=sys.stderr)
        return
    simcli_reader.register_reader(sim_sub)
    simcli_reader.register_printer(sim_sub)


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
