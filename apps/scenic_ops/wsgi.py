import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scenic_ops.settings")
application = get_wsgi_application()

# Hot API paths registered with core.lean skip the middleware stack; all else is unchanged.
from scenic_ops.core.lean import LeanWSGI  # noqa: E402

application = LeanWSGI(application)
