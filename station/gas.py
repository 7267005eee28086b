"""Quantity of gas moved out of a tube trailer, from its water volume, pressures and temperatures.

The real-gas behaviour comes from the AGA8 DETAIL equation of state (AGA Report No. 8 Part 1, the method of
ISO 12213-2 / ISO 20765-1) as implemented by the maintained ``pyaga8`` package (Equinor's Python binding
of the Rust port of NIST's AGA8 reference code). Nothing here hand-rolls the equation of state.

    mass = V × (ρ(p_start, T_start) − ρ(p_end, T_end)),   ρ = p·M / (Z·R·T)

Floats live only inside the equation-of-state calculation; the result leaves this module as integer
0.01 kg, rounded half up through Decimal. Pressures come in as integer 0.01 MPa (gauge by default: trailer
gauges read gauge pressure), temperatures as integer 0.1 °C. No I/O, no Textual.

A leaf: it imports nothing of ``station``. The configuration checks a composition against :data:`COMPONENTS`
and the unloading log (``station.ledger.unloading``) computes what a trailer delivered with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import pyaga8

# The 21 components of AGA8 DETAIL / GERG-2008, by their pyaga8.Composition attribute names.
COMPONENTS: tuple[str, ...] = (
    "methane",
    "nitrogen",
    "carbon_dioxide",
    "ethane",
    "propane",
    "isobutane",
    "n_butane",
    "isopentane",
    "n_pentane",
    "hexane",
    "heptane",
    "octane",
    "nonane",
    "decane",
    "hydrogen",
    "oxygen",
    "carbon_monoxide",
    "water",
    "hydrogen_sulfide",
    "helium",
    "argon",
)

ATMOSPHERE_KPA = 101.325  # standard atmosphere, added to gauge readings
KELVIN_OFFSET = 273.15
R_DETAIL = 8.31451  # J/(mol·K): the molar gas constant the AGA8 DETAIL method is defined with


class GasError(ValueError):
    """The composition or a reading is outside what the equation of state can take."""


Composition = Mapping[str, Decimal | str | float]


def _composition(composition: Composition) -> pyaga8.Composition:
    comp = pyaga8.Composition()
    total = Decimal(0)
    for name, value in composition.items():
        if name not in COMPONENTS:
            raise GasError(f"unknown gas component {name!r}")
        fraction = Decimal(str(value))
        if fraction < 0 or fraction > 1:
            raise GasError(f"mole fraction of {name} outside 0..1")
        total += fraction
        setattr(comp, name, float(fraction))
    if abs(total - 1) > Decimal("0.0001"):
        raise GasError(f"mole fractions sum to {total}, not 1")
    return comp


def _detail(composition: Composition) -> pyaga8.Detail:
    detail = pyaga8.Detail()
    try:
        detail.set_composition(_composition(composition))
    except ValueError as exc:
        raise GasError(str(exc)) from exc
    return detail


def state(composition: Composition, pressure_kpa: float, temperature_k: float) -> tuple[float, float, float]:
    """(molar density mol/L, compressibility factor Z, molar mass g/mol) at an absolute pressure and temperature."""
    if not 0 < pressure_kpa <= 70_000 or not 140 <= temperature_k <= 450:
        raise GasError("pressure or temperature outside the DETAIL method's range")
    detail = _detail(composition)
    detail.pressure = pressure_kpa
    detail.temperature = temperature_k
    try:
        detail.calc_density()
        detail.calc_properties()
    except (ValueError, RuntimeError) as exc:
        raise GasError(str(exc)) from exc
    return float(detail.d), float(detail.z), float(detail.mm)


def compressibility(composition: Composition, pressure_kpa: float, temperature_k: float) -> float:
    return state(composition, pressure_kpa, temperature_k)[1]


def density_kg_m3(composition: Composition, pressure_kpa: float, temperature_k: float) -> float:
    """Mass density in kg/m³: molar density (mol/L) × molar mass (g/mol), i.e. ρ = p·M/(Z·R·T)."""
    d, _, mm = state(composition, pressure_kpa, temperature_k)
    return d * mm


def absolute_kpa(pressure_centi_mpa: int, *, gauge: bool = True) -> float:
    kpa = pressure_centi_mpa * 10.0  # 0.01 MPa = 10 kPa
    return kpa + ATMOSPHERE_KPA if gauge else kpa


def kelvin(temperature_deci_c: int) -> float:
    return temperature_deci_c / 10.0 + KELVIN_OFFSET


def to_centi_kg(kilograms: float) -> int:
    """Round half up to integer 0.01 kg through Decimal: the edge where the float leaves."""
    return int((Decimal(repr(kilograms)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def trailer_mass_kg(
    composition: Composition,
    water_volume_l: int,
    pressure_centi_mpa: int,
    temperature_deci_c: int,
    *,
    gauge: bool = True,
) -> float:
    """Mass of gas held in a trailer of ``water_volume_l`` litres at a reading."""
    if water_volume_l <= 0:
        raise GasError("water volume must be positive")
    rho = density_kg_m3(composition, absolute_kpa(pressure_centi_mpa, gauge=gauge), kelvin(temperature_deci_c))
    return water_volume_l / 1000.0 * rho


def delivered_centi(
    composition: Composition,
    water_volume_l: int,
    start_pressure_centi_mpa: int,
    start_temperature_deci_c: int,
    end_pressure_centi_mpa: int,
    end_temperature_deci_c: int,
    *,
    gauge: bool = True,
) -> int:
    """Gas that left the trailer between two readings, in integer 0.01 kg (never negative)."""
    start = trailer_mass_kg(
        composition, water_volume_l, start_pressure_centi_mpa, start_temperature_deci_c, gauge=gauge
    )
    end = trailer_mass_kg(composition, water_volume_l, end_pressure_centi_mpa, end_temperature_deci_c, gauge=gauge)
    return max(0, to_centi_kg(start - end))
