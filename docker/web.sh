#!/bin/sh
# The web container: bring the schema and the public model specs up to date, then serve.
set -eu
python manage.py migrate --noinput
python manage.py seed_public_models
exec gunicorn portal.wsgi:application \
    --bind 0.0.0.0:8000 \
    --workers "${GUNICORN_WORKERS:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-60}" \
    --access-logfile -
