import os

from django.core.wsgi import get_wsgi_application

from oms.core.gc_tuning import gc_tune_for_serving

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
application = get_wsgi_application()
gc_tune_for_serving()  # in each gunicorn worker: it loads this module after the fork
