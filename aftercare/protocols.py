"""The vocabulary aftercare protocols are written in: depth bands and skin types.

Kept apart from the models so that the plan builder (``aftercare.plans``) stays pure Python.
"""

from decimal import Decimal

from django.db import models

# The deepest setting a micro-needling pen allows; anything above is a typo or a wrong unit.
MAX_NEEDLE_DEPTH_MM = Decimal("3.00")
MIN_NEEDLE_DEPTH_MM = Decimal("0.10")


class DepthBand(models.TextChoices):
    SHALLOW = "shallow", "Up to 0.5 mm"
    MEDIUM = "medium", "Over 0.5 mm, up to 1.5 mm"
    DEEP = "deep", "Over 1.5 mm"


def depth_band(depth_mm: Decimal) -> DepthBand:
    """The band a needle depth falls in (0.5 belongs to the shallow band, 1.5 to the medium)."""
    if depth_mm <= Decimal("0.5"):
        return DepthBand.SHALLOW
    if depth_mm <= Decimal("1.5"):
        return DepthBand.MEDIUM
    return DepthBand.DEEP


class SkinType(models.TextChoices):
    """Fitzpatrick phototype and the skin's condition: a client has one of each."""

    FITZPATRICK_I = "fitzpatrick_1", "Fitzpatrick I"
    FITZPATRICK_II = "fitzpatrick_2", "Fitzpatrick II"
    FITZPATRICK_III = "fitzpatrick_3", "Fitzpatrick III"
    FITZPATRICK_IV = "fitzpatrick_4", "Fitzpatrick IV"
    FITZPATRICK_V = "fitzpatrick_5", "Fitzpatrick V"
    FITZPATRICK_VI = "fitzpatrick_6", "Fitzpatrick VI"
    OILY = "oily", "Oily skin"
    DRY = "dry", "Dry skin"
    COMBINATION = "combination", "Combination skin"
    NORMAL = "normal", "Normal skin"
    SENSITIVE = "sensitive", "Sensitive skin"


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}


def skin_types_from(*values) -> frozenset[str]:
    """Our skin-type codes from whatever an intake stored: "IV", "4", 4, "fitzpatrick_4",
    "type_iv", "oily"... Unknown values are dropped (a note is never worth a crash)."""
    codes = set()
    for value in values:
        if value is None or value == "":
            continue
        text = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        if text in SkinType.values:
            codes.add(text)
            continue
        for prefix in ("fitzpatrick_", "type_", "fitzpatrick", "type"):
            text = text.removeprefix(prefix)
        number = _ROMAN.get(text) or (int(text) if text.isdigit() else None)
        if number and 1 <= number <= 6:
            codes.add(f"fitzpatrick_{number}")
    return frozenset(codes)
