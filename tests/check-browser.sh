#!/bin/sh
# check-browser.sh [--wait-at-least PX] FILE.svg: opens a --timeline picture in a real browser
# (headless Chromium) and checks what a student would see: a screenshot that is not blank, with
# the legend's colours drawn at the top. With --wait-at-least, also that some wait for the lock
# (the hatched piece) is drawn at least PX pixels wide in the lanes: what a window of time
# (primeproc-timeline --from, --to) is for. Silent with status 0 when all is well; a message and
# status 1 otherwise. Installs Debian's chromium-headless-shell when missing
# (installed by make deps). Takes a few seconds: most of it is Chromium starting.
set -u
wait_px=0
if [ "${1:-}" = --wait-at-least ] && [ $# -ge 2 ]; then
    wait_px=$2
    shift 2
fi
if [ $# -ne 1 ] || [ ! -r "$1" ]; then
    echo "usage: $0 [--wait-at-least PX] FILE.svg  (a readable file)" >&2
    exit 1
fi
command -v chromium-headless-shell >/dev/null || { echo "chromium-headless-shell is missing (Debian: chromium-headless-shell): make deps installs it"; exit 1; }
svg=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

# The window is the picture's size (its width and height attributes), at most 4000 pixels tall.
size=$(python3 -c '
import re, sys
head = open(sys.argv[1], encoding="utf-8").read(2000)
w, h = (float(re.search(r"<svg[^>]* %s=\"([0-9.]+)\"" % a, head).group(1)) for a in ("width", "height"))
print("%d,%d" % (w + 0.99, min(h + 0.99, 4000)))' "$svg") || { echo "$1: no width/height on <svg>" >&2; exit 1; }

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
# The flags keep a machine without network quiet: no sandbox (we may be root), no GPU, no
# background fetches; a fresh profile each time.
if ! timeout 120 chromium-headless-shell --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --hide-scrollbars --window-size="$size" \
        --screenshot="$work/shot.png" "file://$svg" >"$work/log" 2>&1 || [ ! -s "$work/shot.png" ]; then
    echo "$1: Chromium made no screenshot:" >&2
    tail -5 "$work/log" >&2
    exit 1
fi

# Python's standard library has zlib but no PNG reader: a small decoder of 8-bit RGB(A) PNGs.
python3 - "$work/shot.png" "$1" "$svg" "$wait_px" <<'EOF'
import struct, sys, zlib

def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), "only 8-bit RGB or RGBA"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    step = 4 if colour == 6 else 3
    raw, stride, rows, prev = zlib.decompress(idat), width * step, [], bytearray(width * step)
    for y in range(height):
        filt, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - step] if i >= step else 0
            b, c = prev[i], (prev[i - step] if i >= step else 0)
            if filt == 1: line[i] = (line[i] + a) & 255
            elif filt == 2: line[i] = (line[i] + b) & 255
            elif filt == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, step)])
        prev = line
    return rows

rows = pixels(sys.argv[1])
everywhere = {p for row in rows for p in row}
if len(everywhere) < 8:
    sys.exit("%s: the browser drew a blank picture (%d colours)" % (sys.argv[2], len(everywhere)))
# The legend sits above the lanes: its swatches' colours (Okabe-Ito) must be drawn up there.
import re
first_lane = re.search(r'<rect class="lane" x="[0-9.]+" y="([0-9.]+)"', open(sys.argv[3], encoding="utf-8").read())
top = {p for row in rows[:int(float(first_lane.group(1))) if first_lane else 0] for p in row}
legend = {"compute": "56B4E9", "hold": "D55E00", "parent-input": "F0E442", "parent-blocked": "CC79A7",
          "wait": "E69F00", "fork": "009E73"}
def near(rgb):
    want = bytes.fromhex(rgb)
    return any(all(abs(p[i] - want[i]) <= 4 for i in range(3)) for p in top)
missing = [kind for kind, rgb in legend.items() if not near(rgb)]
if missing:
    sys.exit("%s: no legend in the browser's picture (missing: %s)" % (sys.argv[2], ", ".join(missing)))
# The hatching of a wait mixes two colours, E69F00 and FBE3B0, and the browser blends them at
# the stripes' edges: a wait's pixel lies near the line between the two.
def hatched(p):
    t = min(1.0, max(0.0, (p[1] - 0x9F) / (0xE3 - 0x9F)))
    return all(abs(p[i] - (a + t * (b - a))) <= 12 for i, (a, b) in enumerate(((0xE6, 0xFB), (0x9F, 0xE3), (0x00, 0xB0))))
want = int(sys.argv[4])
if want > 0:
    lanes = rows[int(float(first_lane.group(1))):] if first_lane else []
    widest = 0
    for row in lanes:
        run = 0
        for p in row:
            run = run + 1 if hatched(p) else 0
            widest = max(widest, run)
    if widest < want:
        sys.exit("%s: the widest wait for the lock is %d pixels in the browser's picture, not %d" % (sys.argv[2], widest, want))
EOF
