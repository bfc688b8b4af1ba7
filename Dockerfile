# syntax=docker/dockerfile:1.7
#
# Argus Flink job image: the official Flink 2.0.2 image (Java 17) plus Python 3.11, PyFlink
# and the suite's locked dependencies, the connector jars, the code and the model files.
# One image runs every job; each FlinkDeployment picks its module (-pym jobs.<name>).
#
#   docker build -t registry.example.com/argus/argus-flink:0.1.0 .
#
# Pinned by version. To pin the base by digest as well, resolve it once and pass it in:
#   docker buildx imagetools inspect flink:2.0.2-java17      # prints the index digest
#   docker build --build-arg FLINK_IMAGE=flink:2.0.2-java17@sha256:<digest> ...
# Built and tested for linux/amd64 (requirements.lock is resolved for that platform).
# Full notes: docs/DEPLOY.md, "The job image".

ARG FLINK_IMAGE=flink:2.0.2-java17
# uv installs a pinned CPython (python-build-standalone) and checks its sha256. A build of
# our own is needed: flink:2.0.2-java17 is Ubuntu 22.04 (eclipse-temurin:17-jre-jammy),
# whose Python is 3.10, and python:3.11-slim is Debian 12: its interpreter, linked against
# a newer glibc and Debian's libraries, cannot simply be copied across.
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
ARG PYTHON_VERSION=3.11.18

FROM ${UV_IMAGE} AS uv

# --- Stage 1: Python 3.11 and the locked dependencies, on the runtime image's own OS.
FROM ${FLINK_IMAGE} AS python
ARG PYTHON_VERSION
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PYTHON_INSTALL_DIR=/opt/python \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
RUN uv python install "${PYTHON_VERSION}" \
 && uv venv --python "${PYTHON_VERSION}" /opt/venv
# requirements.lock pins every package with hashes (apache-flink==2.0.2 among them); sync
# installs exactly that set and verifies each hash.
COPY requirements.lock /tmp/requirements.lock
RUN uv pip sync --python /opt/venv/bin/python /tmp/requirements.lock \
 && /opt/venv/bin/python -c "import importlib.metadata as m; v = m.version('apache-flink'); assert v == '2.0.2', v"

# --- Stage 2: connector jars and model files, checked against argus_flink/artifacts.toml.
FROM python AS artifacts
# pip only here: the installer downloads wheels with `pip download`; the runtime venv
# comes from the stage above and never contains it.
RUN uv pip install --python /opt/venv/bin/python pip
COPY argus_flink /src/argus_flink
RUN cd /src && /opt/venv/bin/python -m argus_flink.k8s.image_artifacts /artifacts

# --- Runtime image.
FROM ${FLINK_IMAGE}
# Everything added here is owned by root and read-only for the flink user (uid 9999), so a
# job cannot modify its own code, interpreter or jars; pods also mount / read-only.
COPY --from=python /opt/python /opt/python
COPY --from=python /opt/venv /opt/venv
# Connectors next to Flink's own jars: the same layout as the local Flink home.
COPY --from=artifacts /artifacts/connectors/ /opt/flink/lib/
# Model files where the suite's settings look for them (ARGUS_TOOLS/models/...).
COPY --from=artifacts /artifacts/models/ /opt/argus/tools/models/
# The code, with the SQL and flink-conf files it reads relative to the project root,
# which is /opt/flink/usrlib here. Precompiled, since the root filesystem is read-only.
COPY argus_flink /opt/flink/usrlib/argus_flink
COPY jobs /opt/flink/usrlib/jobs
COPY udfs /opt/flink/usrlib/udfs
COPY sql /opt/flink/usrlib/sql
COPY flink-conf /opt/flink/usrlib/flink-conf
RUN /opt/venv/bin/python -m compileall -q /opt/flink/usrlib \
 && test -f /opt/flink/opt/flink-python-2.0.2.jar \
 && test -f /opt/flink/opt/flink-s3-fs-presto-2.0.2.jar \
 && ls /opt/flink/lib/flink-connector-kafka.jar /opt/flink/lib/postgresql.jar >/dev/null

# The official entrypoint links this plugin into /opt/flink/plugins at start: Presto's S3
# filesystem, the one Flink recommends for checkpoints (s3:// on R2). The FlinkDeployments
# mount an emptyDir at /opt/flink/plugins/flink-s3-fs-presto-2.0.2 for the link.
ENV ENABLE_BUILT_IN_PLUGINS=flink-s3-fs-presto-2.0.2.jar \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/opt/flink/usrlib \
    PYTHONDONTWRITEBYTECODE=1 \
    ARGUS_TOOLS=/opt/argus/tools \
    XDG_CACHE_HOME=/tmp/.cache

# The base image's non-root user (uid and gid 9999).
USER flink:flink
