"""The clinic's starting micro-needling aftercare protocol: installed by a data migration so that
every clinic has one from the first run; a manager edits it in the admin afterwards.

Sensible, conservative real-world guidance: deeper needling means longer redness and stricter
rules, darker skin (Fitzpatrick IV-VI) means stricter sun protection against dark marks.
"""

H = 1
DAY = 24
WEEK = 7 * DAY

PROTOCOL = {
    "treatment_slug": "microneedling",
    "name": "Micro-needling aftercare",
    "introduction": (
        "Micro-needling makes thousands of tiny channels in your skin. They close within hours and "
        "start your skin's own repair, which builds new collagen over the coming months. The first "
        "three days matter most: keep the skin clean, calm and out of the sun, and let it heal."
    ),
    "results_from_months": 3,
    "results_to_months": 6,
    "results_text": (
        "Your skin may look brighter within a week, but collagen rebuilds slowly. Smoother texture, "
        "softer lines and scars show over the coming months and keep improving for up to six months "
        "after your last session. Photos at each session help you see the change."
    ),
}

# (scope, target, topic, instruction, detail, duration_hours, order)
RULES = [
    (
        "general",
        "",
        "makeup",
        "No makeup",
        "The tiny channels stay open; makeup can clog and irritate them.",
        24 * H,
        10,
    ),
    ("general", "", "touch", "Don't touch the treated skin with unwashed hands", "", 24 * H, 11),
    ("general", "", "pillow", "Sleep on a clean pillowcase, on your back if you can", "", 24 * H, 12),
    (
        "general",
        "",
        "sweat",
        "No sauna, steam room, swimming or hard exercise",
        "Heat and sweat irritate healing skin and chlorine stings.",
        48 * H,
        20,
    ),
    (
        "general",
        "",
        "cleanser",
        "Wash only with a gentle, fragrance-free cleanser and lukewarm water",
        "Pat dry with a clean towel; no hot water.",
        72 * H,
        25,
    ),
    (
        "general",
        "",
        "actives",
        "No retinoids (retinol, tretinoin), AHA/BHA acids or vitamin C serums",
        "They sting and inflame freshly treated skin.",
        5 * DAY,
        30,
    ),
    (
        "general",
        "",
        "sun",
        "Stay out of direct sun and wear SPF 30+ every morning",
        "Reapply every 2 hours outdoors, even on cloudy days. New skin burns and marks easily.",
        1 * WEEK,
        40,
    ),
    ("general", "", "exfoliation", "No scrubs, peels, waxing, or other skin treatments", "", 1 * WEEK, 50),
    (
        "general",
        "",
        "picking",
        "Let flaking skin come off on its own: don't pick or scrub it",
        "Picking can leave marks.",
        1 * WEEK,
        60,
    ),
    # Areas
    ("area", "face", "shaving", "No shaving the treated skin", "", 48 * H, 70),
    ("area", "neck", "friction", "No tight collars, scarves or necklaces on the treated skin", "", 48 * H, 71),
    ("area", "decolletage", "friction", "No tight straps or necklaces on the treated skin", "", 48 * H, 72),
    ("area", "abdomen", "clothing", "Wear loose, clean cotton clothing over the treated skin", "", 48 * H, 73),
    ("area", "back", "clothing", "Wear loose, clean cotton clothing over the treated skin", "", 48 * H, 74),
    (
        "area",
        "thighs",
        "clothing",
        "Wear loose, clean cotton clothing over the treated skin",
        "Tight leggings and jeans rub.",
        48 * H,
        75,
    ),
    ("area", "thighs", "shaving", "No shaving, waxing or hair removal cream on the treated skin", "", 72 * H, 76),
    ("area", "arms", "shaving", "No shaving, waxing or hair removal cream on the treated skin", "", 72 * H, 77),
    (
        "area",
        "hands",
        "hands",
        "Wear gloves for washing up and cleaning; no hand sanitiser gel",
        "Wash with mild soap instead: sanitiser stings.",
        72 * H,
        78,
    ),
    # Depth bands: deeper needling heals longer, so the same rules last longer.
    (
        "depth",
        "medium",
        "actives",
        "No retinoids (retinol, tretinoin), AHA/BHA acids or vitamin C serums",
        "They sting and inflame freshly treated skin.",
        1 * WEEK,
        80,
    ),
    ("depth", "deep", "makeup", "No makeup", "Deeper channels take longer to close.", 48 * H, 81),
    (
        "depth",
        "deep",
        "sweat",
        "No sauna, steam room, swimming or hard exercise",
        "Heat and sweat irritate healing skin and chlorine stings.",
        72 * H,
        82,
    ),
    (
        "depth",
        "deep",
        "actives",
        "No retinoids (retinol, tretinoin), AHA/BHA acids or vitamin C serums",
        "Deeper needling needs a longer rest from actives.",
        10 * DAY,
        83,
    ),
    (
        "depth",
        "deep",
        "sun",
        "Stay out of direct sun and wear SPF 30+ every morning",
        "Reapply every 2 hours outdoors. Deeper treatment means more sensitive skin for longer.",
        2 * WEEK,
        84,
    ),
    ("depth", "deep", "exfoliation", "No scrubs, peels, waxing, or other skin treatments", "", 2 * WEEK, 85),
    # Skin types
    (
        "skin_type",
        "fitzpatrick_4",
        "sun",
        "Strict sun protection: SPF 50 every morning, reapplied every 2 hours outdoors",
        "Darker skin can develop dark marks (post-inflammatory hyperpigmentation) if healing skin meets the sun.",
        2 * WEEK,
        90,
    ),
    (
        "skin_type",
        "fitzpatrick_5",
        "sun",
        "Strict sun protection: SPF 50 every morning, reapplied every 2 hours outdoors",
        "Darker skin can develop dark marks (post-inflammatory hyperpigmentation) if healing skin meets the sun.",
        2 * WEEK,
        91,
    ),
    (
        "skin_type",
        "fitzpatrick_6",
        "sun",
        "Strict sun protection: SPF 50 every morning, reapplied every 2 hours outdoors",
        "Darker skin can develop dark marks (post-inflammatory hyperpigmentation) if healing skin meets the sun.",
        2 * WEEK,
        92,
    ),
    (
        "skin_type",
        "fitzpatrick_1",
        "",
        "Fair skin shows redness longest: pink skin for up to 3 days is normal",
        "Use SPF 50 rather than 30; fair skin burns quickly.",
        None,
        93,
    ),
    (
        "skin_type",
        "fitzpatrick_2",
        "",
        "Fair skin shows redness longest: pink skin for up to 3 days is normal",
        "Use SPF 50 rather than 30; fair skin burns quickly.",
        None,
        94,
    ),
    (
        "skin_type",
        "sensitive",
        "",
        "Bring products back one at a time, every other night at first",
        "Sensitive skin reacts more after treatment: patch-test anything new on your jaw line.",
        None,
        95,
    ),
    (
        "skin_type",
        "dry",
        "",
        "Moisturise twice a day; tightness on days 2 to 4 is normal",
        "Use the recovery serum under your moisturiser.",
        None,
        96,
    ),
    (
        "skin_type",
        "oily",
        "heavy-creams",
        "No heavy creams, face oils or balms",
        "A light gel moisturiser is enough; heavy products can clog the healing pores.",
        48 * H,
        97,
    ),
    ("skin_type", "combination", "", "Moisturise dry areas twice a day and keep the oilier T-zone light", "", None, 98),
]

