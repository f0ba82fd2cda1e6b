"""Pages that show medical words: no browser cache, proxy or shared cache keeps a copy (as the
signed consent and aftercare PDFs are sent)."""

from django.views.decorators.cache import cache_control

#: Decorate a view whose page shows medical answers, flags, notes, check-in comments or
#: clinical messages: ``Cache-Control: private, no-store``.
medical_page = cache_control(private=True, no_store=True)
