using System.Net;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// A file on a datastore read through the host's file route (GET /folder/PATH?dcPath=&amp;dsName=,
/// as virt-v2v reads it) with ranged GETs, any number in parallel. A transfer cut off is resumed
/// from the byte it reached, at most <see cref="MaxAttempts"/> times in all for one read, then it
/// is an error (exit 3). Small reads (sparse headers, grain tables, grains) are served from
/// 1 MiB blocks kept in a small cache, so a sparse extent costs a GET per MiB, not per grain.
/// </summary>
public sealed class DatastoreFile : IImageBytes
{
    public const int MaxAttempts = 4;
    private const int BlockSize = 1024 * 1024;
    private const int CachedBlocks = 16;
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(2);

    private readonly VimClient _client;
    private readonly Uri _url;
    private readonly Dictionary<long, byte[]> _blocks = [];
    private readonly Queue<long> _order = new();

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
            Fetch(offset, destination);
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
        Fetch(index * BlockSize, bytes);
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

    /// <summary>One ranged GET, resumed where it stopped when the connection drops.</summary>
    private void Fetch(long offset, Span<byte> destination)
    {
        int done = 0;
        string? last = null;
        for (int attempt = 1; attempt <= MaxAttempts && done < destination.Length; attempt++)
        {
            if (attempt > 1 && RetryDelaySeconds > 0)
            {
                Thread.Sleep(TimeSpan.FromSeconds(RetryDelaySeconds * (attempt - 1)));
            }

            try
            {
                done += FetchOnce(offset + done, destination[done..]);
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
        }

        if (done < destination.Length)
        {
            throw new VSphereException(_client.Server, $"{Name}: the download failed {MaxAttempts} times at byte {offset + done} of {Length} ({last})", VSphereException.Failure);
        }
    }

    private int FetchOnce(long offset, Span<byte> destination)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _url);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(offset, offset + destination.Length - 1);
        _client.AddSession(request);
        using var timeout = new CancellationTokenSource(AttemptTimeout);
        using var response = _client.Send(request, $"reading {Name}", timeout.Token);
        Check(_client, response, Name);
        if (response.StatusCode != HttpStatusCode.PartialContent && !(response.StatusCode == HttpStatusCode.OK && offset == 0))
        {
            throw new VSphereException(_client.Server, $"{Name}: the server ignored the byte range (HTTP {(int)response.StatusCode})", VSphereException.Usage);
        }

        using var stream = response.Content.ReadAsStream(timeout.Token);
        // A stalled transfer is cut off by disposing the response; the read then fails and is retried.
        using var stall = timeout.Token.Register(response.Dispose);
        int done = 0;
        try
        {
            while (done < destination.Length)
            {
                int read = stream.Read(destination[done..]);
                if (read == 0)
                {
                    break;
                }

                done += read;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or HttpRequestException)
        {
            if (done == 0)
            {
                throw new IOException(e.Message, e);
            }
        }

        return done;
    }

    public void Dispose()
    {
        lock (_blocks)
        {
            _blocks.Clear();
            _order.Clear();
        }
    }
}
