# SPDX-License-Identifier: MIT
# PostgreSQL 15 for Tandem, from Debian's own package on the same base as
# the tandem image (no other registry is needed). The cluster is created on
# first start by db-entrypoint.sh, in the volume at $PGDATA.
#   docker build -f docker/db.Dockerfile -t tandem-postgres:local docker

FROM debian:bookworm-slim
ARG PG_MAJOR=15
ENV DEBIAN_FRONTEND=noninteractive
# uid 999, as in the common postgres images, so that a volume's owner means
# the same in every rebuild. The package would otherwise create a cluster
# in the image; ours lives in the volume.
RUN groupadd --system --gid 999 postgres \
	&& useradd --system --uid 999 --gid postgres \
		--home-dir /var/lib/postgresql --shell /bin/bash postgres \
	&& mkdir -p /etc/postgresql-common/createcluster.d \
	&& echo 'create_main_cluster = false' \
		>/etc/postgresql-common/createcluster.d/tandem.conf \
	&& apt-get update \
	&& apt-get install -y --no-install-recommends \
		"postgresql-$PG_MAJOR" \
	&& rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:$PATH \
	PGDATA=/var/lib/postgresql/data
RUN install -d -o postgres -g postgres -m 0700 "$PGDATA" \
	&& install -d -o postgres -g postgres -m 2775 /run/postgresql
COPY db-entrypoint.sh /usr/local/bin/tandem-db-entrypoint
USER postgres
VOLUME /var/lib/postgresql/data
EXPOSE 5432
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=5 \
	CMD ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]
# postgres's own smart-shutdown signal.
STOPSIGNAL SIGINT
ENTRYPOINT ["tandem-db-entrypoint"]
