# syntax=docker/dockerfile:1
# khabar's worker image (also runs Flower and the CLI): python:3.11-slim, an unprivileged user,
# every dependency from the lock files in requirements/ (exact versions, hashes checked).
#
#   docker build -t khabar .                                   # CRF entity recogniser (no torch)
#   docker build --build-arg INSTALL_CAMEL_NER=1 -t khabar .   # + torch (CPU), transformers and
#                                                              #   CAMeL Tools' AraBERT NER model
#
# docker-compose.yml builds it for its worker and flower services.

# --- build: a virtualenv with khabar and its dependencies -----------------------------
FROM python:3.11-slim AS build
# Compilers, for dependencies that may have no wheel for the platform (python-crfsuite,
# camel-kenlm); they stay in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake zlib1g-dev libbz2-dev liblzma-dev \
 && rm -rf /var/lib/apt/lists/*
ENV VIRTUAL_ENV=/opt/khabar PATH=/opt/khabar/bin:$PATH \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
ARG INSTALL_CAMEL_NER=0
RUN python -m venv $VIRTUAL_ENV
WORKDIR /src
# The dependencies first, in their own layer: a code change does not reinstall them.
# crf.txt: camel-tools without torch and transformers. runtime.txt: everything, torch's CPU
# build from the CPU index in a pip call of its own, so that index serves torch alone.
COPY requirements/crf.txt requirements/runtime.txt requirements/torch-cpu.txt requirements/
RUN if [ "$INSTALL_CAMEL_NER" = "1" ]; then \
      pip install --no-deps --require-hashes --index-url https://download.pytorch.org/whl/cpu \
        -r requirements/torch-cpu.txt \
      && pip install --no-deps --require-hashes -r requirements/runtime.txt; \
    else \
      pip install --no-deps --require-hashes -r requirements/crf.txt; \
    fi
COPY pyproject.toml README.md ./
COPY config ./config
COPY tasks ./tasks
COPY worker ./worker
RUN pip wheel --no-deps -w /tmp/dist . && pip install --no-deps /tmp/dist/khabar-*.whl

# --- runtime ------------------------------------------------------------------------
FROM python:3.11-slim
ARG INSTALL_CAMEL_NER=0
ENV VIRTUAL_ENV=/opt/khabar PATH=/opt/khabar/bin:$PATH \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    CAMELTOOLS_DATA=/opt/camel_tools \
    KHABAR_DATA_DIR=/var/lib/khabar
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin khabar \
 && mkdir -p /opt/camel_tools /var/lib/khabar \
 && chown khabar:khabar /opt/camel_tools /var/lib/khabar
COPY --from=build /opt/khabar /opt/khabar
USER khabar
WORKDIR /home/khabar
# KHABAR_NER_BACKEND=bert needs this model; it is fetched at build time, never by a worker.
RUN if [ "$INSTALL_CAMEL_NER" = "1" ]; then camel_data -i ner-arabert; fi
CMD ["khabar", "worker"]
