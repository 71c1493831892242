namespace V2V.Core.Disks;

/// <summary>
/// A target that can read back what it has been given before <see cref="IDiskTarget.Complete"/>:
/// the post-copy guest stage reads the partial target through it and writes its changes with
/// <see cref="IDiskTarget.Write"/> (any range inside one 1 MiB chunk, any order, rewrites included).
/// Ranges never written read as zero.
/// </summary>
public interface IReadBackTarget : IDiskTarget
{
    /// <summary>
    /// Reads <paramref name="destination"/>.Length bytes of the virtual disk at <paramref name="offset"/>
    /// (inside [0, <see cref="IDiskTarget.Capacity"/>)), as written so far; thread-safe with writes to other chunks.
    /// </summary>
    void ReadBack(long offset, Span<byte> destination);
}
