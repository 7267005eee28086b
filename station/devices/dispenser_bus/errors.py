"""What leaves the bus master's public methods: BusError and its kinds."""

from __future__ import annotations

from station.devices.dispenser_protocol import (
    NakCode,
)


class BusError(Exception):
    """Base of everything the driver raises."""


class LinkDownError(BusError):
    """The port is not open (unplugged, converter unreachable, or reconnecting)."""


class DeviceTimeout(BusError):
    """The device did not answer, the request and all its retries timed out."""

    def __init__(self, address: int, command: int) -> None:
        super().__init__(f"dispenser bus address {address}: no reply to command {command:#04x}")
        self.address = address
        self.command = command


class DeviceRejected(BusError):
    """The device answered with a NAK."""

    def __init__(self, address: int, command: int, code: NakCode) -> None:
        super().__init__(f"dispenser bus address {address}: command {command:#04x} rejected: {code.name}")
        self.address = address
        self.command = command
        self.code = code


class Preempted(DeviceTimeout):
    """An emergency stop took the bus before this request was answered: like a timeout, its outcome is unknown."""


class InvalidRequest(BusError, ValueError):
    """The caller asked for something the protocol cannot express (bad address, nozzle, preset)."""


class ProtocolMismatch(BusError):
    """The device answered with a CRC-valid frame whose payload does not fit v1.1."""


class DeviceRefusedError(BusError):
    """The device was refused at IDENTIFY (another protocol major version, §9.1): the master does not drive it."""
