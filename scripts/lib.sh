# Shared by scripts/demo and scripts/test: a virtual environment in .venv with sambang installed.
# Debian's python3 lacks venv until python3-venv is installed; install it when we are allowed to.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@"
}

ensure_venv() {
  local extras="$1"
  if [ ! -x .venv/bin/python ]; then
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
      apt_install python3-venv
    fi
    python3 -m venv .venv
  fi
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
}
