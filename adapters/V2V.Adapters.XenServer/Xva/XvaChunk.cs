using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using V2V.Core.Errors;
using V2V.Core.Pipeline;

namespace V2V.Adapters.XenServer.Xva;

/// <summary>How an XVA chunk's checksum member is computed.</summary>
public enum XvaChecksumKind
{
    None,

    /// <summary>".checksum": SHA-1, hex (older xapi).</summary>
    Sha1,

    /// <summary>".xxhash": XXH64, 16 upper-case hex digits (current xapi).</summary>
    XxHash64,
}

/// <summary>
/// One 1 MiB chunk of an XVA disk, read by the tar reader into a pooled array. A pipeline worker
/// copies it into its chunk buffer and checks it against its checksum member, so checksums are
/// computed in parallel, off the reader's path.
/// </summary>
public sealed class XvaChunk(string member, long offset, int length, byte[] data) : IChunkFill
{
    public long Offset => offset;
    public int Length => length;
    public XvaChecksumKind ChecksumKind { get; set; }
    public string? Expected { get; set; }

    public void Fill(Span<byte> chunk)
    {
        try
        {
            var content = data.AsSpan(0, length);
            content.CopyTo(chunk);
            if (ChecksumKind == XvaChecksumKind.None || Expected is null)
            {
                return;
            }

#pragma warning disable CA5350 // SHA-1 is what older xapi wrote; V2V only checks it
            string actual = ChecksumKind == XvaChecksumKind.XxHash64
                ? XxHash64.HashToUInt64(content).ToString("X16", CultureInfo.InvariantCulture)
                : Convert.ToHexStringLower(SHA1.HashData(content));
#pragma warning restore CA5350
            if (!string.Equals(actual, Expected.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                throw new ChecksumMismatchException(member, ChecksumKind == XvaChecksumKind.XxHash64 ? "chunk XXH64" : "chunk SHA-1", Expected.Trim(), actual);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }
}
