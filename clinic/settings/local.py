"""`make run`: a laptop or a demo machine. No services needed."""

from .base import *  # noqa: F403
from .base import env

# Off unless asked for: with DEBUG on, a 404 lists every URL pattern of the site and a 500 shows
# settings and local variables to whoever opened the page. The error pages are the site's own.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Static files straight from static/ (no collectstatic) with DEBUG off too, through whitenoise.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
