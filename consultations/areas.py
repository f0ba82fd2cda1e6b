"""The body areas the clinic treats: one vocabulary for intake, clearance, booking and aftercare.

Areas are atomic: "face and neck" is the set {face, neck}. ``bookings`` and ``aftercare`` use
these codes; only ``consultations`` defines them (dependencies point one way).
"""

from django.db import models


class Area(models.TextChoices):
    FACE = "face", "Face"
    NECK = "neck", "Neck"
    DECOLLETAGE = "decolletage", "Décolletage"
    ABDOMEN = "abdomen", "Abdomen"
    THIGHS = "thighs", "Thighs"
    ARMS = "arms", "Arms"
    HANDS = "hands", "Hands"
    BACK = "back", "Back"


AREA_CODES = frozenset(Area.values)


def area_labels(codes) -> str:
    """ "Face, neck and décolletage", in the catalogue's order."""
    labels = [Area(code).label for code in Area.values if code in set(codes)]
    if not labels:
        return ""
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1].lower()
