"""Content-Encoding decoders that never produce more output than asked for.

httpx decompresses whole chunks at once, so a few kilobytes of brotli or gzip can expand to gigabytes
in memory before any size check runs. These decoders take an output limit on every call, which lets
the client stop a decompression bomb at the body cap.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli


class CorruptStreamError(ValueError):
    """The compressed stream is broken or uses an unsupported coding; the client turns it into DecodingError."""


class Decoder(Protocol):
    """Decompresses a stream piece by piece, producing at most ``limit`` bytes per call."""

    def decode(self, data: bytes, limit: int) -> bytes:
        """Feed ``data``; return at most ``limit`` bytes of output (more may remain pending)."""
        ...

    def flush(self, limit: int) -> bytes:
        """Return what is left once the input has ended, at most ``limit`` bytes."""
        ...


class IdentityDecoder:
    """No encoding: the raw chunks are already bounded by the transport's read size."""

    def decode(self, data: bytes, limit: int) -> bytes:
        return data

    def flush(self, limit: int) -> bytes:
        return b""


class ZlibDecoder:
    """gzip (``wbits=16+MAX_WBITS``) or deflate; deflate falls back to raw streams some servers send."""

    def __init__(self, *, gzip: bool) -> None:
        self._gzip = gzip
        self._first = True
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)

    def decode(self, data: bytes, limit: int) -> bytes:
        try:
            return self._decode(data, limit)
        except zlib.error as exc:
            if self._first and not self._gzip:
                # "deflate" is often sent as a raw stream without the zlib header.
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self._decode(data, limit)
            raise CorruptStreamError(f"corrupt {'gzip' if self._gzip else 'deflate'} stream: {exc}") from exc

    def _decode(self, data: bytes, limit: int) -> bytes:
        out = self._obj.decompress(data, max(limit, 1))
        self._first = False
        while self._obj.unconsumed_tail and len(out) < limit:
            out += self._obj.decompress(self._obj.unconsumed_tail, limit - len(out))
        return out

    def flush(self, limit: int) -> bytes:
        out = b""
        while self._obj.unconsumed_tail and len(out) < limit:
            out += self._obj.decompress(self._obj.unconsumed_tail, limit - len(out))
        return out + self._obj.flush() if len(out) < limit else out


class BrotliDecoder:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def decode(self, data: bytes, limit: int) -> bytes:
        try:
            out: bytes = self._obj.process(data, output_buffer_limit=max(limit, 1))
            while not self._obj.can_accept_more_data() and len(out) < limit:
                out += self._obj.process(b"", output_buffer_limit=limit - len(out))
        except brotli.error as exc:
            raise CorruptStreamError(f"corrupt brotli stream: {exc}") from exc
        return out

    def flush(self, limit: int) -> bytes:
        return self.decode(b"", limit) if not self._obj.can_accept_more_data() else b""


class ChainDecoder:
    """Several encodings applied in order (``Content-Encoding: gzip, br`` is undone br first)."""

    def __init__(self, decoders: list[Decoder]) -> None:
        self._decoders = decoders

    def decode(self, data: bytes, limit: int) -> bytes:
        for decoder in self._decoders:
            data = decoder.decode(data, limit)
        return data

    def flush(self, limit: int) -> bytes:
        data = b""
        for decoder in self._decoders:
            data = decoder.decode(data, limit) + decoder.flush(limit) if data else decoder.flush(limit)
        return data


SUPPORTED_ENCODINGS = ("gzip", "deflate", "br")
ACCEPT_ENCODING = "gzip, deflate, br"


def decoder_for(content_encoding: str | None) -> Decoder:
    """The decoder for a Content-Encoding header value; unknown codings raise :class:`CorruptStreamError`."""
    names = [part.strip().lower() for part in (content_encoding or "").split(",") if part.strip()]
    decoders: list[Decoder] = []
    for name in reversed(names):
        if name in ("identity", ""):
            continue
        if name in ("gzip", "x-gzip"):
            decoders.append(ZlibDecoder(gzip=True))
        elif name == "deflate":
            decoders.append(ZlibDecoder(gzip=False))
        elif name == "br":
            decoders.append(BrotliDecoder())
        else:
            raise CorruptStreamError(f"unsupported Content-Encoding {name!r}")
    if not decoders:
        return IdentityDecoder()
    return decoders[0] if len(decoders) == 1 else ChainDecoder(decoders)
