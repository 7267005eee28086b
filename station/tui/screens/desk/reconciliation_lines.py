"""The shift reconciliation (对账) of SPEC §6 laid out as screen lines: pure text, no widgets."""

from __future__ import annotations

from typing import Any

from station.core.views import Reconciliation, permille, seconds
from station.i18n import Language, t
from station.money import format_centi
from station.tui.common import esc
from station.tui.screens.desk.base import (
    denomination_label,
    local,
    mark,
    pad,
    problem_names,
    qty,
    signed_yuan,
    yuan,
)


def reconciliation_lines(rec: Reconciliation, lang: Language, unit: str = "kg") -> list[str]:
    """The reconciliation of SPEC §6 as screen lines (markup), every figure labelled, fits 78 columns."""

    def head(key: str, **params: Any) -> str:
        return f"\n[b reverse] {t(key, lang, **params)} [/]"

    def pair(key: str, value: str, sign: str = " ", **params: Any) -> str:
        return f"{sign} {pad(t(key, lang, **params), 30)}{value:>12}"

    out: list[str] = []
    state = t("desk.rec.closed" if rec.status == "closed" else "desk.rec.open", lang)
    signed = (
        f"{mark(True)} {t('desk.rec.signed', lang, by=rec.signed_off_by, at=local(rec.signed_off_at))}"
        if rec.signed_off_at
        else (f"{mark(False, warn=True)} {t('desk.rec.unsigned', lang)}" if rec.status == "closed" else "")
    )
    out.append(f"[b]{t('desk.rec.heading', lang, shift=rec.shift_id)}[/b]  {state}  {signed}".rstrip())
    opened = local(rec.opened_at)
    if rec.closed_at:
        closed = local(rec.closed_at)
        if closed[:10] == opened[:10]:
            closed = closed[11:]
        out.append(
            t("desk.rec.period", lang, opened=opened, by=esc(rec.opened_by), closed=closed, closer=esc(rec.closed_by))
        )
    else:
        out.append(t("desk.rec.opened", lang, at=opened, by=esc(rec.opened_by)))
    out.append(
        t(
            "desk.rec.attendants",
            lang,
            names=esc("、".join(rec.attendants) if lang == "zh" else ", ".join(rec.attendants)),
        )
    )
    out.append(
        t(
            "desk.rec.totals",
            lang,
            fills=rec.fill_count,
            qty=qty(rec.quantity_centi),
            unit=unit,
            sales=yuan(rec.sales_fen),
        )
    )
    if rec.problems:
        strong = [
            p for p in rec.problems if p in ("totalizer_variance", "cash_over", "cash_short", "card_debit_mismatch")
        ]
        symbol = mark(False) if strong else mark(False, warn=True)
        out.append(f"{symbol} [b]{t('desk.rec.problems', lang, problems=problem_names(rec.problems, lang))}[/b]")
    else:
        out.append(f"{mark(True)} {t('desk.rec.no_problems', lang)}")
    if rec.note:
        out.append(t("desk.rec.note", lang, note=esc(rec.note)))
    if rec.opening_note:
        out.append(t("desk.rec.opening_note", lang, note=esc(rec.opening_note)))

    # ---- between shifts (交班间隙): what this shift adopted, shown only when there was something
    gap = rec.between_shifts
    gaps = [n for n in rec.nozzles if n.gap_from_previous_centi]
    if (gap is not None and (gap.fills or gap.cash_fen)) or gaps:
        out.append(head("desk.rec.between"))
        if gap is not None:
            out.append(pair("desk.rec.between_fills", qty(gap.quantity_centi), count=len(gap.fills)))
            out.append(pair("desk.rec.between_cash", yuan(gap.cash_fen)))
            for f in gap.fills:
                out.append(
                    "  "
                    + t(
                        "desk.rec.between_line",
                        lang,
                        id=f.fill_id,
                        nozzle=f"{f.dispenser}/{f.nozzle}",
                        qty=qty(f.quantity_centi),
                        amount=yuan(f.amount_fen),
                        at=local(f.ended_at),
                    )
                )
        for n in gaps:
            unexplained = n.unexplained_gap_centi or 0
            out.append(
                "  "
                + t(
                    "desk.rec.gap_line",
                    lang,
                    nozzle=f"{n.dispenser}/{n.nozzle}",
                    gap=qty(n.gap_from_previous_centi),
                    unexplained=qty(unexplained),
                )
                + f" {mark(abs(unexplained) <= n.tolerance_centi)}"
            )

    # ---- nozzles
    out.append(head("desk.rec.nozzles", tol=qty(rec.tolerance_centi), unit=unit))
    widths = (5, 11, 11, 9, 6, 10, 9, 9)
    cols = [
        "desk.col.nozzle",
        "desk.col.open",
        "desk.col.close",
        "desk.col.delta",
        "desk.col.fills",
        "desk.col.recorded",
        "desk.col.variance",
        "desk.col.amount_var",
    ]
    header = [pad(t(c, lang), w, right=i > 0) for i, (c, w) in enumerate(zip(cols, widths, strict=True))]
    header[1] += " "  # over the typed marks
    header[2] += " "
    out.append("[b]" + "".join(header) + "[/b]")

    def variance(value: int | None) -> str:
        return "—" if value is None else ("+" if value > 0 else "") + format_centi(value)

    for n in rec.nozzles:
        cells = [
            f"{n.dispenser}/{n.nozzle}",
            qty(n.opening_quantity_centi),
            qty(n.closing_quantity_centi),
            qty(n.delta_quantity_centi),
            str(n.fill_count),
            qty(n.fills_quantity_centi),
            variance(n.variance_quantity_centi),
            signed_yuan(n.variance_amount_fen),
        ]
        padded = [pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        padded[1] += "*" if n.opening_typed else " "
        padded[2] += "*" if n.closing_typed else " "
        out.append(f"{''.join(padded)} {mark(not n.flagged)}")
    if any(n.opening_typed or n.closing_typed for n in rec.nozzles):
        out.append(f"  * {t('desk.rec.typed', lang)}")

    # ---- cash
    c = rec.cash
    out.append(head("desk.rec.cash"))
    if rec.carried_cash_fen is not None:
        out.append(pair("desk.rec.carried", yuan(rec.carried_cash_fen)))
    out.append(pair("desk.rec.float", yuan(c.opening_float_fen)))
    if rec.float_variance_fen:
        out.append(
            f"{pair('desk.rec.float_variance', signed_yuan(rec.float_variance_fen), '±')} {mark(False, warn=True)}"
        )
    out.append(pair("desk.rec.cash_sales", yuan(c.cash_sales_fen), "+", count=c.cash_sale_count))
    out.append(pair("desk.rec.cash_recharges", yuan(c.recharges_fen), "+", count=c.recharge_count))
    out.append(pair("desk.rec.fees", yuan(c.fees_fen), "+"))
    out.append(pair("desk.rec.refunds", yuan(c.refunds_fen), "−"))
    out.append(pair("desk.rec.drops", yuan(c.drops_fen), "−", count=len(c.drops)))
    if c.other_fen:
        out.append(pair("desk.rec.other", signed_yuan(c.other_fen), "±"))
    out.append("[b]" + pair("desk.rec.expected", yuan(c.expected_fen), "=") + "[/b]")
    out.append(pair("desk.rec.counted", yuan(c.counted_fen)))
    if c.over_short_fen is None:
        out.append(pair("desk.rec.over_short", "—"))
    else:
        key = (
            "desk.rec.over"
            if c.over_short_fen > 0
            else "desk.rec.short"
            if c.over_short_fen < 0
            else "desk.rec.balanced"
        )
        balance = f"{mark(c.over_short_fen == 0)} {t(key, lang)}"
        out.append(f"[b]{pair('desk.rec.over_short', signed_yuan(c.over_short_fen))}[/b] {balance}")
    pieces = [f"{denomination_label(d, lang)}×{n}" for d, n in c.count if n]
    if pieces:
        out.append("  " + t("desk.rec.count", lang) + " " + "  ".join(pieces))
    for drop in c.drops:
        out.append(
            "  "
            + t("desk.rec.drop_line", lang, at=local(drop.at), amount=yuan(drop.amount_fen), by=esc(drop.attendant))
        )

    # ---- cards
    k = rec.cards
    out.append(head("desk.rec.cards"))
    out.append(pair("desk.rec.card_fills", yuan(k.card_fills_fen), count=k.card_fill_count))
    out.append(pair("desk.rec.card_debits", yuan(k.card_debits_fen)))
    out.append(
        f"{pair('desk.rec.debit_variance', signed_yuan(k.debit_variance_fen))} {mark(k.debit_variance_fen == 0)}"
    )
    out.append(pair("desk.rec.internal", yuan(k.internal_fills_fen), count=k.internal_fill_count))
    out.append(pair("desk.rec.recharges", yuan(k.recharges_fen), count=k.recharge_count))
    out.append(
        f"{pair('desk.rec.holds', yuan(k.open_holds_fen), count=len(k.open_holds))} {mark(not k.open_holds, warn=True)}"
    )
    for h in k.open_holds:
        out.append(
            "  "
            + t(
                "desk.rec.hold_line",
                lang,
                id=h.hold_id,
                card=h.card_number,
                amount=yuan(h.amount_fen),
                d=h.dispenser,
                n=h.nozzle,
            )
        )

    # ---- scan-to-pay, per provider (what each clearing account should pay out to the bank)
    if rec.mobile:
        out.append(head("desk.rec.mobile"))
        for m in rec.mobile:
            provider = t(f"pay.provider.{m.provider}", lang)
            out.append(pair("desk.rec.mobile_sales", yuan(m.sales_fen), "+", provider=provider, count=m.sale_count))
            if m.refunds_fen:
                out.append(pair("desk.rec.mobile_refunds", yuan(m.refunds_fen), "−", provider=provider))
            out.append(pair("desk.rec.mobile_net", yuan(m.net_fen), "=", provider=provider))

    # ---- invoices (数电发票) of the shift's receipts
    inv = rec.invoices
    out.append(head("desk.rec.invoices"))
    out.append(pair("desk.rec.inv_issued", yuan(inv.issued_fen), count=inv.issued_count))
    if inv.asked_count:
        out.append(f"{pair('desk.rec.inv_asked', yuan(inv.asked_fen), count=inv.asked_count)} {mark(False, warn=True)}")
    out.append(pair("desk.rec.inv_none", yuan(inv.none_fen), count=inv.none_count))

    # ---- timers
    out.append(head("desk.rec.timers", flow=rec.flow_limit_ms // 1000, commit=rec.commit_limit_ms // 1000))
    tw = (20, 6, 12, 12, 12, 12)
    tcols = [
        "desk.col.attendant",
        "desk.col.fills",
        "desk.col.flow_over",
        "desk.col.flow_avg",
        "desk.col.commit_over",
        "desk.col.commit_avg",
    ]
    out.append(
        "[b]"
        + "".join(pad(t(col, lang), w, right=i > 0) for i, (col, w) in enumerate(zip(tcols, tw, strict=True)))
        + "[/b]"
    )
    if not rec.timers:
        out.append("  " + t("desk.rec.none", lang))
    for tm in rec.timers:
        cells = [
            tm.attendant[:18],
            str(tm.fill_count),
            f"{tm.flow_over}/{tm.flow_timed} {permille(tm.flow_over_permille)}",
            seconds(tm.flow_average_ms) or "—",
            f"{tm.commit_over}/{tm.commit_timed} {permille(tm.commit_over_permille)}",
            seconds(tm.commit_average_ms) or "—",
        ]
        out.append(esc("".join(pad(cell, w, right=i > 0) for i, (cell, w) in enumerate(zip(cells, tw, strict=True)))))

    # ---- unpaid, voids, overrides, price changes
    out.append(head("desk.rec.unpaid", count=len(rec.unpaid_fills), amount=yuan(rec.unpaid_fen)))
    for f in rec.unpaid_fills:
        out.append(
            "  "
            + t(
                "desk.rec.fill_line",
                lang,
                id=f.fill_id,
                d=f.dispenser,
                n=f.nozzle,
                qty=qty(f.quantity_centi),
                amount=yuan(f.amount_fen),
                at=local(f.ended_at),
            )
        )
    if rec.cleared_fills:
        out.append(t("desk.rec.cleared", lang, count=len(rec.cleared_fills)))
        for f in rec.cleared_fills:
            out.append(
                "  "
                + t(
                    "desk.rec.cleared_line",
                    lang,
                    id=f.fill_id,
                    amount=yuan(f.amount_fen),
                    by=esc(f.cleared_by),
                    reason=esc(f.reason),
                )
            )
    out.append(
        head(
            "desk.rec.events", voids=len(rec.reversals), overrides=len(rec.overrides), adjustments=len(rec.adjustments)
        )
    )
    for e in (*rec.reversals, *rec.overrides, *rec.adjustments):
        out.append(
            "  "
            + esc(
                f"{local(e.at)} {e.actor} {e.summary} {'' if e.amount_fen is None else yuan(e.amount_fen)} {e.reason}"
            )
        )
    out.append(head("desk.rec.prices", count=len(rec.price_changes)))
    for p in rec.prices_at_open:
        out.append(
            "  "
            + t("desk.rec.price_at_open", lang, product=p.product_code, level=p.level, price=yuan(p.unit_price_fen))
        )
    for pc in rec.price_changes:
        out.append(
            "  "
            + t(
                "desk.rec.price_change",
                lang,
                product=pc.product_code,
                level=pc.level,
                old=yuan(pc.old_fen),
                new=yuan(pc.new_fen),
                at=local(pc.effective_from),
                by=esc(pc.set_by),
                reason=esc(pc.reason),
            )
        )
    service = rec.service  # seed 000: complaints answered and callbacks made within 48 hours
    late = service.complaints_overdue or service.callbacks_overdue
    out.append(
        f"{mark(not late)} "
        + t(
            "desk.rec.service",
            lang,
            complaints=service.complaints_overdue,
            due=service.callbacks_due,
            late=service.callbacks_overdue,
        )
    )
    out.append("")
    out.append(t("desk.rec.audit_head", lang, head=rec.audit_head[:32]))
    return out
