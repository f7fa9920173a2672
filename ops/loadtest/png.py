"""A tiny raster canvas written as PNG with zlib and struct: enough for the run's line charts.

No plotting library is installed (matplotlib is not among the pinned dependencies), and two line charts
with axes, grid and labels need only lines, rectangles and a 5x7 bitmap font.
"""

from __future__ import annotations

import struct
import zlib

Color = tuple[int, int, int]

GLYPH_ROWS = 7
GLYPH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
# 5x7 glyphs, one character per row: the row's five pixels as a base-32 digit (bit 4 is the left column).
GLYPHS = {
    '0': "EHJLPHE", '1': "4C4444E", '2': "EH1248V", '3': "V2421HE", '4': "26AIV22", '5': "VGU11HE",
    '6': "68GUHHE", '7': "V124888", '8': "EHHEHHE", '9': "EHHF12C", 'A': "EHHVHHH", 'B': "UHHUHHU",
    'C': "EHGGGHE", 'D': "SIHHHIS", 'E': "VGGUGGV", 'F': "VGGUGGG", 'G': "EHGNHHF", 'H': "HHHVHHH",
    'I': "E44444E", 'J': "72222IC", 'K': "HIKOKIH", 'L': "GGGGGGV", 'M': "HRLLHHH", 'N': "HHPLJHH",
    'O': "EHHHHHE", 'P': "UHHUGGG", 'Q': "EHHHLID", 'R': "UHHUKIH", 'S': "FGGE11U", 'T': "V444444",
    'U': "HHHHHHE", 'V': "HHHHHA4", 'W': "HHHLLLA", 'X': "HHA4AHH", 'Y': "HHHA444", 'Z': "V1248GV",
    '.': "00000CC", ',': "0000C48", '/': "01248G0", '%': "OP248J3", '-': "000V000", ':': "0CC0CC0",
    '(': "2488842", ')': "8422248", '=': "00V0V00", '+': "044V440", '_': "000000V", ' ': "0000000",
}


class Canvas:
    def __init__(self, width: int, height: int, background: Color = (255, 255, 255)):
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def dot(self, x: int, y: int, color: Color) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            offset = (y * self.width + x) * 3
            self.pixels[offset:offset + 3] = bytes(color)

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        for y in range(max(0, y0), min(self.height, y1 + 1)):
            for x in range(max(0, x0), min(self.width, x1 + 1)):
                self.dot(x, y, color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: Color, thickness: int = 1) -> None:
        """Bresenham's line, ``thickness`` pixels wide."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            self.rect(x0, y0, x0 + thickness - 1, y0 + thickness - 1, color)
            if x0 == x1 and y0 == y1:
                return
            doubled = 2 * error
            if doubled >= dy:
                error += dy
                x0 += sx
            if doubled <= dx:
                error += dx
                y0 += sy

    def text(self, x: int, y: int, text: str, color: Color, scale: int = 1) -> int:
        """Draws ``text`` (upper-cased) with its top-left corner at (x, y); returns the x after it."""
        for char in text.upper():
            rows = GLYPHS.get(char, GLYPHS[" "])
            for row, digit in enumerate(rows):
                bits = GLYPH_ALPHABET.index(digit)
                for column in range(5):
                    if bits & (1 << (4 - column)):
                        self.rect(x + column * scale, y + row * scale, x + column * scale + scale - 1,
                                  y + row * scale + scale - 1, color)
            x += 6 * scale
        return x

    @staticmethod
    def text_width(text: str, scale: int = 1) -> int:
        return 6 * scale * len(text)

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(b"\x00" + bytes(self.pixels[y * stride:(y + 1) * stride]) for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + \
            chunk(b"IEND", b"")
