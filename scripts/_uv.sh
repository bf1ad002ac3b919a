# Sourced by the scripts in this folder: find uv, installing it from the package index if missing,
# then install the locked environment. Sets $UV.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if command -v uv >/dev/null 2>&1; then
  UV=uv
elif python3 -m uv --version >/dev/null 2>&1; then
  UV="python3 -m uv"
else
  echo "rolindex: uv not found; installing it with pip (user site)" >&2
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
  UV="python3 -m uv"
fi
$UV sync --locked --quiet
