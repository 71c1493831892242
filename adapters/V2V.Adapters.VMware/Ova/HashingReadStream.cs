using System.Security.Cryptography;

namespace V2V.Adapters.VMware.Ova;

/// <summary>
/// A read-only pass-through stream that hashes what is read, for checking manifests while
/// streaming: with the one algorithm the manifest names, or with every algorithm a manifest may
/// use when the manifest comes at the end of the package.
/// </summary>
public sealed class HashingReadStream(Stream inner, IEnumerable<HashAlgorithmName> algorithms) : V2V.Core.Formats.ForwardOnlyStream
{
    /// <summary>The algorithms a manifest may name (OVF 1.x and 2.x).</summary>
    public static readonly HashAlgorithmName[] ManifestAlgorithms = [HashAlgorithmName.SHA1, HashAlgorithmName.SHA256, HashAlgorithmName.SHA512];

    private readonly Dictionary<HashAlgorithmName, IncrementalHash> _hashes = algorithms.Distinct().ToDictionary(a => a, IncrementalHash.CreateHash);

    /// <summary>Lower-case hex of everything read so far, per algorithm.</summary>
    public Dictionary<HashAlgorithmName, string> FinishHex() =>
        _hashes.ToDictionary(h => h.Key, h => Convert.ToHexStringLower(h.Value.GetHashAndReset()));

    public override int Read(Span<byte> buffer)
    {
        int got = inner.Read(buffer);
        foreach (var hash in _hashes.Values)
        {
            hash.AppendData(buffer[..got]);
        }

        return got;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var hash in _hashes.Values)
            {
                hash.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
