from django import template

from ..money import money_label

register = template.Library()


@register.filter(name="money")
def money_filter(amount) -> str:
    """``{{ entry.amount|money }}`` -> "£45.00" (``payments.money.money_label``)."""
    return money_label(amount)
