"""Independent reference implementations used to build test vectors.

Written bit by bit from the definition (CRC-16/MCRF4XX: poly 0x1021, init 0xFFFF,
reflected in/out, no final XOR), deliberately unlike the table-driven production code so
that a shared mistake is unlikely.
"""

from __future__ import annotations


def crc16_mcrf4xx_bitwise(data: bytes) -> int:
    """CRC-16/MCRF4XX computed MSB-first on bit-reversed input, then reflected."""
    crc = 0xFFFF
    for byte in data:
        reflected = int(f"{byte:08b}"[::-1], 2)
        crc ^= reflected << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    # The init 0xFFFF is its own bit-reversal, so only the output needs reflecting.
    return int(f"{crc:016b}"[::-1], 2)


def with_crc(payload: bytes) -> bytes:
    """`payload` followed by its reference CRC, little-endian."""
    return payload + crc16_mcrf4xx_bitwise(payload).to_bytes(2, "little")