# (day_from, day_to, depth_band, title, text)
TIMELINE = [
    (
        0,
        0,
        "",
        "Redness like a mild sunburn",
        "Your skin is pink to red, warm and tight, and may be slightly swollen. This is the repair starting.",
    ),
    (1, 1, "shallow", "Mostly calm again", "Any redness is fading; your skin may feel a little dry."),
    (
        1,
        2,
        "medium",
        "Redness fading to pink",
        "Mild swelling, especially around the eyes in the morning, goes down within a day or two.",
    ),
    (
        1,
        3,
        "deep",
        "Pink, tender and a little swollen",
        "Tiny pinpoint marks or light bruising can show where the needling was deepest.",
    ),
    (
        1,
        3,
        "",
        "Dryness and flaking",
        "Your skin feels dry and tight and may flake like after a sunburn. Moisturise; don't pick.",
    ),
    (4, 7, "", "Fresher skin", "Flaking finishes and your skin looks brighter and smoother as the surface renews."),
    (
        8,
        28,
        "",
        "Collagen building",
        "Out of sight, new collagen and elastin are forming. You can go back to your usual routine.",
    ),
]

# (kind, name, how_to_use, from_day, order)
PRODUCTS = [
    (
        "serum",
        "Hyaluronic acid recovery serum",
        "A few drops on clean skin, morning and evening, to calm and hydrate.",
        0,
        1,
    ),
    (
        "cleanser",
        "Gentle fragrance-free cleanser",
        "From this evening, with lukewarm water; pat dry with a clean towel.",
        0,
        2,
    ),
    ("moisturiser", "Barrier repair moisturiser (ceramides)", "Morning and evening, over the serum.", 1, 3),
    (
        "sunscreen",
        "Mineral sunscreen SPF 30+ (zinc oxide)",
        "Every morning as the last step, even indoors by a window.",
        1,
        4,
    ),
]

