#!/usr/bin/env bash
# Installs the built project into a temporary prefix and builds and runs a
# small consumer against it twice: once with CMake (find_package(CreditLedger)
# and credit_ledger::ledger) and once without, compiled and linked with
# nothing but `pkg-config --cflags --libs credit-ledger`. Proof that both
# ways of linking the README gives work for a platform project.
#   check_install.sh BUILD_DIR SOURCE_DIR [CXX]
set -euo pipefail
build_dir=$1
source_dir=$2
cxx=${3:-c++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"

echo "== CMake consumer"
cmake -S "$source_dir/tests/install/consumer" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/build/consumer" "$work/db"

echo "== pkg-config consumer"
pc=$(find "$work/prefix" -name credit-ledger.pc)
if [ -z "$pc" ]; then
  echo "credit-ledger.pc was not installed under $work/prefix" >&2
  exit 1
fi
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
pkg-config --exists --print-errors credit-ledger
echo "credit-ledger $(pkg-config --modversion credit-ledger)"
# The include path must be the prefix's, wherever it was installed.
cflags=$(pkg-config --cflags-only-I credit-ledger)
include_dir=""
for flag in $cflags; do
  dir=$(realpath -m "${flag#-I}")
  if [ "$dir" = "$(realpath -m "$work/prefix/include")" ]; then include_dir=$dir; fi
done
if [ -z "$include_dir" ]; then
  echo "pkg-config --cflags does not name $work/prefix/include: $cflags" >&2
  exit 1
fi
# shellcheck disable=SC2046  # the flags are words
"$cxx" -std=c++20 -o "$work/consumer-pc" "$source_dir/tests/install/consumer/main.cc" \
  $(pkg-config --cflags --libs credit-ledger) 2> "$work/pc-build.log" || { cat "$work/pc-build.log"; exit 1; }
"$work/consumer-pc" "$work/db-pc"
