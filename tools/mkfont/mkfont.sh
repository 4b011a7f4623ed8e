#!/usr/bin/env bash
# mkfont makes minutes/font/: the Devanagari font minutes.html carries, so
# that Hindi renders on a machine without a Devanagari font, offline.
#
# Noto Sans Devanagari (Regular and Bold) from Debian's fonts-noto-core,
# subset to Devanagari, Devanagari Extended, Vedic Extensions, the joiners,
# the dotted circle and the rupee sign, with every layout feature kept (the
# conjuncts and matras are GSUB/GPOS rules), hinting dropped, as WOFF2;
# and its licence (OFL 1.1, from the package's copyright file) beside it.
# Needs root for apt-get; run from the module root:
#
#	bash tools/mkfont/mkfont.sh
#
# Needed only here, never to build or run samvad.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=minutes/font
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need=()
/usr/bin/python3 -c 'import fontTools' 2>/dev/null || need+=(python3-fonttools)
/usr/bin/python3 -c 'import brotli' 2>/dev/null || need+=(python3-brotli)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
fi
(cd "$work" && apt-get download fonts-noto-core)
dpkg-deb -x "$work"/fonts-noto-core_*.deb "$work/x"
version=$(dpkg-deb -f "$work"/fonts-noto-core_*.deb Version)

unicodes='U+0900-097F,U+1CD0-1CFF,U+200B-200D,U+25CC,U+A8E0-A8FF,U+20B9'
for weight in Regular Bold; do
  /usr/bin/python3 -m fontTools.subset "$work/x/usr/share/fonts/truetype/noto/NotoSansDevanagari-$weight.ttf" \
    --unicodes="$unicodes" --layout-features='*' --no-hinting --name-IDs='*' --name-languages='*' \
    --flavor=woff2 --output-file="$out/NotoSansDevanagari-$weight.woff2"
done

# The licence: the OFL 1.1 text of the package's copyright file, as
# written there (a line " ." is a blank line).
copyright="$work/x/usr/share/doc/fonts-noto-core/copyright"
{
  echo "NotoSansDevanagari-Regular.woff2 and NotoSansDevanagari-Bold.woff2 are"
  echo "Noto Sans Devanagari from Debian's fonts-noto-core $version, subset by"
  echo "tools/mkfont/mkfont.sh to the Devanagari characters."
  echo
  sed -n '/^Files: \*$/,/^$/p' "$copyright" | sed -n '/^Copyright:/,/^License:/p'
  echo
  awk 'n && /^[^ ]/ {exit} n {print} /^License: OFL-1.1$/ && prev == "" {n = 1} {prev = $0}' "$copyright" |
    sed 's/^ \.$//; s/^ //'
} >"$out/OFL.txt"
ls -l "$out"
