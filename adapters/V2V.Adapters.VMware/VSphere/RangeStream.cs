namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// One ranged GET of a datastore file whose body is read front to back, in as many reads as the
/// caller likes: <see cref="Position"/> is the file offset of the next byte it yields, and
/// <see cref="End"/> the offset after the last one the server was asked for. Reading a long
/// range through one response costs one request and one TLS stream instead of one per read.
/// </summary>
internal sealed class RangeStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;

    public RangeStream(HttpResponseMessage response, Stream body, long position, long end)
    {
        _response = response;
        _body = body;
        Position = position;
        End = end;
    }

    public long Position { get; private set; }
    public long End { get; }

    /// <summary>False once a read failed or the body ended early: the response cannot yield more.</summary>
    public bool Usable { get; private set; } = true;

    /// <summary>
    /// Reads until <paramref name="destination"/> is full, the body ends or the transfer fails; a
    /// transfer that makes no progress for <paramref name="stall"/> is cut off.
    /// </summary>
    /// <returns>Bytes read; fewer than asked leaves the stream unusable.</returns>
    /// <exception cref="IOException">The transfer failed before yielding a byte.</exception>
    public int Read(Span<byte> destination, TimeSpan stall)
    {
        using var timeout = new CancellationTokenSource(stall);
        // A stalled transfer is cut off by disposing the response; the read then fails and is retried.
        using var cut = timeout.Token.Register(_response.Dispose);
        int done = 0;
        try
        {
            while (done < destination.Length)
            {
                int read = _body.Read(destination[done..]);
                if (read == 0)
                {
                    break;
                }

                done += read;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or HttpRequestException)
        {
            Usable = false;
            if (done == 0)
            {
                throw new IOException(e.Message, e);
            }
        }
        finally
        {
            Position += done;
        }

        Usable &= done == destination.Length;
        return done;
    }

    public void Dispose()
    {
        _body.Dispose();
        _response.Dispose();
    }
}
