# e-SPM production image: gunicorn + whitenoise (web), the same image runs Celery worker and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    STATIC_MANIFEST=1 \
    PRIVATE_ROOT=/data/private

# WeasyPrint (PDF documents) needs Pango and a font; nothing else is compiled here.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Install from the same lock file as `make run` / `make test`, so every machine gets the same versions.
COPY requirements/base.lock requirements/base.lock
RUN pip install --no-cache-dir uv==0.13.8 \
    && uv pip install --system --no-cache -r requirements/base.lock

COPY . .
# Hashed, compressed static files for whitenoise; the settings need no database for this.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v0 \
    && useradd --create-home --uid 1000 espm \
    && mkdir -p /data/private \
    && chown -R espm:espm /data /app/staticfiles

USER espm
EXPOSE 8000
CMD ["gunicorn", "espm.wsgi", "-b", "0.0.0.0:8000", "-w", "3", "--access-logfile", "-"]
