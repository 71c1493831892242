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

    /// <summary>
    /// Where the target's block allocation stands now, to pass to <see cref="ReleaseSince"/>; 0 for
    /// formats that allocate nothing (raw, fixed).
    /// </summary>
    long AllocationMark => 0;

    /// <summary>
    /// Takes back every block first allocated after <paramref name="mark"/> (an <see cref="AllocationMark"/>):
    /// its table entry is "not present" again, as before, and the file ends where it ended at the
    /// mark. Only for blocks whose every write since the mark was undone (they read as zero again),
    /// and never while another write is in flight. Formats that allocate nothing do nothing.
    /// </summary>
    void ReleaseSince(long mark)
    {
    }
}
