"""Dispenser bus codec throughput: frames per second for encode, one-shot decode and the streaming decoder."""

from __future__ import annotations

import time

from station.devices.dispenser_protocol import (
    Command,
    Frame,
    FrameDecoder,
    Preset,
    SaleUnit,
    StopReason,
    Transaction,
    decode_frame,
    encode_frame,
)


def main(n: int = 50_000) -> None:
    txn = Transaction(
        7, 1, SaleUnit.KG, StopReason.PRESET_REACHED, 1, 2, 2222, 450, 9999, 200, 1850, 1, 2223, Preset.amount(10000)
    )
    frame = Frame(1, Command.READ_TRANSACTION | 0x80, 0x11, txn.encode())
    wire = encode_frame(frame)

    t0 = time.perf_counter()
    for _ in range(n):
        encode_frame(frame)
    t1 = time.perf_counter()
    for _ in range(n):
        decode_frame(wire)
    t2 = time.perf_counter()
    decoder = FrameDecoder()
    stream = (b"\x00\xfa" + wire) * 1000
    got = 0
    for _ in range(n // 1000):
        got += len(decoder.feed(stream))
    t3 = time.perf_counter()
    print(f"encode        {n / (t1 - t0):>12,.0f} frames/s  ({len(wire)}-byte transaction reply)")
    print(f"decode_frame  {n / (t2 - t1):>12,.0f} frames/s")
    print(f"FrameDecoder  {got / (t3 - t2):>12,.0f} frames/s  (with 2 garbage bytes before each frame)")


if __name__ == "__main__":
    main()
