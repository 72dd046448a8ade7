#!/usr/bin/env python3
# check-include-cycles.py: fails when Fovea's own includes go round in a
# circle, or against the layers.
#
# Reads every `#include "..."` of the headers and sources under
# inference/, app/ and ui/. Headers are included by base name (every
# sub-folder is an include directory), so a name resolves to the one
# file of that name; system and generated headers (config.h) are left
# out. Three checks, each naming what it found:
#   1. headers: no header may reach itself through its includes;
#   2. folders: the sub-folders (concerns: inference/vit, app/engine, ...)
#      must depend on each other one way only, where a folder depends on
#      another when one of its files, header or source, includes one of
#      the other's headers; this is where two headers of different
#      concerns that need each other's types show up (fovea-vit.h and
#      fovea-lora.h each reaching the other's folder);
#   3. layers: ui -> app -> inference, never back.
# Usage: check-include-cycles.py ROOT. Exit 0: clean; 1: a cycle or a
# layer broken (printed); 2: bad usage or ambiguous names.

import os
import re
import sys

LAYERS = ('inference', 'app', 'ui')  # each may include only those before it
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def read_files(root):
    """{base name: path relative to root} of every .c and .h, and the
    base names found more than once."""
    files, twice = {}, set()
    for layer in LAYERS:
        for path, dirs, names in os.walk(os.path.join(root, layer)):
            dirs.sort()
            for name in sorted(names):
                if name.endswith(('.c', '.h')):
                    rel = os.path.relpath(os.path.join(path, name), root)
                    if name in files:
                        twice.add(name)
                    files[name] = rel
    return files, twice


def read_includes(root, files):
    """{base name: sorted base names of our files it includes}."""
    includes = {}
    for name, rel in files.items():
        with open(os.path.join(root, rel), encoding='utf-8', errors='replace') as f:
            targets = {os.path.basename(t) for t in INCLUDE.findall(f.read())}
        includes[name] = sorted(t for t in targets if t in files and t != name)
    return includes


def find_cycle(graph):
    """One cycle of graph ({node: [nodes]}) as a list whose first node is
    repeated at the end, or None. Iterative depth-first search."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    for start in sorted(graph):
        if colour[start] != WHITE:
            continue
        colour[start] = GREY
        stack = [(start, iter(graph[start]))]
        while stack:
            node, edges = stack[-1]
            nxt = next(edges, None)
            if nxt is None:
                colour[node] = BLACK
                stack.pop()
            elif colour[nxt] == GREY:
                path = [n for n, _ in stack]
                return path[path.index(nxt):] + [nxt]
            elif colour[nxt] == WHITE:
                colour[nxt] = GREY
                stack.append((nxt, iter(graph[nxt])))
    return None


def reachable(graph, start):
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def find_cycles(graph):
    """[(group, one cycle in it)] for every group of nodes that reach each
    other (a strongly connected component), so that every tangle is
    named, not only the first one found."""
    reverse = {n: [] for n in graph}
    for n, edges in graph.items():
        for e in edges:
            reverse[e].append(n)
    cycles, done = [], set()
    for node in sorted(graph):
        if node in done:
            continue
        group = reachable(graph, node) & reachable(reverse, node)
        done |= group
        if len(group) > 1:
            sub = {n: [e for e in graph[n] if e in group] for n in group}
            cycles.append((sorted(group), find_cycle(sub)))
    return cycles


def folder_of(rel):
    return os.path.dirname(rel)


def layer_of(rel):
    return LAYERS.index(rel.split(os.sep)[0])


def main(argv):
    if len(argv) != 2:
        print('usage: check-include-cycles.py ROOT', file=sys.stderr)
        return 2
    root = argv[1]
    files, twice = read_files(root)
    if not files:
        print(f'no sources under {root}/{{{",".join(LAYERS)}}}', file=sys.stderr)
        return 2
    if twice:
        print('ambiguous base names (headers are included by base name): ' +
              ', '.join(sorted(twice)), file=sys.stderr)
        return 2
    includes = read_includes(root, files)
    problems = []

    headers = {n: [t for t in ts if t.endswith('.h')]
               for n, ts in includes.items() if n.endswith('.h')}
    for group, cycle in find_cycles(headers):
        problems.append(f'header include cycle among {", ".join(group)}:\n  ' +
                        ' -> '.join(cycle))

    # Folder graph, remembering one include that makes each edge.
    folders, why = {}, {}
    for name, targets in includes.items():
        src = folder_of(files[name])
        folders.setdefault(src, [])
        for t in targets:
            dst = folder_of(files[t])
            if dst != src and dst not in folders[src]:
                folders[src].append(dst)
                why[src, dst] = f'{name} includes {t}'
    for edges in folders.values():
        edges.sort()
    for dst in {d for edges in folders.values() for d in edges}:
        folders.setdefault(dst, [])
    for group, cycle in find_cycles(folders):
        steps = [f'{a} -> {b} ({why[a, b]})' for a, b in zip(cycle, cycle[1:])]
        problems.append(f'folder include cycle among {", ".join(group)}:\n  ' +
                        '\n  '.join(steps))

    for name, targets in sorted(includes.items()):
        for t in targets:
            if layer_of(files[t]) > layer_of(files[name]):
                problems.append(f'layer broken: {files[name]} includes {files[t]}')

    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 1
    print(f'{len(files)} files in {len(folders)} folders: no include cycle, layers kept')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
