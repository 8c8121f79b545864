# budgetwatch: the service image (`budgetwatch serve`), used by docker-compose.yml.
FROM python:3.11-slim

# LibreOffice converts old .doc files; the rest is pure Python wheels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libreoffice-writer-nogui \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY budgetwatch ./budgetwatch
COPY crawler ./crawler
COPY extract ./extract
COPY storage ./storage
COPY monitor ./monitor
COPY alerts ./alerts
COPY scheduler ./scheduler
RUN pip install --no-cache-dir .

# The crawler's files and the config are mounted here by docker-compose.yml.
RUN useradd --create-home budgetwatch && mkdir -p /data/files && chown -R budgetwatch /data
USER budgetwatch
ENV BUDGETWATCH_CONFIG=/etc/budgetwatch/budgetwatch.yaml
ENTRYPOINT ["budgetwatch"]
CMD ["serve"]
