"""Amounts as people read them: the one formatter of money (the clinic's one currency, two
decimals), and the parser of what the desk types."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError

CENT = Decimal("0.01")
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "CHF": "CHF ", "AUD": "A$", "CAD": "C$"}


def currency() -> str:
    return getattr(settings, "CLINIC_CURRENCY", "GBP")


def money_label(amount) -> str:
    """``Decimal("1234.5")`` -> "£1,234.50"; a negative amount gets its minus before the symbol."""
    if amount is None or amount == "":
        return ""
    value = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    code = currency()
    symbol = SYMBOLS.get(code, f"{code} ")
    sign = "−" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"


def money_parse(text) -> Decimal:
    """What a person typed ("45", "45.5", "£45.50") as a Decimal with two places. Raises
    ``ValidationError`` for anything else, zero and negative amounts included."""
    raw = str(text if text is not None else "").strip().replace(",", "")
    for symbol in SYMBOLS.values():
        raw = raw.removeprefix(symbol.strip()).strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError("Enter an amount such as 45.00.", code="amount_invalid") from None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise ValidationError("Enter an amount with at most two decimals, such as 45.50.", code="amount_invalid")
    return money_checked(value)


def money_checked(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValidationError("An amount must be more than zero.", code="amount_not_positive")
    if value >= Decimal("100000000"):
        raise ValidationError("That amount is too large.", code="amount_too_large")
    return value.quantize(CENT)


def tax_included(amount: Decimal, rate: Decimal) -> Decimal:
    """The tax inside a tax-inclusive ``amount`` at ``rate`` per cent."""
    if not rate:
        return Decimal("0.00")
    return (Decimal(amount) * Decimal(rate) / (Decimal(100) + Decimal(rate))).quantize(CENT, rounding=ROUND_HALF_UP)
