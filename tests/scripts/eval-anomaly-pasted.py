#!/usr/bin/python3
"""PatchCore against a trained LesionPaste flagger, on real lesions pasted
into held-out normal photographs.

The evaluation set is made by
  /usr/bin/python3 scripts/seg-models/make-lesionpaste-data.py SET --held-out --variants 4 --seed 1
(DRIVE 36-40 as they are, and four copies of each with lesions cut from
the IDRiD photographs that scripts/splits/idrid-lesions.csv holds out:
neither the normals nor the lesion sources were seen by the bank or the
flagger, and nothing is chosen on this set).

Each method gives every image a map and a score:
  - PatchCore: `fovea-cli explain --kind anomaly --bank BANK` (its score is
    the maximum of its smoothed map);
  - the flagger: `fovea-cli segment --model DIR`, a segmentation model
    trained on pasted lesions (scripts/train-seg-models.sh lesionpaste);
    its score is the maximum of its probability map, the same rule.
We report, per method,
  - pixel AUROC and pixel AP: all FOV pixels of the lesioned images,
    pasted-lesion pixels positive (AP because they are about 0.05 % of
    the pixels, where AUROC says little);
  - image AUROC: the clean images (negatives) against the lesioned ones.
Maps are read back from their 16-bit PNGs. Needs /usr/bin/python3 with
numpy and PIL (Debian's).

Example (the command whose numbers the README quotes):
  /usr/bin/python3 tests/scripts/eval-anomaly-pasted.py --cli build/app/fovea-cli \\
      --set build/lesionpaste/held-out --segmenter build/seg-models/lesionpaste
"""
import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")


def load_sibling(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"),
                                                  os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


auroc = load_sibling("eval-anomaly-lesionpaste").auroc


def average_precision(scores, labels):
    """Area under the precision-recall curve as the step sum over the
    positives (ties broken by order, which the 16-bit maps make rare)."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    hits = np.asarray(labels, dtype=bool)[order]
    if not hits.any():
        return float("nan")
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), done.stdout, done.stderr))
    return done.stdout


def read_map(path):
    return np.asarray(Image.open(path)).astype(np.float64) / 65535.0


def patchcore_maps(args, stems, work):
    """{stem: (map, score)} and the seconds per image."""
    out, seconds = {}, []
    for stem in stems:
        path = os.path.join(work, stem + "-patchcore.png")
        start = time.monotonic()
        result = json.loads(run([args.cli, "explain", "--kind", "anomaly", "--model",
                                 args.backbone, "--bank", args.bank, "--force",
                                 os.path.join(args.set, "images", stem + ".png"),
                                 "--out", path, "--json"]))
        seconds.append(time.monotonic() - start)
        out[stem] = (read_map(path), float(result["score"]))
    return out, float(np.mean(seconds))


def flagger_maps(args, stems, fovs, work):
    """The same for the segmentation flagger, all images in one call."""
    start = time.monotonic()
    run([args.cli, "segment", "--model", args.segmenter, "--out-dir", work, "--force"]
        + [os.path.join(args.set, "images", stem + ".png") for stem in stems])
    seconds = (time.monotonic() - start) / len(stems)
    out = {}
    for stem in stems:
        heat = read_map(os.path.join(work, "%s-%s.png" % (stem, args.label)))
        out[stem] = (heat, float(heat[fovs[stem]].max()))
    return out, seconds


def score(maps, stems, fovs, lesions):
    pixel_scores, pixel_labels, image_scores, image_labels = [], [], [], []
    for stem in stems:
        heat, image_score = maps[stem]
        assert heat.shape == fovs[stem].shape, (stem, heat.shape, fovs[stem].shape)
        image_scores.append(image_score)
        image_labels.append(lesions[stem] is not None)
        if lesions[stem] is not None:
            pixel_scores.append(heat[fovs[stem]])
            pixel_labels.append(lesions[stem][fovs[stem]])
    pixel_scores = np.concatenate(pixel_scores)
    pixel_labels = np.concatenate(pixel_labels)
    return {"pixel_auroc": round(auroc(pixel_scores, pixel_labels), 4),
            "pixel_ap": round(average_precision(pixel_scores, pixel_labels), 4),
            "image_auroc": round(auroc(image_scores, image_labels), 4)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cli", required=True, help="path to fovea-cli")
    p.add_argument("--set", required=True, help="the folder make-lesionpaste-data.py --held-out wrote")
    p.add_argument("--backbone", default=os.path.join(ROOT, "resources/models/mobilenetv2-imagenet"),
                   help="PatchCore's backbone folder")
    p.add_argument("--bank", default=os.path.join(ROOT, "resources/models/anomaly/fundus-drive.safetensors"),
                   help="PatchCore bank")
    p.add_argument("--segmenter", help="LesionPaste flagger (a segmentation model folder)")
    p.add_argument("--label", default="lesion", help="the flagger's label")
    p.add_argument("--work", help="folder for the maps (default: temporary)")
    args = p.parse_args()

    if not os.path.isdir(os.path.join(args.set, "images")):
        print("SKIP: no evaluation set at %s" % args.set)
        return 0
    with open(os.path.join(args.set, "split.csv")) as f:
        stems = [os.path.splitext(row["file"])[0] for row in csv.DictReader(f)]
    fovs, lesions = {}, {}
    for stem in stems:
        fovs[stem] = np.asarray(Image.open(os.path.join(args.set, "fov", stem + ".png"))) > 0
        mask = os.path.join(args.set, "masks", args.label, stem + ".png")
        # A copy where no lesion fitted is neither clean nor lesioned: left out.
        lesions[stem] = np.asarray(Image.open(mask)) > 0 if os.path.exists(mask) else None
    kept = [s for s in stems if lesions[s] is not None or s.endswith("-clean")]
    work = args.work or tempfile.mkdtemp(prefix="fovea-pasted-")
    os.makedirs(work, exist_ok=True)

    report = {"set": args.set, "images": len(kept),
              "clean": sum(lesions[s] is None for s in kept),
              "lesion_pixels": int(sum(lesions[s].sum() for s in kept if lesions[s] is not None))}
    maps, seconds = patchcore_maps(args, kept, work)
    report["patchcore"] = dict(score(maps, kept, fovs, lesions), bank=args.bank,
                               s_per_image=round(seconds, 3))
    if args.segmenter:
        maps, seconds = flagger_maps(args, kept, fovs, work)
        report["lesionpaste"] = dict(score(maps, kept, fovs, lesions), model=args.segmenter,
                                     s_per_image=round(seconds, 3))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