# (text, urgent, order)
WARNING_SIGNS = [
    ("Redness, swelling or pain that gets worse after day 2 instead of better", False, 1),
    ("Yellow crusts, pus, or skin that feels hot to the touch: signs of an infection", False, 2),
    ("A fever or feeling unwell in the days after your session", False, 3),
    ("Blisters, or clusters of small painful sores (a cold sore flare-up)", False, 4),
    ("Dark patches or marks that stay after the skin has healed", False, 5),
    ("Swelling of the lips, tongue or throat, or difficulty breathing: call emergency services", True, 6),
]


def default_protocol_install(*, get_model, treatment_slug: str = "microneedling") -> bool:
    """Create the default protocol for ``treatment_slug`` if the clinic has none. Idempotent:
    never touches a protocol that exists (the manager's edits win). ``get_model(name)`` returns
    the model class, so that a data migration can pass its historical models.
    Returns whether it created one."""
    protocol_model = get_model("AftercareProtocol")
    if protocol_model.objects.filter(treatment_slug=treatment_slug).exists():
        return False
    protocol = protocol_model.objects.create(**{**PROTOCOL, "treatment_slug": treatment_slug})
    rule_model = get_model("ProtocolRule")
    rule_model.objects.bulk_create(
        rule_model(
            protocol=protocol,
            scope=scope,
            area=target if scope == "area" else "",
            depth_band=target if scope == "depth" else "",
            skin_type=target if scope == "skin_type" else "",
            topic=topic,
            instruction=instruction,
            detail=detail,
            duration_hours=hours,
            order=order,
        )
        for scope, target, topic, instruction, detail, hours, order in RULES
    )
    step_model = get_model("TimelineStep")
    step_model.objects.bulk_create(
        step_model(protocol=protocol, day_from=a, day_to=b, depth_band=band, title=title, text=text)
        for a, b, band, title, text in TIMELINE
    )
    product_model = get_model("ProtocolProduct")
    product_model.objects.bulk_create(
        product_model(protocol=protocol, kind=kind, name=name, how_to_use=how, from_day=day, order=order)
        for kind, name, how, day, order in PRODUCTS
    )
    sign_model = get_model("WarningSign")
    sign_model.objects.bulk_create(
        sign_model(protocol=protocol, text=text, urgent=urgent, order=order) for text, urgent, order in WARNING_SIGNS
    )
    return True
