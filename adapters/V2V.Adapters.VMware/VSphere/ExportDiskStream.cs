using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using V2V.Core.Errors;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// One disk's streamOptimized VMDK as an export lease serves it: a single GET read front to back
/// (an export stream is made on the fly and cannot be resumed by range). A connection that drops,
/// a response shorter than its Content-Length, or a stream that makes no progress for
/// <see cref="StallTimeout"/> is a <see cref="VSphereException"/> (exit 3); more bytes than
/// <see cref="MaxBytes"/> is an <see cref="InvalidImageException"/> (exit 2).
/// </summary>
internal sealed class ExportDiskStream : Stream
{
    public static readonly TimeSpan StallTimeout = TimeSpan.FromMinutes(5);

    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly string _server;
    private readonly CancellationTokenSource _stall = new();
    private readonly Func<Exception?> _leaseFailure;
    private long _read;
    private int _cut;

    private ExportDiskStream(HttpResponseMessage response, Stream body, string name, string server, Func<Exception?> leaseFailure)
    {
        _response = response;
        _body = body;
        _server = server;
        _leaseFailure = leaseFailure;
        Name = name;
        ContentLength = response.Content.Headers.ContentLength;
        _stall.Token.Register(Cut);
        _stall.CancelAfter(StallTimeout);
    }

    public string Name { get; }

    /// <summary>The response's Content-Length, when the server sent one.</summary>
    public long? ContentLength { get; }

    /// <summary>Bound on the bytes read; set from the disk's capacity once the VMDK header is read.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    public long BytesRead => Interlocked.Read(ref _read);

    /// <summary>The client for lease URLs: the session's certificate policy, or the SHA-1 thumbprint the lease names for its hosts.</summary>
    public static HttpClient Client(CertificatePin pin, HttpNfcLease lease)
    {
        var thumbprints = lease.Devices.Select(d => d.SslThumbprint?.Replace(":", "", StringComparison.Ordinal))
            .Where(hex => hex is { Length: 40 } && hex.All(Uri.IsHexDigit)).Select(hex => Convert.FromHexString(hex!)).ToList();
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            pin.Validate(sender, certificate, chain, errors)
            || (certificate is not null && thumbprints.Any(t => CryptographicOperations.FixedTimeEquals(t, Sha1(certificate))));
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

#pragma warning disable CA5350 // vSphere names a host's certificate by its SHA-1 thumbprint (HttpNfcLeaseDeviceUrl.sslThumbprint); the lease came over the trusted session.
    private static byte[] Sha1(X509Certificate certificate) => SHA1.HashData(certificate.GetRawCertData());
#pragma warning restore CA5350

    /// <summary>GETs a lease URL; the session cookie goes only to the session's own server.</summary>
    /// <param name="leaseFailure">The keep-alive's failure, reported instead of the broken stream it causes.</param>
    public static ExportDiskStream Open(HttpClient http, VimClient client, LeaseDevice device, string name, Func<Exception?> leaseFailure, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, device.Url);
        if (device.OnServer)
        {
            client.AddSession(request);
        }

        HttpResponseMessage response;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            response = http.Send(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException)
        {
            throw new VSphereException(client.Server, $"{name}: the certificate of {device.Url.Authority} is neither trusted, nor pinned, nor the one the export lease names ({device.SslThumbprint ?? "none"})", VSphereException.Usage, e);
        }
        catch (HttpRequestException e)
        {
            throw new VSphereException(client.Server, $"{name}: cannot reach {device.Url.Authority} for the export stream: {e.Message}", VSphereException.Failure, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new VSphereException(client.Server, $"{name}: {device.Url.Authority} did not answer the export request in time", VSphereException.Failure, e);
        }

        try
        {
            if (!response.IsSuccessStatusCode)
            {
                int code = (int)response.StatusCode;
                throw new VSphereException(client.Server, response.StatusCode switch
                {
                    HttpStatusCode.NotFound => $"{name}: the export URL answered HTTP 404 (the lease ended: aborted, completed or timed out)",
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => $"{name}: the export URL answered HTTP {code}: the vSphere user may not export this VM (VApp.Export is needed)",
                    _ => $"{name}: the export URL answered HTTP {code} {response.ReasonPhrase}",
                }, response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? VSphereException.Usage : VSphereException.Failure);
            }

            return new ExportDiskStream(response, response.Content.ReadAsStream(cancellationToken), name, client.Server, leaseFailure);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Breaks off the transfer; the pending or next read fails.</summary>
    public void Cut()
    {
        if (Interlocked.Exchange(ref _cut, 1) == 0)
        {
            _response.Dispose();
        }
    }

    public override int Read(Span<byte> buffer)
    {
        int got;
        try
        {
            got = _body.Read(buffer);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
        {
            throw Broken(e.Message, e);
        }

        if (got == 0 && ContentLength is { } length && _read < length)
        {
            throw Broken($"the response ended after {_read} of its {length} bytes", null);
        }

        if (Interlocked.Add(ref _read, got) > MaxBytes)
        {
            throw new InvalidImageException(Name, $"the export stream goes on past {MaxBytes} bytes, more than a streamOptimized VMDK of this capacity can take");
        }

        _stall.CancelAfter(StallTimeout);
        return got;
    }

    private Exception Broken(string reason, Exception? inner)
    {
        if (_leaseFailure() is { } failure)
        {
            return failure;
        }

        string why = _stall.IsCancellationRequested && _cut == 1 ? $"no data for {StallTimeout.TotalMinutes:0} minutes" : reason;
        return new VSphereException(_server, $"{Name}: the export stream broke off at byte {_read}{(ContentLength is { } l ? $" of {l}" : "")} ({why}); an export stream cannot be resumed, run again", VSphereException.Failure, inner);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stall.Dispose();
            _body.Dispose();
            _response.Dispose();
        }

        base.Dispose(disposing);
    }
}
