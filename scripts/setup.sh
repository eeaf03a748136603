# Sourced by scripts/app and scripts/test: make a fresh machine ready (idempotent, quiet when done).
# Creates .venv, installs costmodel with its dev extras, and (as root) Debian's chromium for the
# browser tests. Never runs `playwright install` (browser downloads fail on the project machines).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.costmodel-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  touch "$stamp"
fi
# The tests also drive a real browser (Debian's chromium) and recalculate the Excel export in a real
# spreadsheet engine (LibreOffice Calc).
if [ "${COSTMODEL_NEED_CHROMIUM:-0}" = 1 ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "note: ${missing[*]} not installed and this is not root: browser/spreadsheet tests will fail" >&2
    fi
  fi
fi
