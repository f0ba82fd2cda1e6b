"""What consultations holds about a client, registered for the export and the erasure
(``clinic.client_data``). All of it is the clinical record: kept for the retention period after
the last treatment when the client is forgotten, then deleted."""

from clinic.client_data import ClientData, Erasure, client_data_exempt, client_data_register

from .models import Clearance, ConsentRenewal, ConsentSignature, HealthUpdate, Intake, IntakeFlag


def _consent_pdfs(rows) -> list[tuple[str, bytes]]:
    """Each signed consent as the PDF the client can download from their portal."""
    from clinic.pdf import pdf_from_template

    documents = []
    for signature in rows.select_related("intake__client", "consent_text"):
        intake = signature.intake
        pdf = pdf_from_template(
            "consultations/consent_pdf.html",
            {"intake": intake, "signature": signature, "text": signature.consent_text, "client": intake.client},
        )
        documents.append((f"consents/consent-intake-v{intake.version}.pdf", pdf))
    return documents


def _register_intakes(clinical: dict) -> None:
    """Intakes, their flags and the signed consents."""
    client_data_register(
        ClientData(
            model=Intake,
            client_lookup="client",
            section="intakes",
            description="Each version of the intake form with its answers and the practitioner's decision.",
            exclude=("client",),
            order_by=("version",),
            **clinical,
        )
    )
    client_data_register(
        ClientData(
            model=IntakeFlag,
            client_lookup="intake__client",
            section="intake_flags",
            description="Contraindications the screening found in an intake, and their acknowledgement.",
            **clinical,
        )
    )
    client_data_register(
        ClientData(
            model=ConsentSignature,
            client_lookup="intake__client",
            section="consent_signatures",
            description="Signed informed consents: version, typed name, time and address (PDFs in consents/).",
            rendered=_consent_pdfs,
            **clinical,
        )
    )


def consultations_client_data_register() -> None:
    clinical = {"erasure": Erasure.CLINICAL}
    _register_intakes(clinical)
    client_data_register(
        ClientData(
            model=Clearance,
            client_lookup="client",
            section="clearances",
            description="Clearances to be treated: treatment, areas, maximum needle depth, dates.",
            exclude=("client",),
            **clinical,
        )
    )
    client_data_register(
        ClientData(
            model=HealthUpdate,
            client_lookup="client",
            section="health_updates",
            description="Answers to 'has anything changed?' before sessions, and their review.",
            exclude=("client",),
            **clinical,
        )
    )
    client_data_register(
        ClientData(
            model=ConsentRenewal,
            client_lookup="client",
            section="consent_renewals",
            description="Consents signed again (a newer consent text) before a session, for example on the clinic's tablet.",
            exclude=("client",),
            order_by=("signed_at", "pk"),
            **clinical,
        )
    )
    client_data_exempt("consultations.consenttext", "the clinic's consent texts (the signed one is in each PDF)")
