#!/usr/bin/python3
"""check-layering.py: the layers' include rules, as HACKING.md states them.

  inference/  no GTK, GDK, libadwaita, Cairo, Pango or image-codec header,
              and nothing from app/ or ui/;
  app/        no GTK, GDK or libadwaita header, and nothing from ui/.

Usage: check-layering.py SOURCE_ROOT      (exit 1 naming each violation)
       check-layering.py --self-test      (plants violations in a temporary
                                          tree and checks they are caught)
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

# Header prefixes (system includes) each layer must not use.
GUI = ('gtk/', 'gdk/', 'adwaita.h', 'gtk.h', 'gdk.h')
DRAWING = ('cairo', 'pango', 'pangocairo')
CODECS = ('png.h', 'pngconf.h', 'jpeglib.h', 'jerror.h', 'turbojpeg.h', 'tiff.h',
          'tiffio.h', 'gdk-pixbuf/', 'libexif/', 'gif_lib.h', 'webp/', 'openjpeg')
FORBIDDEN = {
    'inference': GUI + DRAWING + CODECS,
    'app': GUI,
}
# Which other layers' own headers a layer may not include.
FORBIDDEN_LAYERS = {'inference': ('app', 'ui'), 'app': ('ui',)}


def headers_by_layer(root):
    """Base name of every project header → the layer that owns it."""
    owner = {}
    for layer in ('inference', 'app', 'ui'):
        for folder, _, files in os.walk(os.path.join(root, layer)):
            for name in files:
                if name.endswith('.h'):
                    owner[name] = layer
    return owner


def check(root):
    owner = headers_by_layer(root)
    problems = []
    for layer, banned in FORBIDDEN.items():
        for folder, _, files in os.walk(os.path.join(root, layer)):
            for name in sorted(files):
                if not name.endswith(('.c', '.h', '.cc', '.cpp')):
                    continue
                path = os.path.join(folder, name)
                text = open(path, encoding='utf-8', errors='replace').read()
                for kind, header in INCLUDE.findall(text):
                    rel = os.path.relpath(path, root)
                    if kind == '<' and header.lower().startswith(banned):
                        problems.append(f'{rel}: includes <{header}>, which {layer}/ may not use')
                    base = os.path.basename(header)
                    if kind == '"' and owner.get(base) in FORBIDDEN_LAYERS[layer]:
                        problems.append(f'{rel}: includes "{header}" from {owner[base]}/, '
                                        f'but {layer}/ must not depend on it')
    return problems


def self_test():
    plants = {
        'inference/x/fovea-a.c': '#include <gtk/gtk.h>\n',
        'inference/x/fovea-b.c': '#include <cairo.h>\n',
        'inference/x/fovea-c.c': '#include <png.h>\n',
        'inference/x/fovea-d.c': '#include "fovea-app-thing.h"\n',
        'app/y/fovea-app-thing.h': '#include <adwaita.h>\n',
        'app/y/fovea-e.c': '#include "fovea-widget.h"\n',
        'ui/fovea-widget.h': '#include <gtk/gtk.h>\n',
        'app/y/fovea-fine.c': '#include <cairo.h>\n#include <png.h>\n',
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in plants.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            open(os.path.join(root, rel), 'w').write(text)
        found = check(root)
    caught = {p.split(':')[0] for p in found}
    want = {'inference/x/fovea-a.c', 'inference/x/fovea-b.c', 'inference/x/fovea-c.c',
            'inference/x/fovea-d.c', 'app/y/fovea-app-thing.h', 'app/y/fovea-e.c'}
    if caught != want:
        print(f'self-test: caught {sorted(caught)}, expected {sorted(want)}')
        return 1
    print(f'self-test: all {len(want)} planted violations caught, the allowed one passed')
    return 0


def main():
    if sys.argv[1:] == ['--self-test']:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        return 1
    print('layering: inference/ and app/ include only what their layer allows')
    return 0


if __name__ == '__main__':
    sys.exit(main())
