"""Every number the wire gives a meaning: commands, NAK codes, and the enumerations payloads carry."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class Command(IntEnum):
    IDENTIFY = 0x01
    READ_STATUS = 0x02
    SET_PRICES = 0x03
    READ_PRICES = 0x04
    AUTHORIZE = 0x05
    STOP = 0x06
    READ_PROGRESS = 0x07
    READ_TOTALIZERS = 0x08
    READ_UNACKED = 0x09
    READ_TRANSACTION = 0x0A
    ACK_TRANSACTION = 0x0B
    READ_ALARMS = 0x0C
    UNLOAD_STATUS = 0x20
    UNLOAD_START = 0x21
    UNLOAD_STOP = 0x22
    READ_UNLOAD_RECORD = 0x23


class NakCode(IntEnum):
    UNKNOWN_COMMAND = 0x01
    BAD_LENGTH = 0x02
    BAD_VALUE = 0x03  # nozzle number, preset, price out of range
    BAD_STATE = 0x04  # generic: the command does not fit the nozzle's state
    BUSY = 0x05
    UNKNOWN_TRANSACTION = 0x06
    NOT_LIFTED = 0x07  # authorize while the nozzle hangs in its holder
    UNACKED_PENDING = 0x08  # the nozzle's last fill is not acknowledged yet (stacked sale)
    ALARM_ACTIVE = 0x09
    BUFFER_FULL = 0x0A  # the transaction buffer holds its maximum of unacknowledged fills


class DeviceKind(IntEnum):
    DISPENSER = 1
    UNLOADING_POST = 2


class NozzleState(IntEnum):
    IDLE = 0
    NOZZLE_LIFTED = 1
    AUTHORIZED = 2
    FILLING = 3
    FINISHED = 4  # fill ended normally, transaction not acknowledged yet
    STOPPED = 5  # fill ended abnormally (stop, leak, fault, hang-up), not acknowledged yet
    FAULT = 6  # an alarm is latched; cleared only at the dispenser
    OFFLINE = 7  # never on the wire: the driver's word for "the dispenser does not answer"


class StopReason(IntEnum):
    NONE = 0
    PRESET_REACHED = 1
    PRESSURE_LIMIT = 2
    MANUAL_STOP = 3  # STOP command or the dispenser's emergency button
    LEAK_ALARM = 4
    NOZZLE_HUNG_UP = 5
    FAULT = 6
    POWER_FAIL = 7


class AlarmKind(IntFlag):
    NONE = 0
    LEAK = 0x01
    OVER_PRESSURE = 0x02
    FLOW = 0x04
    METER_FAULT = 0x08


ALL_ALARMS = AlarmKind.LEAK | AlarmKind.OVER_PRESSURE | AlarmKind.FLOW | AlarmKind.METER_FAULT


class SaleUnit(IntEnum):
    KG = 1
    NM3 = 2


class PresetKind(IntEnum):
    NONE = 0
    AMOUNT = 1
    QUANTITY = 2
    FILL_UP = 3


class UnloadState(IntEnum):
    IDLE = 0
    UNLOADING = 1
    FAULT = 2
