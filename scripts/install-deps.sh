#!/bin/sh
# install-deps.sh [build|test]: installs the Debian 12 packages Fovea needs,
# and only those that are missing, so running it again does nothing.
#   build: what building and running Fovea needs
#   test:  that, plus what the test suite needs (Xvfb, validators, clang
#          for the sanitizer and fuzzing build)
set -eu

build_packages="
  meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libglib2.0-bin libjson-glib-dev
  libopenblas-dev
  libgtk-4-dev libadwaita-1-dev libcairo2-dev libpango1.0-dev
  libpng-dev libjpeg62-turbo-dev libtiff-dev libgdk-pixbuf-2.0-dev libexif-dev
  libminizip-dev zlib1g-dev
  g++ libdcmtk-dev
  desktop-file-utils appstream
  fonts-dejavu-core fonts-noto-cjk
"
test_packages="
  xvfb xauth clang libclang-rt-14-dev
  poppler-utils
  dcmtk python3-pydicom
"

want=$build_packages
if [ "${1:-build}" = test ]; then
  want="$build_packages $test_packages"
fi

missing=""
for package in $want; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  case "$status" in
    "install ok installed") ;;
    *) missing="$missing $package" ;;
  esac
done

if [ -z "$missing" ]; then
  exit 0
fi

echo "Installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "error: need root (or sudo) to install:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing
