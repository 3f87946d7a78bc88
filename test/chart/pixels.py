#!/usr/bin/env python3
"""test/chart/pixels.py PNG CELLS.json -- check a rendered rbp.report_chart_svg() picture.

Reads the PNG with the standard library only (zlib; filters 0-4, 8-bit RGB or RGBA, not interlaced)
and checks, for every cell of CELLS.json (the same JSON the chart was drawn from), the bar's row:
  * a published cell has coloured pixels, and the non-white run along the middle of its bar spans
    from the centre minus (disagree + half of neutral) to the centre plus (agree + half of neutral),
    at 240 px per 100 %, within 3 px;
  * a suppressed cell has no coloured pixel at all in its row (only the grey dashed outline and text).
The layout constants are those of rbp.report_chart_svg (sql/install/74_chart.sql). Prints TAP lines.
"""
import json, struct, sys, zlib

CENTRE, HALF, TOP, ROW, BAR = 520, 240, 84, 44, 26


def read_png(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, width = 8, b'', None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, 'unsupported PNG layout'
            bpp = 3 if colour == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return rows


def coloured(px):
    return max(px) - min(px) > 60


def non_white(px):
    return min(px) < 235


def main():
    rows = read_png(sys.argv[1])
    cells = json.load(open(sys.argv[2]))
    n, failed = 0, False
    for i, cell in enumerate(cells):
        top = TOP + i * ROW
        band = [rows[y][CENTRE - HALF - 2:CENTRE + HALF + 3] for y in range(top + 2, top + BAR - 2)]
        colour = sum(coloured(px) for line in band for px in line)
        n += 1
        if cell.get('suppressed') or not isinstance(cell.get('shares'), list):
            ok = colour == 0
            print(('ok' if ok else 'not ok') + f' {n} - suppressed cell "{cell["label"]}": no coloured pixel in its row ({colour} found)')
        else:
            s, pts = cell['shares'], cell['points']
            side = pts // 2
            mid = s[side] / 2 if pts % 2 else 0
            want_left = round(CENTRE - (sum(s[:side]) + mid) * HALF)
            want_right = round(CENTRE + (sum(s[pts - side:]) + mid) * HALF)
            line = rows[top + BAR // 2]
            xs = [x for x in range(CENTRE - HALF - 2, CENTRE + HALF + 3) if non_white(line[x]) and x != CENTRE]
            left, right = (min(xs), max(xs) + 1) if xs else (None, None)
            ok = colour > 0 and left is not None and abs(left - want_left) <= 3 and abs(right - want_right) <= 3
            print(('ok' if ok else 'not ok') + f' {n} - published cell "{cell["label"]}": bar from x={left} to {right}'
                  f' (expected {want_left} to {want_right}), {colour} coloured pixels')
        failed |= not ok
    print(f'1..{n}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
