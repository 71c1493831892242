using V2V.Core.Pipeline;

namespace V2V.Guest.Fixups;

/// <summary>
/// The pipeline stage of an offline undo: every chunk of a fixed disk gets the journal's original
/// bytes back where the fixups changed it, so the copy holds the disk as it was before them. The
/// journal's ranges must lie in chunks the fixed disk stores (only those pass through a transform).
/// </summary>
public sealed class FixupUndoTransform(JournalRanges ranges) : IChunkTransform
{
    public void Transform(long offset, Span<byte> chunk) => ranges.Restore(offset, chunk);
}
