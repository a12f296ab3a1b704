#!/usr/bin/env bash
# First start of the compose PostgreSQL: the application role owns its database but is neither superuser nor
# BYPASSRLS (Tradeport refuses to run in production otherwise: row-level security would mean nothing).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_password="$TRADEPORT_DB_PASSWORD" <<'SQL'
CREATE ROLE tradeport LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB PASSWORD :'app_password';
CREATE DATABASE tradeport OWNER tradeport;
SQL
