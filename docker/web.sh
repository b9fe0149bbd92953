#!/bin/sh
# The web container: bring the schema, the public model specs and the public price catalog
# up to date (both loads are idempotent), then serve with docker/gunicorn.conf.py.
set -eu
python manage.py migrate --noinput
python manage.py seed_public_models
python manage.py load_public_catalog
exec gunicorn portal.wsgi:application --config docker/gunicorn.conf.py
