#!/bin/sh
# bench-open.sh: opening a 12-megapixel fundus photograph, whole process,
# against libjpeg-turbo's own djpeg decoding the same file: `fovea-cli
# inspect` (decode, field of view, quality scores), and `fovea-cli infer`
# of the bundled DR grader (decode, preprocessing and the model). ROUNDS
# interleaved rounds, so that drift in the machine's load hits each alike;
# prints the median wall seconds of each and the ratios.
#
#   ./scripts/bench-open.sh [ROUNDS]
#
# Needs build/ (meson compile), djpeg (Debian's libjpeg-turbo-progs), GNU
# time and python3-pil, which draws a synthetic 4000 × 3000 fundus-like
# photograph (quality 92), so that no data set is needed.
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-7}
work=${BENCH_DIR:-build/bench-open}
cli=build/app/fovea-cli
mkdir -p "$work"
photo="$work/fundus-12mp.jpg"
if [ ! -f "$photo" ]; then
  /usr/bin/python3 - "$photo" <<'EOF'
import sys
from PIL import Image, ImageDraw, ImageFilter
w, h = 4000, 3000
im = Image.new("RGB", (w, h), (0, 0, 0))
d = ImageDraw.Draw(im)
d.ellipse((w / 2 - 1400, h / 2 - 1400, w / 2 + 1400, h / 2 + 1400), fill=(190, 80, 40))
for k in range(40):
    x = w / 2 - 1200 + 60 * k
    d.line((x, h / 2 - 1200, x + 300, h / 2 + 1200), fill=(120, 30, 20), width=6)
im = im.filter(ImageFilter.GaussianBlur(2))
im.save(sys.argv[1], quality=92)
EOF
fi

wall () {
  /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -n 1
}

export FOVEA_MODELS_DIR="$PWD/resources/models"
: > "$work/times.txt"
for round in $(seq 1 "$rounds"); do
  echo "djpeg $(wall djpeg -outfile /dev/null "$photo")" >> "$work/times.txt"
  echo "inspect $(wall "$cli" inspect --json "$photo")" >> "$work/times.txt"
  echo "infer $(wall "$cli" infer --task dr-grading --json "$photo")" >> "$work/times.txt"
done

/usr/bin/python3 - "$work/times.txt" "$rounds" <<'EOF'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    name, value = line.split()
    times.setdefault(name, []).append(float(value))
med = {k: statistics.median(v) for k, v in times.items()}
print(f"12 MP JPEG (4000 x 3000), {sys.argv[2]} interleaved rounds, median wall seconds:")
for k in ("djpeg", "inspect", "infer"):
    print(f"  {k:8s} {med[k]:.3f} s  ({med[k] / med['djpeg']:.2f} x djpeg)")
EOF
