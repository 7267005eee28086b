"""``station sim invoices`` as a process: the API base on line 1, the key file on line 2 (created owner-only),
faults on its control endpoint, a signed issue through the adapter, SIGTERM ends it."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import urllib.request
from pathlib import Path

import pytest

from station.invoicing.provider import HttpInvoicingProvider, ProviderUnavailable
from station.invoicing.signing import load_key
from tests.invoicing.test_provider import request

RUNNER = """
import argparse, sys
from station.cli.sim import register_invoices
parser = argparse.ArgumentParser()
sub = parser.add_subparsers(dest="sim_command", required=True)
register_invoices(sub)
args = parser.parse_args(sys.argv[1:])
sys.exit(args.handler(args))
"""


def control(url: str, body: dict[str, object] | None = None) -> dict[str, object]:
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url + "/control", data=data), timeout=10) as reply:
        answer: dict[str, object] = json.loads(reply.read())
        return answer


async def test_sim_invoices_process(tmp_path: Path) -> None:
    key_file = tmp_path / "invoicing.key"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUNNER, "invoices", "--key-file", str(key_file), stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    try:
        url = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        assert (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip() == str(key_file)
        assert key_file.stat().st_mode & 0o077 == 0
        provider = HttpInvoicingProvider(url, "station", load_key(key_file), 5.0)
        assert await asyncio.to_thread(control, url, {"fault": "down"}) == {"code": "0"}
        with pytest.raises(ProviderUnavailable, match="503"):
            await provider.issue(request("R-1"))
        await asyncio.to_thread(control, url, {"fault": "none"})
        issued = await provider.issue(request("R-1"))
        listed = await asyncio.to_thread(control, url)
        assert listed == {"invoices": {"R-1": {"invoice_no": issued.invoice_no, "red": ""}}}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
