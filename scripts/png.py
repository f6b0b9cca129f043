"""A minimal RGB raster and PNG writer (zlib + struct only; the tools take no plotting
dependency)."""
import struct
import zlib


def canvas(width, height, color=(255, 255, 255)):
    return [[color] * width for _ in range(height)]


def save(path, img):
    height, width = len(img), len(img[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in img)

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data +
                struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" +
                chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def line(img, x0, y0, x1, y1, color, dash=0):
    """A 2-pixel line from (x0, y0) to (x1, y1); dash > 0 draws dashes of that length."""
    steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
    for i in range(steps):
        if dash and (i // dash) % 2:
            continue
        x = int(round(x0 + (x1 - x0) * i / max(1, steps - 1)))
        y = int(round(y0 + (y1 - y0) * i / max(1, steps - 1)))
        for dx, dy in ((0, 0), (1, 0), (0, 1)):
            if 0 <= y + dy < len(img) and 0 <= x + dx < len(img[0]):
                img[y + dy][x + dx] = color


def dot(img, x, y, color, r=3):
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dx * dx + dy * dy <= r * r and 0 <= y + dy < len(img) and 0 <= x + dx < len(img[0]):
                img[int(y + dy)][int(x + dx)] = color
