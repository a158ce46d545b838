# syntax=docker/dockerfile:1
# khabar's worker image (also runs Flower and the CLI): python:3.11-slim, CPU-only
# torch, an unprivileged user.
#
#   docker build -t khabar .                                   # CRF entity recogniser
#   docker build --build-arg INSTALL_CAMEL_NER=1 -t khabar .   # + CAMeL Tools' AraBERT NER model
#
# docker-compose.yml builds it for its worker and flower services.

# --- build: a virtualenv with khabar and its dependencies -----------------------------
FROM python:3.11-slim AS build
# Compilers, for dependencies that may have no wheel for the platform (camel-kenlm,
# python-crfsuite); they stay in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake zlib1g-dev libbz2-dev liblzma-dev \
 && rm -rf /var/lib/apt/lists/*
ENV VIRTUAL_ENV=/opt/khabar PATH=/opt/khabar/bin:$PATH \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# torch comes from the CPU index: constraints.txt pins torch==2.13.0, which on PyPI
# is the multi-GB CUDA build.
ARG PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN python -m venv $VIRTUAL_ENV && pip install --upgrade pip
WORKDIR /src
# The dependencies first, in their own layer: a code change does not reinstall torch.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > requirements.txt \
 && pip install -c constraints.txt --extra-index-url "$PIP_EXTRA_INDEX_URL" -r requirements.txt
COPY README.md ./
COPY config ./config
COPY tasks ./tasks
COPY worker ./worker
RUN pip install -c constraints.txt --extra-index-url "$PIP_EXTRA_INDEX_URL" .

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
