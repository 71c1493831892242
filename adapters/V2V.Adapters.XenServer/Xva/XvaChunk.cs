using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
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
/// One 1 MiB chunk of an XVA disk. From a file, only its place in the archive is known and the
/// pipeline worker reads it there, in parallel with the others; from a pipe, the tar reader has
/// already copied it into a pooled array. Either way the worker checks it against its checksum
/// member, so checksums are computed in parallel, off the reader's path.
/// </summary>
public sealed class XvaChunk : IChunkFill
{
    private readonly string _archive;
    private readonly string _member;
    private readonly int _length;
    private readonly byte[]? _data;
    private readonly SafeFileHandle? _file;
    private readonly long _filePosition;

    private XvaChunk(string archive, string member, long offset, int length, byte[]? data, SafeFileHandle? file, long filePosition)
    {
        _archive = archive;
        _member = member;
        Offset = offset;
        _length = length;
        _data = data;
        _file = file;
        _filePosition = filePosition;
    }

    /// <summary>A chunk the tar reader copied out of a stream into <paramref name="data"/> (rented; returned once filled).</summary>
    public static XvaChunk Streamed(string archive, string member, long offset, int length, byte[] data) => new(archive, member, offset, length, data, null, 0);

    /// <summary>A chunk still in the archive file, <paramref name="length"/> bytes at <paramref name="filePosition"/>.</summary>
    public static XvaChunk InFile(string archive, string member, long offset, int length, SafeFileHandle file, long filePosition) =>
        new(archive, member, offset, length, null, file, filePosition);

    public long Offset { get; }
    public XvaChecksumKind ChecksumKind { get; set; }
    public string? Expected { get; set; }

    public void Fill(long offset, Span<byte> chunk)
    {
        // XvaSource lets through only whole chunks, or the disk's short last one: the job's length.
        if (chunk.Length != _length)
        {
            throw new InvalidOperationException($"XVA chunk \"{_member}\" of {_length} bytes handed a {chunk.Length}-byte job");
        }

        var content = chunk;
        if (_data is not null)
        {
            _data.AsSpan(0, _length).CopyTo(content);
            ArrayPool<byte>.Shared.Return(_data);
        }
        else
        {
            ReadFromFile(content);
        }

        if (ChecksumKind == XvaChecksumKind.None || Expected is null)
        {
            return;
        }

#pragma warning disable CA5350 // SHA-1 is what older xapi wrote; V2V only checks it
        string actual = ChecksumKind == XvaChecksumKind.XxHash64
            ? Xxh64.Hash(content).ToString("X16", CultureInfo.InvariantCulture)
            : Convert.ToHexStringLower(SHA1.HashData(content));
#pragma warning restore CA5350
        if (!string.Equals(actual, Expected.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new ChecksumMismatchException($"{_archive}:{_member}", ChecksumKind == XvaChecksumKind.XxHash64 ? "chunk XXH64" : "chunk SHA-1", Expected.Trim(), actual);
        }
    }

    private void ReadFromFile(Span<byte> content)
    {
        PositionalRead.ReadExactly(_file!, _archive, content, _filePosition, $"chunk \"{_member}\"");
    }
}
