"""CRC-32C (Castagnoli), and the masked form TFRecord files store.

TFRecord masks every checksum ((crc >> 15 | crc << 17) + 0xa282ead8) because a CRC of data
that itself contains CRCs is weak; `masked` is that form. Bytes go through a byte table in
Python (about 15 MB/s) until the Numba loop (a hundred times faster) is worth importing Numba
for (about a second, when nothing else has): for a buffer of a megabyte or more, once 16 MB
have gone through Python, or at once when Numba is already loaded.

    >>> hex(value(b"123456789"))   # the standard check value of CRC-32C
    '0xe3069283'
    >>> hex(masked(b"123456789"))
    '0xc78ab0e5'
"""
import sys
import threading

import numpy as np

_POLY = 0x82F63B78  # CRC-32C's polynomial, bit-reversed


def _table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _table()
_TABLE_ARRAY = np.array(_TABLE, np.uint32)
_NUMBA_FROM = 65536  # below this many bytes, calling the Numba loop costs more than Python
_BIG = 1 << 20  # a buffer this long goes to Numba even if it has to be imported
_PYTHON_BUDGET = 16 << 20  # bytes checksummed in Python before importing Numba is worth it
_python_bytes = 0
_kernel = None
_kernel_lock = threading.Lock()


def _python(data, crc):
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def _numba_kernel():
    global _kernel
    with _kernel_lock:
        if _kernel is None:
            from numba import njit

            @njit(nogil=True, cache=True)
            def crc_loop(data, crc, table):
                for b in data:
                    crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
                return crc
            _kernel = crc_loop
    return _kernel


def value(data):
    """The CRC-32C of bytes-like `data`, as an int."""
    global _python_bytes
    crc = 0xFFFFFFFF
    n = len(data)
    if n < _NUMBA_FROM or _kernel is None and n < _BIG and _python_bytes < _PYTHON_BUDGET \
            and "numba" not in sys.modules:
        _python_bytes += n
        crc = _python(data, crc)
    else:
        array = np.frombuffer(data, np.uint8)
        crc = int(_numba_kernel()(array, np.uint32(crc), _TABLE_ARRAY))
    return crc ^ 0xFFFFFFFF


def mask(crc):
    """TFRecord's masking of a CRC (rotated right by 15 bits, plus a constant)."""
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def masked(data):
    """The masked CRC-32C of `data`, as TFRecord stores it."""
    return mask(value(data))
