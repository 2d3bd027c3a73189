#!/bin/sh
# Install what the PDF route needs and pip cannot: a headless Chromium (Debian package
# `chromium`). Nothing is downloaded at report time. Skips when a browser is already there
# (or ONEPLAN_CHROMIUM points at one). Needs root or password-less sudo to install.
set -eu
for b in "${ONEPLAN_CHROMIUM:-}" chromium chromium-browser google-chrome google-chrome-stable; do
  [ -n "$b" ] && command -v "$b" >/dev/null 2>&1 && { echo "browser for PDFs: $(command -v "$b")"; exit 0; }
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "WARNING: no Chromium found and no apt-get: install Chromium or Chrome, or set ONEPLAN_CHROMIUM, to get PDF reports" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "WARNING: Chromium is missing; run: sudo apt-get install chromium   (needed for PDF reports)" >&2
    exit 0
  fi
fi
echo "installing Chromium (Debian package chromium) for PDF reports..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium
