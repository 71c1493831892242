using System.Security.Cryptography;

namespace V2V.Adapters.VMware.Ova;

/// <summary>A read-only pass-through stream that hashes what is read, for checking manifests while streaming.</summary>
public sealed class HashingReadStream(Stream inner, HashAlgorithmName? algorithm) : V2V.Core.Formats.ForwardOnlyStream
{
    private readonly IncrementalHash? _hash = algorithm is { } a ? IncrementalHash.CreateHash(a) : null;

    /// <summary>Lower-case hex of everything read so far (null when not hashing).</summary>
    public string? FinishHex() => _hash is null ? null : Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override int Read(Span<byte> buffer)
    {
        int got = inner.Read(buffer);
        _hash?.AppendData(buffer[..got]);
        return got;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }
}
