#!/usr/bin/python3
"""make-splits.py: the one split of each training data set into train /
val / test (held out), stratified by class, with a fixed seed.

    scripts/splits/make-splits.py [--data ../shared/data] [--check]

Writes scripts/splits/idrid-grading.csv (stratified by ICDR grade) and
scripts/splits/ham10000.csv (stratified by diagnosis): `file,split`, one
row per image of the data set's labels.csv, in its order. The split is
made once and committed; `--check` recomputes it and fails if a committed
file differs, so the recorded split is provably the seeded one.

Rule, per class: sort the class's files by name, shuffle them with
random.Random(SEED + class index), then the first round(0.15 n) are
`test`, the next round(0.15 n) are `val`, the rest `train`. Epochs,
thresholds and recipes are chosen on `val`; `test` is scored once, at the
end, for the cards and the README (DESIGN.md, "Honesty and evaluation
discipline").
"""
import argparse
import csv
import os
import random
import sys

SEED = 20261207
FRACTIONS = {'test': 0.15, 'val': 0.15}
HERE = os.path.dirname(os.path.abspath(__file__))
SETS = {
    # name: (folder under the data root, the column to stratify by)
    'idrid-grading': ('idrid-grading', 'dr_grade'),
    'ham10000': ('ham10000', 'dx'),
}


def split_rows(rows, column):
    by_class = {}
    for row in rows:
        by_class.setdefault(row[column], []).append(row['file'])
    split_of = {}
    for index, label in enumerate(sorted(by_class)):
        files = sorted(by_class[label])
        random.Random(SEED + index).shuffle(files)
        n_test = round(FRACTIONS['test'] * len(files))
        n_val = round(FRACTIONS['val'] * len(files))
        for i, f in enumerate(files):
            split_of[f] = 'test' if i < n_test else 'val' if i < n_test + n_val else 'train'
    return [(row['file'], split_of[row['file']]) for row in rows]


def render(pairs):
    return 'file,split\n' + ''.join(f'{f},{s}\n' for f, s in pairs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default=os.path.join(HERE, '..', '..', '..', 'shared', 'data'))
    parser.add_argument('--check', action='store_true')
    args = parser.parse_args()
    status = 0
    for name, (folder, column) in SETS.items():
        with open(os.path.join(args.data, folder, 'labels.csv'), newline='') as f:
            rows = list(csv.DictReader(f))
        text = render(split_rows(rows, column))
        out = os.path.join(HERE, name + '.csv')
        if args.check:
            same = os.path.exists(out) and open(out).read() == text
            print(f'{name}: {"matches" if same else "DIFFERS from"} the seeded split')
            status |= not same
            continue
        tmp = out + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.replace(tmp, out)
        counts = {}
        for row, (_, split) in zip(rows, split_rows(rows, column)):
            counts.setdefault(split, {}).setdefault(row[column], 0)
            counts[split][row[column]] += 1
        for split in ('train', 'val', 'test'):
            c = counts[split]
            print(f'{name} {split}: {sum(c.values())} ' +
                  ' '.join(f'{k}:{c[k]}' for k in sorted(c)))
    return status


if __name__ == '__main__':
    sys.exit(main())
