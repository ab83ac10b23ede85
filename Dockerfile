# One image for the four services; the command picks the service:
#   hocvuso serve enrollment|grading|certs|stats, hocvuso topics, hocvuso seed
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hocvuso ./hocvuso
COPY services ./services
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --no-create-home hocvuso
USER 10001
EXPOSE 8001 8002 8003 8004
ENTRYPOINT ["hocvuso"]
CMD ["--help"]
