namespace V2V.Core.Pipeline;

/// <summary>
/// The unit the pipeline moves: the virtual disk is cut into 1 MiB chunks at 1 MiB-aligned
/// offsets (the last one may be short). It is also the piece size of the content digest, so a
/// chunk's hash is computed once, by the worker that read it.
/// </summary>
public static class Chunk
{
    public const int Size = 1024 * 1024;

    public static long CountFor(long length) => (length + Size - 1) / Size;
}
