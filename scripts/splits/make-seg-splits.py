#!/usr/bin/python3
"""make-seg-splits.py: the one split of each segmentation data set into
train / val / held-out, with a fixed seed.

    scripts/splits/make-seg-splits.py [--data ../shared/data] [--check]

Writes scripts/splits/drive-vessels.csv (DRIVE training, 20 photographs:
14 train, 3 val, 3 held-out) and scripts/splits/idrid-lesions.csv (IDRiD
lesion segmentation, 54 photographs: 38 train, 8 val, 8 held-out,
stratified on whether the photograph has soft exudates, the rarest
lesion). File names are those of the layouts that
scripts/seg-models/prepare-data.sh builds (DRIVE's "21.tif",
IDRiD's "IDRiD_01.jpg"). `--check` recomputes and fails if a committed
file differs.

Rule, per stratum: sort its stems, shuffle with random.Random(SEED +
stratum index); the first k_held are held-out, the next k_val val, the
rest train, where the held-out and val counts of each stratum are its
share of the totals (rounded, the remainder to the larger stratum).
"""
import argparse
import os
import random
import sys

SEED = 20261207
HERE = os.path.dirname(os.path.abspath(__file__))


def assign(strata, n_held, n_val):
    total = sum(len(s) for s in strata)
    rows = []
    held_left, val_left = n_held, n_val
    order = sorted(range(len(strata)), key=lambda i: len(strata[i]))
    counts = {}
    for rank, i in enumerate(order):
        if rank == len(order) - 1:
            counts[i] = (held_left, val_left)
        else:
            h = round(n_held * len(strata[i]) / total)
            v = round(n_val * len(strata[i]) / total)
            counts[i] = (h, v)
            held_left -= h
            val_left -= v
    for i, stems in enumerate(strata):
        stems = sorted(stems)
        random.Random(SEED + i).shuffle(stems)
        h, v = counts[i]
        for k, stem in enumerate(stems):
            rows.append((stem, 'held-out' if k < h else 'val' if k < h + v else 'train'))
    return sorted(rows)


def drive(data):
    names = os.listdir(os.path.join(data, 'drive', 'training', 'images'))
    stems = [n.split('_')[0] for n in names if n.endswith('.tif')]
    return [(s + '.tif', split) for s, split in assign([stems], 3, 3)]


def idrid(data):
    root = os.path.join(data, 'idrid-lesions')
    stems = [n[:-4] for n in os.listdir(os.path.join(root, 'images')) if n.endswith('.jpg')]
    soft = {n[:-4] for n in os.listdir(os.path.join(root, 'soft_exudates'))}
    strata = [[s for s in stems if s not in soft], [s for s in stems if s in soft]]
    return [(s + '.jpg', split) for s, split in assign(strata, 8, 8)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', default=os.path.join(HERE, '..', '..', '..', 'shared', 'data'))
    parser.add_argument('--check', action='store_true')
    args = parser.parse_args()
    status = 0
    for name, rows in (('drive-vessels', drive(args.data)), ('idrid-lesions', idrid(args.data))):
        text = 'file,split\n' + ''.join('%s,%s\n' % row for row in rows)
        path = os.path.join(HERE, name + '.csv')
        if args.check:
            with open(path) as f:
                if f.read() != text:
                    print('%s differs from the seeded split' % path, file=sys.stderr)
                    status = 1
        else:
            with open(path, 'w') as f:
                f.write(text)
    return status


if __name__ == '__main__':
    sys.exit(main())
