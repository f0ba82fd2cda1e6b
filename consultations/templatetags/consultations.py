from django import template

from consultations.areas import area_labels as _area_labels

register = template.Library()


@register.filter
def area_labels(codes) -> str:
    """["face", "neck"] as "Face and neck"."""
    return _area_labels(codes or [])
