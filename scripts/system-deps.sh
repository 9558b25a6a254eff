#!/usr/bin/env bash
# Installs what the tests need from the system, when it is missing:
#   - Chromium (Debian's package) for the browser tests, and CJK fonts so Chinese renders in
#     pages, charts and PDF reports;
#   - the PostgreSQL server binaries (initdb, pg_ctl) for the PostgreSQL run.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi 'cjk' || missing+=(fonts-noto-cjk)
# A TrueType CJK font: the PDF reports embed it (reportlab cannot embed Noto's CFF outlines).
fc-list 2>/dev/null | grep -qi 'wqy' || missing+=(fonts-wqy-zenhei)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "error: need root (or sudo) to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
