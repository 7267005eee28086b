"""The forecourt in a box: simulators, drivers, printer queue and the station core wired together.

Used by the demo and by the end-to-end tests. The simulators speak their real byte protocols over TCP
(or a pty); the drivers talk to them through pyserial exactly as they would to hardware.
:func:`open_first_shift` opens the sample station's first shift on it, as the demo does.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from station.config import HeadOffice, Payments
from station.core.desk import ManagerDesk
from station.core.station import StationCore
from station.devices.code_scanner import CodeScanner
from station.devices.code_scanner_sim import CodeScannerSimulator
from station.devices.customer_display import CustomerDisplay
from station.devices.customer_display_protocol import DIGIT_CELLS, LIGHT_LABELS
from station.devices.customer_display_sim import CustomerDisplaySimulator
from station.devices.dispenser_bus import DispenserBus
from station.devices.dispenser_sim import DispenserSimulator
from station.devices.pn532_reader import PN532Reader
from station.devices.pn532_sim import PN532Simulator
from station.devices.printer import PrinterConfig, PrintQueue, printer_from_config
from station.devices.rating_pad import RatingPad
from station.devices.rating_pad_sim import RatingPadSimulator
from station.invoicing.signing import create_key
from station.invoicing.simulator import InvoicingSimulator
from station.payments.signing import create_key as create_rsa_key
from station.payments.signing import public_pem
from station.payments.simulator import PaymentSimulator
from station.runtime import StationRuntime
from station.seed import ATTENDANT, MANAGER


@dataclass
class SimulatedForecourt:
    runtime: StationRuntime
    dispensers: DispenserSimulator
    reader_sim: PN532Simulator
    bus: DispenserBus
    reader: PN532Reader
    print_queue: PrintQueue
    receipts_file: Path
    core: StationCore
    display_sim: CustomerDisplaySimulator | None = None  # the customer display (客显) the driver reads
    rating_sim: RatingPadSimulator | None = None  # the rating pad (服务评价器) at the kiosk window
    invoicing_sim: InvoicingSimulator | None = None  # the invoicing platform (demo only)
    payment_sim: PaymentSimulator | None = None  # WeChat Pay and Alipay's gateways (scan-to-pay)
    scanner_sim: CodeScannerSimulator | None = None  # the serial barcode scanner (扫码枪) at the kiosk

    def lift(self, dispenser: int, nozzle: int, residual_mpa: float = 3.0, capacity_kg: float = 16.0) -> None:
        self.dispensers.lift(dispenser, nozzle, residual_mpa, capacity_kg)

    def hang(self, dispenser: int, nozzle: int) -> None:
        self.dispensers.hang(dispenser, nozzle)

    def leak(self, dispenser: int, nozzle: int) -> None:
        self.dispensers.leak(dispenser, nozzle)

    def payment_code(self, provider: str) -> str:
        """A driver's payment code (付款码) as the phone shows it: WeChat 18 digits from 10–15, Alipay 16–24
        from 25–30; new each time, as the phone refreshes it."""
        digits = "".join(secrets.choice("0123456789") for _ in range(16))
        return ("13" + digits) if provider == "wechat" else ("28" + digits)

    def scan(self, code: str) -> None:
        """The code under the serial scanner: its bytes down the line to the driver, then to the screen."""
        if self.scanner_sim is None:
            raise RuntimeError("no code scanner on this forecourt")
        self.scanner_sim.scan(code)

    def payment_fault(self, kind: str, seconds: float = 0.0) -> None:
        """The next payment: "user_paying" (the driver types a password for ``seconds``), "decline", ..."""
        if self.payment_sim is None:
            raise RuntimeError("no payment simulator on this forecourt")
        self.payment_sim.books.set_fault(kind, seconds)

    def present_card(self, uid: str) -> None:
        self.reader_sim.present(uid)

    def remove_card(self) -> None:
        self.reader_sim.remove()

    def display_face(self, language: str) -> str | None:
        """What the customer display shows now, as the driver reads it: the digits and the lit light's name in
        ``language``; None when the forecourt has no display."""
        if self.display_sim is None:
            return None
        picture = self.display_sim.picture
        face = "".join(picture.cells()).rjust(DIGIT_CELLS + 1)
        zh, en = LIGHT_LABELS.get(picture.light, ("", ""))
        return f"[{face}] {zh if language == 'zh' else en}".rstrip()

    async def stop(self) -> None:
        await self.core.stop()
        stops = [self.reader_sim.stop, self.dispensers.stop]
        if self.display_sim is not None:
            stops.append(self.display_sim.stop)
        if self.rating_sim is not None:
            stops.append(self.rating_sim.stop)
        if self.scanner_sim is not None:
            stops.append(self.scanner_sim.stop)
        if self.invoicing_sim is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.invoicing_sim.stop)
        if self.payment_sim is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.payment_sim.stop)
        for stop in stops:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(stop(), timeout=5)


async def start_forecourt(
    runtime: StationRuntime,
    directory: Path,
    *,
    speed: float = 1.0,
    poll_interval: float = 0.2,
    reader_poll: float = 0.3,
    baud: int | None = None,
    rating_auto: float | None = None,
    invoicing: bool = False,
    payments: bool = False,
    payment_window_s: int = 60,
    hq: HeadOffice | None = None,
) -> SimulatedForecourt:
    """Start simulators for the configured nozzles and a core attached to them. Call ``stop()`` after.

    ``baud`` paces the simulated line (the demo: the configured rate); None leaves it unpaced (the tests).
    """
    directory.mkdir(parents=True, exist_ok=True)
    layout: dict[int, int] = {}
    for nozzle in runtime.settings.nozzles:
        layout[nozzle.dispenser] = max(layout.get(nozzle.dispenser, 0), nozzle.nozzle)
    post = runtime.settings.unloading.post_address or None  # the unloading post (卸气柱) shares the bus
    dispensers = DispenserSimulator(
        dispensers=layout,
        unloading_post=post,
        transport="tcp",
        control_port=None,
        state_path=directory / "dispensers.json",
        speed=speed,
        seed=1,
        baud=baud,  # None (the tests): unpaced, the suite does not wait for a 9600-baud line
    )
    await dispensers.start()
    reader_sim = PN532Simulator(mode="tcp", control_port=None)
    await reader_sim.start()
    bus = DispenserBus(dispensers.url, sorted(layout) + ([post] if post else []), poll_interval=poll_interval)
    reader = PN532Reader(reader_sim.url, poll_interval=reader_poll)
    receipts = directory / "receipts.bin"
    queue = PrintQueue(directory / "spool", printer_from_config(PrinterConfig(kind="file", target=str(receipts))))
    display_sim = CustomerDisplaySimulator(mode="tcp")
    await display_sim.start()
    display = CustomerDisplay(display_sim.url, reconnect_interval=0.2)
    # The rating pad: tests press its keys; the demo's driver presses one ``rating_auto`` seconds after it lights.
    rating_sim = RatingPadSimulator(mode="tcp", auto_press=rating_auto)
    await rating_sim.start()
    rating_pad = RatingPad(rating_sim.url)
    scanner_sim = CodeScannerSimulator(mode="tcp")
    await scanner_sim.start()
    scanner = CodeScanner(scanner_sim.url, retry_s=0.2)
    settings = runtime.settings
    invoicing_sim = None
    if invoicing:
        # The demo's invoicing platform (数电发票): requests made at the desk are issued as on a real one.
        invoicing_sim = InvoicingSimulator(create_key(directory / "invoicing.key"))
        invoicing_sim.start()
        invoices = settings.invoices.model_copy(
            update={"provider_url": invoicing_sim.url, "provider_key_file": str(directory / "invoicing.key")}
        )
        settings = settings.model_copy(update={"invoices": invoices})
    if hq is not None:
        settings = settings.model_copy(update={"hq": hq})  # the demo's head office: the outbox synced there
    payment_sim = None
    if payments:
        # The demo's WeChat Pay and Alipay: the panel (F12) shows the driver's code; the gateways check the
        # station's signatures and sign their replies, as the real ones do.
        payment_sim, section = _payment_gateways(directory, payment_window_s)
        settings = settings.model_copy(update={"payments": section})
    core = StationCore(
        runtime.ledger,
        settings,
        bus=bus,
        reader=reader,
        print_queue=queue,
        display=display,
        rating_pad=rating_pad,
        code_scanner=scanner,
    )
    await core.start()
    return SimulatedForecourt(
        runtime,
        dispensers,
        reader_sim,
        bus,
        reader,
        queue,
        receipts,
        core,
        display_sim,
        rating_sim,
        invoicing_sim,
        payment_sim,
        scanner_sim,
    )


def _payment_gateways(directory: Path, window_s: int) -> tuple[PaymentSimulator, Payments]:
    keys = directory / "payment-keys"
    platform = create_rsa_key(keys / "platform.pem")
    (keys / "platform.pub.pem").write_bytes(public_pem(platform))
    sim = PaymentSimulator(
        wechat_key=create_rsa_key(keys / "wechat.pem").public_key(),
        alipay_key=create_rsa_key(keys / "alipay.pem").public_key(),
        platform_key=platform,
    )
    sim.start()
    section = Payments(
        wechat_url=sim.url,
        wechat_mchid=sim.mchid,
        wechat_appid=sim.appid,
        wechat_serial_no="SIM01",
        wechat_key_file=str(keys / "wechat.pem"),
        wechat_platform_key_file=str(keys / "platform.pub.pem"),
        alipay_url=f"{sim.url}/gateway.do",
        alipay_app_id=sim.alipay_app_id,
        alipay_key_file=str(keys / "alipay.pem"),
        alipay_public_key_file=str(keys / "platform.pub.pem"),
        poll_seconds=1,
        window_seconds=window_s,
    )
    return sim, section


async def open_first_shift(core: StationCore) -> int | None:
    """A working station from the first key: money is taken only in a shift, so a fresh demo opens its first
    one (attendant 1001, float 0.00, totalizers read from the simulated dispensers). Later runs keep theirs."""
    desk = ManagerDesk(core)
    if await desk.current_shift() is not None or desk.shifts.latest_shift_id() is not None:
        return None
    manager = core.ledger.authenticate(MANAGER[0], MANAGER[2])
    readings = ManagerDesk.totalizers(await desk.read_totalizers())
    return await desk.open_shift(manager, [ATTENDANT[0]], 0, readings)
