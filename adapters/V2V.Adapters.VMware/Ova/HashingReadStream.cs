using System.Security.Cryptography;

namespace V2V.Adapters.VMware.Ova;

/// <summary>A read-only pass-through stream that hashes what is read, for checking manifests while streaming.</summary>
public sealed class HashingReadStream(Stream inner, HashAlgorithmName? algorithm) : Stream
{
    private readonly IncrementalHash? _hash = algorithm is { } a ? IncrementalHash.CreateHash(a) : null;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Lower-case hex of everything read so far (null when not hashing).</summary>
    public string? FinishHex() => _hash is null ? null : Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int got = inner.Read(buffer);
        _hash?.AppendData(buffer[..got]);
        return got;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }
}
