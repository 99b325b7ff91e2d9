# Installs what Geo IOC needs on the machine: Debian packages, the .venv and the npm packages.
# Every function is fast when there is nothing to do, so `make run` can call them all every time.
# Sourced after lib.sh and postgres.sh.

# What GeoDjango, rasterio and pyogrio load at runtime, the browser of the browser tests, a font with
# Vietnamese glyphs for the server-rendered maps, and msgfmt for compilemessages. Debian 12 names.
# Test clients whose own pins would downgrade the project's packages (ogctests pins pyarrow<18, which
# changes what the imports read): installed without dependencies; what they import is in the test extra.
UNPINNED_TEST_PACKAGES=("ogctests==0.1.15")
# libpango* and libharfbuzz-subset0: WeasyPrint (analysis reports and printed maps as PDF).
# poppler-utils: pdftoppm and pdftotext, with which the tests look at the printed pages.
RUNTIME_PACKAGES=(gdal-bin libgdal32 libgeos-c1v5 libproj25 proj-data chromium fonts-noto-core gettext
                  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils)

# Prints the packages of "$@" that dpkg does not list as installed (one per line).
missing_packages() {
    local installed
    # One dpkg-query call for all names: it prints the known ones and errors on the unknown ones.
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null | awk '/ install ok installed$/ {print $1}' || true)
    local pkg
    for pkg in "$@"; do
        grep -qxF "$pkg" <<<"$installed" || echo "$pkg"
    done
}

# Runs "$@" as root: directly, or through sudo (non-interactive when there is no terminal, as in CI).
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null; then
        if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
    else
        die "need root to run: $*  (install sudo or run this as root)"
    fi
}

# The PostgreSQL major the `postgresql` metapackage would install (15 on Debian 12). Needs apt lists.
default_pg_major() {
    apt-cache depends postgresql 2>/dev/null | sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1
}

# The Python the .venv is built from: python3.11, or python3 when that is 3.11.
find_python() {
    local py
    for py in python3.11 python3; do
        if command -v "$py" >/dev/null &&
            "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$py"
            return
        fi
    done
    return 1
}

venv_works() {
    [[ -x $VENV/bin/python ]] &&
        "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null
}

ensure_system_packages() {
    local wanted=("${RUNTIME_PACKAGES[@]}") missing major="" need_server=""
    if needs_private_postgres; then
        major=$(pg_major)
        if [[ -n $major ]]; then wanted+=("postgresql-$major-postgis-3"); else need_server=1; fi
    fi
    needs_private_redis && wanted+=(redis-server)
    local py
    if ! py=$(find_python); then
        wanted+=(python3.11 python3.11-venv)
    elif ! venv_works && ! "$py" -c 'import ensurepip' 2>/dev/null; then
        # Debian splits `venv`'s pip bootstrap out of the interpreter package.
        wanted+=(python3.11-venv)
    fi
    command -v npm >/dev/null || wanted+=(nodejs npm)

    mapfile -t missing < <(missing_packages "${wanted[@]}")
    if ((${#missing[@]} == 0)) && [[ -z $need_server ]]; then
        note "all present"
        return
    fi
    as_root apt-get update
    if [[ -n $need_server ]]; then
        major=$(default_pg_major)
        [[ -n $major ]] || die "apt knows no postgresql package"
        missing+=(postgresql "postgresql-$major" "postgresql-$major-postgis-3")
    fi
    # No recommends: everything we rely on is named above, and recommends would pull in a desktop.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    note "installed ${missing[*]}"
}

ensure_venv() {
    if venv_works; then
        note "exists"
        return
    fi
    if [[ -x $VENV/bin/python ]] && "$VENV/bin/python" -c '' 2>/dev/null; then
        # A working venv of another Python is somebody's choice: do not delete it behind their back.
        die "$VENV is not Python 3.11; remove it and run make again"
    fi
    local py
    py=$(find_python) || die "python3.11 not found"
    # A venv whose interpreter vanished (e.g. a removed pyenv version) cannot be repaired in place.
    rm -rf "$VENV"
    "$py" -m venv "$VENV"
    # A new venv holds no packages, whatever the stamps say.
    rm -f "$STAMP_DIR"/pip-*
    note "created from $py"
}

# pip install -e '.[$1]', only when pyproject.toml changed since the last successful install.
ensure_python_packages() {
    local extra=$1 stamp=$STAMP_DIR/pip-$1 want
    want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
    if [[ $(first_line "$stamp" || true) == "$want" ]]; then
        note "up to date"
        return
    fi
    (cd "$ROOT" && "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
        --progress-bar off -e ".[$extra]")
    if [[ $extra == test || $extra == dev ]]; then
        "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off \
            --no-deps "${UNPINNED_TEST_PACKAGES[@]}"
    fi
    echo "$want" >"$stamp"
}

# npm ci, only when package-lock.json changed since the last successful install.
ensure_node_packages() {
    local stamp=$STAMP_DIR/npm want
    if [[ ! -f package-lock.json ]]; then
        npm install --no-audit --no-fund
        sha256sum package-lock.json | cut -d' ' -f1 >"$stamp"
        note "package-lock.json created"
        return
    fi
    want=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [[ -d node_modules && $(first_line "$stamp" || true) == "$want" ]]; then
        note "up to date"
        return
    fi
    npm ci --no-audit --no-fund
    echo "$want" >"$stamp"
}

# The set-up every target shares: packages, interpreter, Python and npm packages.
install_dependencies() {
    local extra=${1:-test}
    step "Checking Debian packages" ensure_system_packages
    step "Checking .venv (Python 3.11)" ensure_venv
    step "Installing Python packages (.[$extra])" ensure_python_packages "$extra"
    step "Installing npm packages" ensure_node_packages
}
