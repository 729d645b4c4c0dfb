#!/usr/bin/python3
"""What a rendered picture holds, for the browser and rsvg tests (issue 23 item 5).

usage: png_stats.py FILE.png [#rrggbb ...]

Prints one JSON object: width, height (from the IHDR chunk), "colors" (number of
distinct RGB values, composited over white), "nonwhite" (share of pixels that
are not white) and "count" (pixels of each #rrggbb given, exactly).
Uses PIL (Debian python3-pil) when present, else a small decoder (8-bit,
non-interlaced: what Chromium and rsvg-convert write) from the standard library.
"""
import json
import struct
import sys
import zlib


def ihdr(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("not a PNG file")
    length, kind = struct.unpack(">I4s", data[8:16])
    if kind != b"IHDR":
        raise SystemExit("no IHDR chunk first")
    return struct.unpack(">IIBBBBB", data[16:16 + 13])


def pixels_stdlib(data):
    w, h, depth, ctype, _, _, interlace = ihdr(data)
    if depth != 8 or interlace != 0 or ctype not in (0, 2, 4, 6):
        raise SystemExit(f"unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    stride = w * bpp
    prev = bytearray(stride)
    out = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        prev = line
        for x in range(w):
            px = line[x * bpp:(x + 1) * bpp]
            if ctype == 0:
                rgb, alpha = (px[0],) * 3, 255
            elif ctype == 4:
                rgb, alpha = (px[0],) * 3, px[1]
            elif ctype == 2:
                rgb, alpha = tuple(px), 255
            else:
                rgb, alpha = tuple(px[:3]), px[3]
            out.append(tuple((v * alpha + 255 * (255 - alpha)) // 255 for v in rgb))
    return w, h, out


def pixels_pil(path):
    from PIL import Image
    im = Image.open(path)
    w, h = im.size
    rgba = im.convert("RGBA")
    white = Image.new("RGBA", im.size, (255, 255, 255, 255))
    white.alpha_composite(rgba)
    return w, h, list(white.convert("RGB").getdata())


def main():
    path = sys.argv[1]
    data = open(path, "rb").read()
    w0, h0 = ihdr(data)[:2]
    try:
        w, h, px = pixels_pil(path)
    except ImportError:
        w, h, px = pixels_stdlib(data)
    assert (w, h) == (w0, h0)
    wanted = {c.lower(): 0 for c in sys.argv[2:]}
    colors = {}
    nonwhite = 0
    for p in px:
        colors[p] = colors.get(p, 0) + 1
        if p != (255, 255, 255):
            nonwhite += 1
    for c in wanted:
        wanted[c] = colors.get(tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)), 0)
    print(json.dumps({"width": w, "height": h, "colors": len(colors),
                      "nonwhite": nonwhite / max(1, len(px)), "count": wanted}))


if __name__ == "__main__":
    main()
