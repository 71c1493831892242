namespace V2V.Core.Formats;

/// <summary>
/// A forward-only stream (stdin) whose first bytes were already read to recognise its format:
/// they are replayed before the rest, so the reader sees the stream whole.
/// </summary>
public sealed class PrefixedStream(byte[] prefix, Stream rest) : ForwardOnlyStream
{
    private int _replayed;

    /// <summary>Reads up to <paramref name="probeSize"/> bytes of the stream for format detection.</summary>
    public static (byte[] Head, PrefixedStream Stream) Peek(Stream input, int probeSize)
    {
        var head = new byte[probeSize];
        int got = 0;
        while (got < head.Length)
        {
            int read = input.Read(head, got, head.Length - got);
            if (read == 0)
            {
                break;
            }

            got += read;
        }

        var bytes = head[..got];
        return (bytes, new PrefixedStream(bytes, input));
    }

    public override int Read(Span<byte> buffer)
    {
        if (_replayed < prefix.Length)
        {
            int n = Math.Min(buffer.Length, prefix.Length - _replayed);
            prefix.AsSpan(_replayed, n).CopyTo(buffer);
            _replayed += n;
            return n;
        }

        return rest.Read(buffer);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rest.Dispose();
        }

        base.Dispose(disposing);
    }
}
