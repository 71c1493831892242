using System.Diagnostics;
using System.Net;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// A file on a datastore read through the host's file route (GET /folder/PATH?dcPath=&amp;dsName=,
/// as virt-v2v reads it) with ranged GETs, safe to call from several threads. Large reads (a
/// flat extent's 1 MiB chunks, which the pipeline's workers ask for in ascending order) continue
/// one open GET of up to <see cref="StreamSpan"/> bytes, one read after the other, as a single
/// download would: one GET per MiB cost the simulator's TLS server about half again the CPU.
/// Small reads (sparse headers, grain tables, grains) are served from 1 MiB blocks, each its own
/// GET, kept in a small cache, so a sparse extent costs a GET per MiB, not per grain. A transfer
/// cut off is resumed from the byte it reached, at most <see cref="MaxAttempts"/> times in all
/// for one read, then it is an error (exit 3).
/// </summary>
public sealed class DatastoreFile : IImageBytes
{
    public const int MaxAttempts = 4;
    private const int BlockSize = 1024 * 1024;
    private const int CachedBlocks = 16;

    /// <summary>How far a sequential stream's GET reaches: its response is read to the end, so the connection is kept.</summary>
    private const long StreamSpan = 64L * 1024 * 1024;

    /// <summary>Open streams kept for sequential reads (readers that race each other may each open one).</summary>
    private const int OpenStreams = 2;

    /// <summary>How far behind a read a stream may stand, idle or being read, for the read to wait for it (chunks in flight).</summary>
    private const long CatchUpSpan = 4L * BlockSize;

    /// <summary>How long a read waits for a stream behind it before opening its own (a range nobody reads never arrives); tests make it long.</summary>
    internal static TimeSpan CatchUpWait { get; set; } = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan CatchUpSlice = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(2);

    private readonly VimClient _client;
    private readonly Uri _url;
    private readonly Dictionary<long, byte[]> _blocks = [];
    private readonly Queue<long> _order = new();
    private readonly List<RangeStream> _streams = [];
    private readonly List<long> _readingUntil = [];

    private DatastoreFile(VimClient client, Uri url, string name, long length)
    {
        _client = client;
        _url = url;
        Name = name;
        Length = length;
    }

    /// <summary>What messages call the file: "[datastore] folder/file.vmdk".</summary>
    public string Name { get; }

    public long Length { get; }

    /// <summary>Seconds spent waiting between attempts; tests make it 0.</summary>
    public static double RetryDelaySeconds { get; set; } = 0.5;

    /// <exception cref="InvalidImageException">The file does not exist (HTTP 404).</exception>
    /// <exception cref="VSphereException">The server refused or failed.</exception>
    public static DatastoreFile Open(VimClient client, string datacenterPath, DatastorePath path, CancellationToken cancellationToken = default)
    {
        var url = client.Endpoint.DatastoreFile(datacenterPath, path.Datastore, path.Path);
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        client.AddSession(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AttemptTimeout);
        using var response = client.Send(request, $"reading {path}", timeout.Token);
        Check(client, response, path.ToString());
        long length = response.Content.Headers.ContentLength
            ?? throw new VSphereException(client.Server, $"{path}: the server did not say how large the file is (no Content-Length)", VSphereException.Failure);
        return new DatastoreFile(client, url, path.ToString(), length);
    }

