#!/bin/sh
# bench-segment.sh: segmentation speed and memory, whole process, as a
# clinician meets them: `fovea-cli segment --task vessels` on a 2000 × 2000
# photograph and `--task lesions` on a 4288 × 2848 one (decode, field of
# view, the FOV square resized to the card's fov_diameter, tiled
# inference, maps written back at full size as 16-bit PNGs). Beside each,
# the baseline: PyTorch (fp32, the same threads) running the same network
# (tests/scripts/torch_seg.py, smp's Unet arithmetic) once on the
# model-scale input, untiled, network only. ROUNDS interleaved rounds;
# prints median wall seconds and Fovea's peak RSS.
#
#   ./scripts/bench-segment.sh [ROUNDS]
#
# Models: resources/models/vessels and resources/models/lesions, or
# VESSELS_MODEL=DIR / LESIONS_MODEL=DIR. Photographs: DRIVE training 21 and
# IDRiD 54 (../shared/data) resized to those sizes with PIL (JPEG 95), so
# the content is real and only the pixel count is chosen.
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-5}
threads=${BENCH_THREADS:-2}
data=${FOVEA_DATA_DIR:-../shared/data}
work=${BENCH_DIR:-build/bench-segment}
cli=build/app/fovea-cli
vessels=${VESSELS_MODEL:-resources/models/vessels}
lesions=${LESIONS_MODEL:-resources/models/lesions}
mkdir -p "$work"

# Until the lesion model is bundled, its timing stand-in: the vessels
# network (the same Unet; one output class instead of four) with the
# lesion card's fov_diameter, 1024, which is what sets the cost. Said in
# the output.
if [ ! -d "$lesions" ]; then
  rm -rf "$work/lesions-stand-in"
  cp -r "$vessels" "$work/lesions-stand-in"
  /usr/bin/python3 - "$work/lesions-stand-in/task_card.json" <<'EOF'
import json, sys
card = json.load(open(sys.argv[1]))
card["fov_diameter"] = 1024
json.dump(card, open(sys.argv[1], "w"), indent=2)
EOF
  lesions="$work/lesions-stand-in"
  echo "lesions: no model at ${LESIONS_MODEL:-resources/models/lesions}; timing the vessels" \
       "network at the lesion card's FOV diameter (1024) instead"
fi

/usr/bin/python3 - "$data" "$work" <<'EOF'
import os, sys
from PIL import Image
data, work = sys.argv[1], sys.argv[2]
for src, size, name in (
        (f"{data}/drive/training/images/21_training.tif", (2000, 2000), "vessels-2000.jpg"),
        (f"{data}/idrid-lesions/images/IDRiD_54.jpg", (4288, 2848), "lesions-4288.jpg")):
    out = os.path.join(work, name)
    if not os.path.exists(out):
        Image.open(src).convert("RGB").resize(size, Image.BICUBIC).save(out, quality=95)
EOF

# run NAME MODEL PHOTO: one fovea-cli segment, "NAME seconds peak-KiB".
run () {
  rm -rf "$work/out-$1"
  /usr/bin/time -f "$1 %e %M" -o "$work/time.txt" "$cli" segment --model "$2" \
    --threads "$threads" --out-dir "$work/out-$1" "$3" >/dev/null
  cat "$work/time.txt" >> "$work/times.txt"
}

# torch NAME MODEL: the same network on its fov_diameter square, "NAME seconds 0".
torch_run () {
  /usr/bin/python3 - "$2" "$threads" "$1" >> "$work/times.txt" <<'EOF'
import json, os, sys, time
sys.path.insert(0, "tests/scripts")
import torch
import torch_seg
model_dir, threads, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(threads)
network, _ = torch_seg.load_hub(model_dir, dtype=torch.float32)
with open(os.path.join(model_dir, "task_card.json")) as f:
    side = json.load(f)["fov_diameter"]
side = (side + 31) // 32 * 32
x = torch.rand(1, 3, side, side)
with torch.no_grad():
    start = time.perf_counter()
    network.probabilities(network(x))
    print(f"{name} {time.perf_counter() - start:.3f} 0")
EOF
}

: > "$work/times.txt"
for round in $(seq 1 "$rounds"); do
  run vessels "$vessels" "$work/vessels-2000.jpg"
  torch_run torch-vessels "$vessels"
  run lesions "$lesions" "$work/lesions-4288.jpg"
  torch_run torch-lesions "$lesions"
done

/usr/bin/python3 - "$work/times.txt" "$rounds" "$threads" <<'EOF'
import statistics, sys
times, rss = {}, {}
for line in open(sys.argv[1]):
    name, seconds, kib = line.split()
    times.setdefault(name, []).append(float(seconds))
    rss.setdefault(name, []).append(int(kib))
print(f"{sys.argv[2]} interleaved rounds, {sys.argv[3]} threads, median wall seconds:")
for name, what, target in (("vessels", "vessels, 2000 x 2000", 2.0),
                           ("lesions", "lesions, 4288 x 2848", 6.0)):
    t = statistics.median(times[name])
    tt = statistics.median(times["torch-" + name])
    print(f"  {what:22s} fovea-cli segment {t:6.2f} s (target {target:.0f} s), "
          f"peak RSS {max(rss[name]) / 1024:.0f} MB (target 600); "
          f"PyTorch fp32 network alone {tt:.2f} s")
EOF
