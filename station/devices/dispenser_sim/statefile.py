"""The simulator's JSON state file: what a real dispenser keeps across a power cut.

Totalizers, prices, the transaction counters and the transactions and unload records not yet forgotten, plus
the fills running at the time of writing (booked as power failures when the file is read back). Written
atomically; everything in it is an integer.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from station.devices.dispenser_protocol import (
    NozzleState,
    Preset,
    PresetKind,
    Progress,
    SaleUnit,
    StopReason,
    Transaction,
    UnloadRecord,
)
from station.devices.dispenser_sim.state import SimDispenser, SimulatorError, SimUnloadingPost
from station.money import amount_for

STATE_VERSION = 1


def save_state(
    path: Path, dispensers: dict[int, SimDispenser], unloading: SimUnloadingPost | None, cutoff: int
) -> None:
    data: dict[str, Any] = {"version": STATE_VERSION, "dispensers": {}}
    for address, d in dispensers.items():
        active = []
        for z in d.nozzles.values():
            if z.fill is not None and z.fill.flowing:
                f = z.fill
                active.append(
                    {
                        "nozzle": z.number,
                        "preset_kind": int(f.preset.kind),
                        "preset_value": f.preset.value,
                        "unit_price": f.unit_price,
                        "start_time": f.start_time,
                        "pressure_before": f.pressure_before,
                        "pressure_now": z.pressure(cutoff),
                        "quantity": f.quantity,
                        # the moment this quantity was metered: a power failure's end time (§7.9)
                        "saved_at": int(time.time()),
                    }
                )
        data["dispensers"][str(address)] = {
            "counter": d.counter,
            "nozzles": {
                str(n): {"price": z.price, "tq": z.totalizer_quantity, "ta": z.totalizer_amount}
                for n, z in d.nozzles.items()
            },
            "transactions": [_txn_to_json(t) for t in d.transactions.values()],
            "active": active,
        }
    if unloading is not None:
        u = unloading
        data["unloading"] = {
            "address": u.address,
            "counter": u.counter,
            "totalizer": u.totalizer,
            "records": [_record_to_json(r) for r in u.records.values()],
        }
    _atomic_write_json(path, data)


def load_state(path: Path, dispensers: dict[int, SimDispenser], unloading: SimUnloadingPost | None) -> None:
    """Read ``path`` (if it exists) into the devices; devices not on this bus any more are skipped."""
    if not path.exists():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != STATE_VERSION:
        raise SimulatorError(f"state file {path} has an unknown version")
    for key, saved in data.get("dispensers", {}).items():
        d = dispensers.get(int(key))
        if d is None:
            continue
        d.counter = int(saved["counter"])
        for n_key, nz in saved["nozzles"].items():
            z = d.nozzles.get(int(n_key))
            if z is not None:
                z.price, z.totalizer_quantity, z.totalizer_amount = nz["price"], nz["tq"], nz["ta"]
        for t in saved["transactions"]:
            txn = _txn_from_json(t)
            d.transactions[txn.number] = txn
        for a in saved.get("active", []):
            _book_power_failure(d, a, int(path.stat().st_mtime))
    saved_u = data.get("unloading")
    if saved_u is not None and unloading is not None:
        unloading.counter = int(saved_u["counter"])
        unloading.totalizer = int(saved_u["totalizer"])
        for r in saved_u["records"]:
            record = _record_from_json(r)
            unloading.records[record.number] = record


def _book_power_failure(d: SimDispenser, a: dict[str, int], written_at: int) -> None:
    # the simulator died mid-fill: book what was metered, as a real dispenser does after a power cut, ended
    # when that quantity was last stored (files older than v1.1 lack saved_at: the file's own time)
    z = d.nozzles.get(int(a["nozzle"]))
    if z is None:
        return
    d.counter += 1
    qty, price = int(a["quantity"]), int(a["unit_price"])
    amount = amount_for(price, qty)
    txn = Transaction(
        number=d.counter,
        nozzle=z.number,
        unit=d.unit,
        stop_reason=StopReason.POWER_FAIL,
        start_time=int(a["start_time"]),
        end_time=int(a.get("saved_at", written_at)),
        quantity=qty,
        unit_price=price,
        amount=amount,
        pressure_before=int(a["pressure_before"]),
        pressure_after=int(a["pressure_now"]),
        totalizer_before=z.totalizer_quantity,
        totalizer_after=z.totalizer_quantity + qty,
        preset=Preset(PresetKind(int(a["preset_kind"])), int(a["preset_value"])),
    )
    d.transactions[txn.number] = txn
    z.totalizer_quantity += qty
    z.totalizer_amount += amount
    # READ_PROGRESS shows the interrupted fill's figures until the next authorization (§6.2)
    z.last = Progress(z.number, NozzleState.STOPPED, qty, amount, price, 0, 0, txn.preset)


def _txn_to_json(t: Transaction) -> dict[str, int]:
    return {
        "number": t.number,
        "nozzle": t.nozzle,
        "unit": int(t.unit),
        "stop_reason": int(t.stop_reason),
        "start_time": t.start_time,
        "end_time": t.end_time,
        "quantity": t.quantity,
        "unit_price": t.unit_price,
        "amount": t.amount,
        "pressure_before": t.pressure_before,
        "pressure_after": t.pressure_after,
        "totalizer_before": t.totalizer_before,
        "totalizer_after": t.totalizer_after,
        "preset_kind": int(t.preset.kind),
        "preset_value": t.preset.value,
        "acknowledged": int(t.acknowledged),
    }


def _txn_from_json(d: dict[str, int]) -> Transaction:
    return Transaction(
        number=d["number"],
        nozzle=d["nozzle"],
        unit=SaleUnit(d["unit"]),
        stop_reason=StopReason(d["stop_reason"]),
        start_time=d["start_time"],
        end_time=d["end_time"],
        quantity=d["quantity"],
        unit_price=d["unit_price"],
        amount=d["amount"],
        pressure_before=d["pressure_before"],
        pressure_after=d["pressure_after"],
        totalizer_before=d["totalizer_before"],
        totalizer_after=d["totalizer_after"],
        preset=Preset(PresetKind(d["preset_kind"]), d["preset_value"]),
        acknowledged=bool(d["acknowledged"]),
    )


def _record_to_json(r: UnloadRecord) -> dict[str, int]:
    return {
        "number": r.number,
        "unit": int(r.unit),
        "stop_reason": int(r.stop_reason),
        "start_time": r.start_time,
        "end_time": r.end_time,
        "quantity": r.quantity,
        "totalizer_before": r.totalizer_before,
        "totalizer_after": r.totalizer_after,
        "pressure_before": r.pressure_before,
        "pressure_after": r.pressure_after,
        "temperature_before": r.temperature_before,
        "temperature_after": r.temperature_after,
        "acknowledged": int(r.acknowledged),
    }


def _record_from_json(d: dict[str, int]) -> UnloadRecord:
    return UnloadRecord(
        number=d["number"],
        unit=SaleUnit(d["unit"]),
        stop_reason=StopReason(d["stop_reason"]),
        start_time=d["start_time"],
        end_time=d["end_time"],
        quantity=d["quantity"],
        totalizer_before=d["totalizer_before"],
        totalizer_after=d["totalizer_after"],
        pressure_before=d["pressure_before"],
        pressure_after=d["pressure_after"],
        temperature_before=d["temperature_before"],
        temperature_after=d["temperature_after"],
        acknowledged=bool(d["acknowledged"]),
    )


def _atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    """Write to a temp file in the same directory, fsync, rename over: a crash leaves old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
