#!/bin/sh
# prepare-data.sh: the segmentation training layouts (README, "Training a
# segmentation model") for DRIVE and IDRiD's lesion masks, made of
# symbolic links into the data folder: nothing is copied.
#
#   scripts/seg-models/prepare-data.sh OUT [DATA]
#
# DATA defaults to ../shared/data beside the repository. Writes
#   OUT/drive/images/21.tif           -> drive/training/images/21_training.tif
#   OUT/drive/masks/vessels/21.gif    -> drive/training/1st_manual/21_manual1.gif
#   OUT/drive/fov/21.gif              -> drive/training/mask/21_training_mask.gif
#   OUT/idrid/images/IDRiD_01.jpg     -> idrid-lesions/images/IDRiD_01.jpg
#   OUT/idrid/masks/LABEL/IDRiD_01.png -> idrid-lesions/LABEL/IDRiD_01.png
# for LABEL in optic_disc microaneurysms haemorrhages hard_exudates
# soft_exudates (some photographs have no mask of a label: none is made).
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 OUT [DATA]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$1
data=$(cd "${2:-$here/../../../shared/data}" && pwd)

drive=$data/drive/training
[ -d "$drive/images" ] || { echo "$0: no $drive/images" >&2; exit 1; }
mkdir -p "$out/drive/images" "$out/drive/masks/vessels" "$out/drive/fov"
for image in "$drive"/images/*_training.tif; do
  stem=$(basename "$image" _training.tif)
  ln -sfn "$image" "$out/drive/images/$stem.tif"
  ln -sfn "$drive/1st_manual/${stem}_manual1.gif" "$out/drive/masks/vessels/$stem.gif"
  ln -sfn "$drive/mask/${stem}_training_mask.gif" "$out/drive/fov/$stem.gif"
done

idrid=$data/idrid-lesions
[ -d "$idrid/images" ] || { echo "$0: no $idrid/images" >&2; exit 1; }
mkdir -p "$out/idrid/images"
for image in "$idrid"/images/*.jpg; do
  ln -sfn "$image" "$out/idrid/images/$(basename "$image")"
done
for label in optic_disc microaneurysms haemorrhages hard_exudates soft_exudates; do
  mkdir -p "$out/idrid/masks/$label"
  for mask in "$idrid/$label"/*.png; do
    ln -sfn "$mask" "$out/idrid/masks/$label/$(basename "$mask")"
  done
done
echo "$0: wrote $out/drive ($(ls "$out/drive/images" | wc -l) images) and $out/idrid ($(ls "$out/idrid/images" | wc -l) images)"
