using System.IO.Compression;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.XenServer.Xva;

/// <summary>How a whole XVA tar is compressed: <c>xe vm-export compress=true</c> (gzip) or <c>compress=zstd</c>.</summary>
public enum XvaCompressionKind
{
    None,
    Gzip,
    Zstd,
}

/// <summary>
/// Recognises a compressed XVA by its compressor's magic (RFC 1952 gzip, RFC 8878 zstd) and, inside,
/// a tar whose first member is ova.xml; decompresses it as it streams (no temporary file).
/// </summary>
public static class XvaCompression
{
    /// <summary>The compression of an XVA whose first bytes are <paramref name="head"/>, or null when the head is no XVA at all.</summary>
    public static XvaCompressionKind? Detect(ReadOnlySpan<byte> head)
    {
        if (TarProbe.FirstMemberName(head) == "ova.xml")
        {
            return XvaCompressionKind.None;
        }

        var kind = head.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]) ? XvaCompressionKind.Gzip
            : head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd]) ? XvaCompressionKind.Zstd
            : (XvaCompressionKind?)null;
        if (kind is not { } compressed)
        {
            return null;
        }

        // The probe holds only the start of the stream: inflate what it can, the first tar header is enough.
        var tarHead = new byte[512];
        try
        {
            using var inflated = Decompress(new MemoryStream(head.ToArray()), compressed);
            int got = 0;
            while (got < tarHead.Length && inflated.Read(tarHead, got, tarHead.Length - got) is var read and > 0)
            {
                got += read;
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            // Damaged, or the head ends inside a block (zstd decodes whole blocks of up to 128 KiB).
            return null;
        }

        return TarProbe.FirstMemberName(tarHead) == "ova.xml" ? compressed : null;
    }

    /// <summary>The decompressed content of <paramref name="compressed"/> (which it takes over).</summary>
    public static Stream Decompress(Stream compressed, XvaCompressionKind kind) => kind switch
    {
        XvaCompressionKind.Gzip => new GZipStream(compressed, CompressionMode.Decompress),
        XvaCompressionKind.Zstd => new ZstdReadStream(compressed),
        _ => compressed,
    };

    /// <summary>zstd through ZstdSharp, its errors turned into the InvalidDataException every damaged stream gives.</summary>
    private sealed class ZstdReadStream(Stream compressed) : ForwardOnlyStream
    {
        private readonly ZstdSharp.DecompressionStream _inner = new(compressed, leaveOpen: false);

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return _inner.Read(buffer);
            }
            catch (ZstdSharp.ZstdException e)
            {
                throw new InvalidDataException($"zstd: {e.Message}", e);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
