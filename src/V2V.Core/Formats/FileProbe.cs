namespace V2V.Core.Formats;

/// <summary>
/// The bytes format detectors look at: the head of the file (up to <see cref="HeadSize"/>)
/// and its last 1 KiB (VHD footers, VMDK stream footers). Read once, shared by every detector.
/// </summary>
public sealed class FileProbe
{
    public const int HeadSize = 64 * 1024;
    public const int TailSize = 1024;

    private FileProbe(string path, long length, byte[] head, byte[] tail)
    {
        Path = path;
        Length = length;
        Head = head;
        Tail = tail;
    }

    public string Path { get; }
    public long Length { get; }

    /// <summary>The first min(64 KiB, length) bytes of a file; what was peeked of a stream.</summary>
    public ReadOnlyMemory<byte> Head { get; }

    /// <summary>The last min(1 KiB, length) bytes.</summary>
    public ReadOnlyMemory<byte> Tail { get; }

    public static FileProbe Read(string path, long length, Func<long, Memory<byte>, int> readAt)
    {
        var head = new byte[(int)Math.Min(HeadSize, length)];
        int got = readAt(0, head);
        var tail = new byte[(int)Math.Min(TailSize, length)];
        int gotTail = readAt(length - tail.Length, tail);
        return new FileProbe(path, length, head[..got], tail[..gotTail]);
    }

    /// <summary>
    /// What is peeked from a stream (stdin) that starts with a zstd frame, which cannot be probed
    /// again: up to 1 MiB, since zstd's first block (up to 128 KiB compressed) must be whole before
    /// anything inflates. Other streams are peeked up to <see cref="HeadSize"/>.
    /// </summary>
    public const int StreamHeadSize = 1024 * 1024;

    /// <summary>A probe of bytes peeked from a stream: all of them are the head (up to <see cref="StreamHeadSize"/>).</summary>
    public static FileProbe FromBytes(string path, byte[] content) =>
        new(path, content.Length, content, content[Math.Max(0, content.Length - TailSize)..]);

    public bool HeadStartsWith(ReadOnlySpan<byte> magic, int offset = 0) =>
        Head.Length >= offset + magic.Length && Head.Span.Slice(offset, magic.Length).SequenceEqual(magic);
}