    private static void Check(VimClient client, HttpResponseMessage response, string name)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new InvalidImageException(name, "does not exist on the datastore (HTTP 404)");
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new VSphereException(client.Server, $"{name}: HTTP {(int)response.StatusCode}: the vSphere user may not browse this datastore (Datastore.Browse and Datastore.FileManagement are needed)", VSphereException.Usage);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new VSphereException(client.Server, $"{name}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", VSphereException.Failure);
        }
    }

    public void ReadExactly(long offset, Span<byte> destination, string what)
    {
        if (offset < 0 || offset > Length - destination.Length)
        {
            throw new InvalidImageException(Name, $"truncated: {what} needs {destination.Length} bytes at offset {offset}, but the file is {Length} bytes");
        }

        if (destination.Length >= BlockSize)
        {
            Fetch(offset, destination, sequential: true);
            return;
        }

        while (!destination.IsEmpty)
        {
            long block = offset / BlockSize;
            int inBlock = (int)(offset - block * BlockSize);
            var bytes = Block(block);
            int length = Math.Min(destination.Length, bytes.Length - inBlock);
            bytes.AsSpan(inBlock, length).CopyTo(destination);
            destination = destination[length..];
            offset += length;
        }
    }

    private byte[] Block(long index)
    {
        lock (_blocks)
        {
            if (_blocks.TryGetValue(index, out var cached))
            {
                return cached;
            }
        }

        var bytes = new byte[(int)Math.Min(BlockSize, Length - index * BlockSize)];
        Fetch(index * BlockSize, bytes, sequential: false);
        lock (_blocks)
        {
            if (_blocks.TryAdd(index, bytes))
            {
                _order.Enqueue(index);
                while (_order.Count > CachedBlocks)
                {
                    _blocks.Remove(_order.Dequeue());
                }
            }
        }

        return bytes;
    }

    /// <summary>
    /// Reads <paramref name="destination"/> at <paramref name="offset"/>, resumed by a new ranged
    /// GET from the byte reached when the connection drops. A sequential read continues an open
    /// stream that stands at <paramref name="offset"/>, or waits for the read in progress that ends
    /// there, and leaves its stream open for the next one.
    /// </summary>
    private void Fetch(long offset, Span<byte> destination, bool sequential)
    {
        long end = offset + destination.Length;
        var stream = sequential ? TakeStream(offset, end) : null;
        int done = 0;
        string? last = null;
        try
        {
            for (int attempt = 1; attempt <= MaxAttempts && done < destination.Length; attempt++)
            {
                if (attempt > 1 && RetryDelaySeconds > 0)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(RetryDelaySeconds * (attempt - 1)));
                }

                try
                {
                    stream ??= OpenStream(offset + done, sequential ? Math.Min(Length, Math.Max(end, (offset / StreamSpan + 1) * StreamSpan)) : end);
                    done += stream.Read(destination[done..], AttemptTimeout);
                    if (done < destination.Length)
                    {
                        last = "the server ended the response early";
                    }
                }
                catch (IOException e)
                {
                    last = e.Message;
                }
                catch (VSphereException e) when (e.ExitCode == VSphereException.Failure)
                {
                    last = e.Message;
                }

                if (stream is { Usable: false })
                {
                    stream.Dispose();
                    stream = null;
                }
            }
        }
        finally
        {
            if (sequential)
            {
                ReturnStream(end, stream);
            }
            else
            {
                stream?.Dispose();
            }
        }

        if (done < destination.Length)
        {
            throw new VSphereException(_client.Server, $"{Name}: the download failed {MaxAttempts} times at byte {offset + done} of {Length} ({last})", VSphereException.Failure);
        }
    }

    /// <summary>
    /// The open stream standing at <paramref name="offset"/>, or null: records this read as in
    /// progress until <paramref name="end"/>, then waits for the read in progress that ends at
    /// <paramref name="offset"/> (its stream will stand there).
    /// </summary>
    private RangeStream? TakeStream(long offset, long end)
    {
        lock (_streams)
        {
            // Recorded before waiting, so a read after this one waits for it rather than opening a stream of its own.
            _readingUntil.Add(end);
            long started = Stopwatch.GetTimestamp();
            int index;
            while (true)
            {
                if (_readingUntil.Contains(offset))
                {
                    Monitor.Wait(_streams);
                    continue;
                }

                index = _streams.FindIndex(s => s.Position == offset && s.End >= end);
                // A worker that overtook the one reading the chunk before its own finds the stream a
                // little behind: waiting for it beats a second GET (a TLS handshake, and a connection
                // closed with megabytes the server encrypted for nothing when the first one is dropped).
                bool behind = _streams.Exists(s => s.Position < offset && s.Position >= offset - CatchUpSpan && s.End >= end)
                    || _readingUntil.Exists(e => e < offset && e >= offset - CatchUpSpan);
                if (index >= 0 || !behind || Stopwatch.GetElapsedTime(started) >= CatchUpWait)
                {
                    break;
                }

                Monitor.Wait(_streams, CatchUpSlice);
            }

            if (index < 0)
            {
                return null;
            }

            var stream = _streams[index];
            _streams.RemoveAt(index);
            return stream;
        }
    }

    /// <summary>Ends the read recorded by <see cref="TakeStream"/>; keeps its stream if it can yield more.</summary>
    private void ReturnStream(long end, RangeStream? stream)
    {
        RangeStream? evicted = null;
        lock (_streams)
        {
            _readingUntil.Remove(end);
            if (stream is { Usable: true } && stream.Position < stream.End)
            {
                _streams.Add(stream);
                stream = null;
                if (_streams.Count > OpenStreams)
                {
                    evicted = _streams[0];
                    _streams.RemoveAt(0);
                }
            }

            Monitor.PulseAll(_streams);
        }

        stream?.Dispose();
        evicted?.Dispose();
    }

    /// <summary>Sends a GET for bytes [<paramref name="offset"/>, <paramref name="end"/>) and returns its body unread.</summary>
    private RangeStream OpenStream(long offset, long end)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _url);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(offset, end - 1);
        _client.AddSession(request);
        using var timeout = new CancellationTokenSource(AttemptTimeout);
        var response = _client.Send(request, $"reading {Name}", timeout.Token);
        try
        {
            Check(_client, response, Name);
            if (response.StatusCode != HttpStatusCode.PartialContent && !(response.StatusCode == HttpStatusCode.OK && offset == 0))
            {
                throw new VSphereException(_client.Server, $"{Name}: the server ignored the byte range (HTTP {(int)response.StatusCode})", VSphereException.Usage);
            }

            return new RangeStream(response, response.Content.ReadAsStream(timeout.Token), offset, end);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        lock (_blocks)
        {
            _blocks.Clear();
            _order.Clear();
        }

        lock (_streams)
        {
            _streams.ForEach(s => s.Dispose());
            _streams.Clear();
        }
    }
}
