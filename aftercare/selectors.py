"""Reads of the aftercare app."""

from . import plans
from .models import AftercareProtocol


def protocol_for(*, treatment_slug: str) -> plans.Protocol | None:
    """The treatment's protocol as plain data for ``plans.build_plan`` (5 queries), or None."""
    protocol = (
        AftercareProtocol.objects.filter(treatment_slug=treatment_slug)
        .prefetch_related("rules", "timeline", "products", "warning_signs")
        .first()
    )
    if protocol is None:
        return None
    return plans.Protocol(
        name=protocol.name,
        introduction=protocol.introduction,
        results_from_months=protocol.results_from_months,
        results_to_months=protocol.results_to_months,
        results_text=protocol.results_text,
        rules=tuple(
            plans.Rule(
                scope=r.scope,
                instruction=r.instruction,
                duration_hours=r.duration_hours,
                topic=r.topic,
                detail=r.detail,
                area=r.area,
                depth_band=r.depth_band,
                skin_type=r.skin_type,
                order=r.order,
            )
            for r in protocol.rules.all()
        ),
        timeline=tuple(
            plans.Step(day_from=s.day_from, day_to=s.day_to, title=s.title, text=s.text, depth_band=s.depth_band)
            for s in protocol.timeline.all()
        ),
        products=tuple(
            plans.Product(kind=p.kind, name=p.name, how_to_use=p.how_to_use, from_day=p.from_day)
            for p in protocol.products.all()
        ),
        warning_signs=tuple(plans.Sign(text=w.text, urgent=w.urgent) for w in protocol.warning_signs.all()),
    )
