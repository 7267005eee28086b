"""``station sim …``: the device simulators (filled in by the devices work)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = sub.add_parser("sim", help="run a device simulator")
    sim_sub = sim.add_subparsers(dest="sim_command", required=True)
    del sim_sub
