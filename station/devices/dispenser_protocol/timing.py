"""The line's timing (docs/protocols/dispenser.md §5): character times, the reply cache window, and how long a
master waits for a reply, sized per command from the longest reply it can get."""

from __future__ import annotations

from station.devices.dispenser_protocol.codes import Command
from station.devices.dispenser_protocol.framing import CRC_LEN, HEADER_LEN, MAX_UNACKED_LISTED
from station.devices.dispenser_protocol.limits import MAX_NOZZLES

BITS_PER_CHAR = 10  # 8N1: start bit, 8 data bits, stop bit
REPLY_START_MAX = 0.100  # s: a device's first reply byte, at the latest, after the request's last byte
REPLY_START_TYPICAL = 0.050
TURNAROUND_MIN = 0.002  # s a device waits after the request before it drives the line
CACHE_WINDOW = 2.0  # s a cached reply answers a retry, counted from the latest matching request
INTER_BYTE_CHARS = 20  # silence inside a frame, in character times, after which a receiver drops it
INTER_BYTE_MIN = 0.020  # s, the floor of that timeout (USB adapters deliver in 1..16 ms chunks)

_NAK_PAYLOAD = 2
# The longest reply payload of each command (n = the device's nozzle count; NAKs are shorter than all).
_FIXED: dict[int, int] = {
    Command.IDENTIFY: 5,
    Command.SET_PRICES: 0,
    Command.AUTHORIZE: 2,
    Command.STOP: 1,
    Command.READ_PROGRESS: 23,
    Command.READ_UNACKED: 3 + 4 * MAX_UNACKED_LISTED,
    Command.READ_TRANSACTION: 53,
    Command.ACK_TRANSACTION: 4,
    Command.UNLOAD_STATUS: 26,
    Command.UNLOAD_START: 4,
    Command.UNLOAD_STOP: 4,
    Command.READ_UNLOAD_RECORD: 43,
}
_PER_NOZZLE: dict[int, tuple[int, int]] = {  # (fixed part, bytes per nozzle)
    Command.READ_STATUS: (7, 5),
    Command.READ_PRICES: (1, 5),
    Command.READ_TOTALIZERS: (1, 17),
    Command.READ_ALARMS: (1, 2),
}


def char_time(baud: int) -> float:
    return BITS_PER_CHAR / baud


def t35(baud: int) -> float:
    """The inter-frame silence: 3.5 character times (3.65 ms at 9600), fixed 1.75 ms above 19200 baud."""
    return 3.5 * char_time(baud) if baud <= 19200 else 0.00175


def inter_byte_timeout(baud: int) -> float:
    return max(INTER_BYTE_CHARS * char_time(baud), INTER_BYTE_MIN)


def wire_time(frame_bytes: int, baud: int) -> float:
    return frame_bytes * char_time(baud)


def max_reply_payload(command: int, nozzle_count: int = MAX_NOZZLES) -> int:
    if command in _PER_NOZZLE:
        fixed, each = _PER_NOZZLE[command]
        return fixed + each * max(1, min(nozzle_count, MAX_NOZZLES))
    return max(_FIXED.get(command, _NAK_PAYLOAD), _NAK_PAYLOAD)


def reply_deadline(
    command: int, request_bytes: int, baud: int, start_allowance: float, nozzle_count: int = MAX_NOZZLES
) -> float:
    """Seconds from writing a request to the last byte of the longest reply it can get: the request on the
    wire, the reply-start allowance (REPLY_START_MAX plus the link's own latency), the reply on the wire."""
    reply_bytes = HEADER_LEN + max_reply_payload(command, nozzle_count) + CRC_LEN
    return wire_time(request_bytes, baud) + start_allowance + wire_time(reply_bytes, baud)
