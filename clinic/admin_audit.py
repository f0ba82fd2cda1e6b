"""Django admin pages that show medical words write an audit row per page view, as the app's
own pages do (``clinic.audit``)."""

from operator import attrgetter

from .audit import audit_record


class MedicalReadAuditAdmin:
    """Mix into a ModelAdmin whose list or change page shows medical answers, flags, reaction
    notes, check-in comments or clinical messages.

    - ``audit_subject``: the dotted path from an object to the client it is about.
    - ``audit_list``: whether the list page shows such words (else only the change page does).
    - ``shows_medical_words(obj)``: for a change page, whether this object's page does.
    """

    audit_subject = "client"
    audit_list = True

    def shows_medical_words(self, obj) -> bool:
        return True

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if self.audit_list and changelist is not None and response.status_code == 200:
            shown = [obj.pk for obj in changelist.result_list]
            if shown:
                audit_record(
                    actor=request.user,
                    action="admin.medical_list_viewed",
                    target=request.user,
                    request=request,
                    details={"model": self.model._meta.label_lower, "ids": shown},
                )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if shown is not None and response.status_code == 200 and self.shows_medical_words(shown):
            audit_record(
                actor=request.user,
                action="admin.medical_record_viewed",
                target=shown,
                request=request,
                subject=attrgetter(self.audit_subject)(shown),
            )
        return response
