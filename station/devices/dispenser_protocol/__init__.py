"""Dispenser bus protocol v1.1: the pure codec (no I/O); this package's namespace is its public face.

The wire format is specified in ``docs/protocols/dispenser.md``; this package is its reference
implementation and the only place that knows byte layouts. Every public name is re-exported here on
purpose, so callers write ``from station.devices import dispenser_protocol as proto`` and ``proto.NozzleState``
without knowing which room a name lives in:

- ``framing``: the frame layout and limits, the errors, CRC-16/MODBUS, the one-frame codec, the streaming decoder
- ``codes``: commands, NAK codes and the enumerations payloads carry (nozzle state, stop reason, alarms, ...)
- ``limits``: the value ranges (nozzles, prices, presets, buffers)
- ``timing``: character times, the reply cache window, reply deadlines sized per command
- ``nak``: the NAK reply
- ``nozzle``: identity, status, alarms, the progress of a fill, the nozzle reference (STOP, READ_PROGRESS)
- ``authorize``: presets and the AUTHORIZE request and reply
- ``transactions``: prices, totalizers, the unacknowledged list, transaction numbers and transactions
- ``unloading``: the unloading post's status and records
- ``_payload``: the cursor and checked conversions the payload modules share (not public)

All numbers are integers: money in fen, quantities in 0.01 of the sale unit, pressures in 0.01 MPa, flow
in 0.01 unit/min, temperatures in 0.1 °C (signed).
"""

from __future__ import annotations

from station.devices.dispenser_protocol.authorize import (
    AuthorizeReply,
    AuthorizeRequest,
    Preset,
)
from station.devices.dispenser_protocol.codes import (
    ALL_ALARMS,
    AlarmKind,
    Command,
    DeviceKind,
    NakCode,
    NozzleState,
    PresetKind,
    SaleUnit,
    StopReason,
    UnloadState,
)
from station.devices.dispenser_protocol.framing import (
    CRC_LEN,
    HEADER_LEN,
    MAX_ADDRESS,
    MAX_PAYLOAD,
    MAX_UNACKED_LISTED,
    MIN_ADDRESS,
    MIN_FRAME_LEN,
    NAK_COMMAND,
    PROTOCOL_MAJOR,
    PROTOCOL_MINOR,
    REPLY_FLAG,
    START,
    U32_MAX,
    U64_MAX,
    BadCrc,
    BadLength,
    BadStart,
    DecoderStats,
    Frame,
    FrameDecoder,
    FrameError,
    IncompleteFrame,
    PayloadError,
    PayloadLengthError,
    ProtocolError,
    crc16_modbus,
    decode_frame,
    encode_frame,
    expect_empty,
    reply_frame,
)
from station.devices.dispenser_protocol.limits import (
    KEEP_ACKED,
    MAX_NOZZLES,
    MAX_PRESET_AMOUNT,
    MAX_PRESET_QUANTITY,
    MAX_UNACKED,
    MAX_UNIT_PRICE,
    valid_price,
)
from station.devices.dispenser_protocol.nak import (
    NakReply,
    nak_frame,
)
from station.devices.dispenser_protocol.nozzle import (
    AlarmTable,
    DeviceIdentity,
    DispenserStatus,
    NozzleRef,
    NozzleStatus,
    Progress,
)
from station.devices.dispenser_protocol.timing import (
    CACHE_WINDOW,
    REPLY_START_MAX,
    TURNAROUND_MIN,
    char_time,
    inter_byte_timeout,
    max_reply_payload,
    reply_deadline,
    t35,
    wire_time,
)
from station.devices.dispenser_protocol.transactions import (
    PriceTable,
    Totalizers,
    TotalizerTable,
    Transaction,
    TransactionNumber,
    UnackedList,
)
from station.devices.dispenser_protocol.unloading import (
    UnloadRecord,
    UnloadStatus,
)

__all__ = [
    "ALL_ALARMS",
    "CACHE_WINDOW",
    "CRC_LEN",
    "HEADER_LEN",
    "KEEP_ACKED",
    "MAX_ADDRESS",
    "MAX_NOZZLES",
    "MAX_PAYLOAD",
    "MAX_PRESET_AMOUNT",
    "MAX_PRESET_QUANTITY",
    "MAX_UNACKED",
    "MAX_UNACKED_LISTED",
    "MAX_UNIT_PRICE",
    "MIN_ADDRESS",
    "MIN_FRAME_LEN",
    "NAK_COMMAND",
    "PROTOCOL_MAJOR",
    "PROTOCOL_MINOR",
    "REPLY_FLAG",
    "REPLY_START_MAX",
    "START",
    "TURNAROUND_MIN",
    "U32_MAX",
    "U64_MAX",
    "AlarmKind",
    "AlarmTable",
    "AuthorizeReply",
    "AuthorizeRequest",
    "BadCrc",
    "BadLength",
    "BadStart",
    "Command",
    "DecoderStats",
    "DeviceIdentity",
    "DeviceKind",
    "DispenserStatus",
    "Frame",
    "FrameDecoder",
    "FrameError",
    "IncompleteFrame",
    "NakCode",
    "NakReply",
    "NozzleRef",
    "NozzleState",
    "NozzleStatus",
    "PayloadError",
    "PayloadLengthError",
    "Preset",
    "PresetKind",
    "PriceTable",
    "Progress",
    "ProtocolError",
    "SaleUnit",
    "StopReason",
    "TotalizerTable",
    "Totalizers",
    "Transaction",
    "TransactionNumber",
    "UnackedList",
    "UnloadRecord",
    "UnloadState",
    "UnloadStatus",
    "char_time",
    "crc16_modbus",
    "decode_frame",
    "encode_frame",
    "expect_empty",
    "inter_byte_timeout",
    "max_reply_payload",
    "nak_frame",
    "reply_deadline",
    "reply_frame",
    "t35",
    "valid_price",
    "wire_time",
]
