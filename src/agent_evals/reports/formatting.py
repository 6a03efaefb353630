"""How numbers look in every report: short, stable, and "n/a" for no data."""

from __future__ import annotations

NO_DATA = "n/a"


def number(value: float | None, digits: int = 2) -> str:
    """A rounded number without trailing zeros (0.89, 2.4, 31240)."""
    if value is None:
        return NO_DATA
    rounded = round(value, digits)
    if rounded == int(rounded) and abs(rounded) < 1e15:
        return str(int(rounded))
    return f"{rounded:.{digits}f}".rstrip("0").rstrip(".")


def rate(value: float | None) -> str:
    """A success rate, always with two decimals (0.89, 1.00)."""
    return NO_DATA if value is None else f"{value:.2f}"


def average(value: float | None) -> str:
    """A mean count with one or two decimals (2.4, 0.75, 0.0)."""
    if value is None:
        return NO_DATA
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def count(value: float | None) -> str:
    """A whole number (token counts, diff lines)."""
    return NO_DATA if value is None else f"{value:.0f}"


def signed(value: float | None) -> str:
    """A difference with its sign (+0.80)."""
    return NO_DATA if value is None else f"{value:+.2f}"
