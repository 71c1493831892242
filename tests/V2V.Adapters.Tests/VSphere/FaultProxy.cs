using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>A request the proxy received: method, path with query, headers (lower-case names) and body.</summary>
public sealed record ProxyRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>What the proxy does with a request instead of forwarding it.</summary>
public abstract record ProxyAction
{
    /// <summary>Sends these bytes as the whole response (status line, headers, body).</summary>
    public sealed record Respond(byte[] Raw) : ProxyAction;

    /// <summary>Forwards, but sends only the first <paramref name="Bytes"/> of the body and then closes the connection.</summary>
    public sealed record Cut(int Bytes) : ProxyAction;

    /// <summary>Forwards, and passes the response body through <paramref name="Body"/> (a server that reports something else).</summary>
    public sealed record Rewrite(Func<string, string> Body) : ProxyAction;

    /// <summary>Forwards after waiting this long (a slow server).</summary>
    public sealed record Delay(int Milliseconds) : ProxyAction;

    public static Respond Http(int status, string body, string extraHeaders = "") =>
        new(Encoding.UTF8.GetBytes($"HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n{extraHeaders}\r\n{body}"));
}

/// <summary>
/// A TLS man in the middle for fault tests: forwards requests to the simulator, except those its
/// <see cref="Rule"/> answers itself (a SOAP fault, a DTD, a huge response, a connection cut
/// mid-body) or delays. Its own self-signed certificate's thumbprint is <see cref="Sha256"/>.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();

    /// <param name="targetSha256">The simulator's thumbprint, which the proxy pins.</param>
    public FaultProxy(Uri target, string targetSha256)
    {
        _target = target;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=fault-proxy", key, HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        Sha256 = V2V.Adapters.VMware.VSphere.CertificatePin.Sha256Of(_certificate);
        _upstream = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            SslOptions = { RemoteCertificateValidationCallback = new V2V.Adapters.VMware.VSphere.CertificatePin(targetSha256).Validate },
        });
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _ = Task.Run(AcceptAll);
    }

    public string Server => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
    public string Sha256 { get; }

    /// <summary>Decides per request: null forwards it.</summary>
    public Func<ProxyRequest, ProxyAction?> Rule { get; set; } = _ => null;

    private async Task AcceptAll()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(_certificate);
                while (await ReadRequest(tls) is { } request)
                {
                    if (!await Answer(tls, request))
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException or SocketException)
            {
            }
        }
    }

    /// <returns>False when the connection must close.</returns>
    private async Task<bool> Answer(SslStream tls, ProxyRequest request)
    {
        var action = Rule(request);
        if (action is ProxyAction.Respond respond)
        {
            await tls.WriteAsync(respond.Raw);
            return true;
        }

        if (action is ProxyAction.Delay delay)
        {
            await Task.Delay(delay.Milliseconds);
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_target, request.Target));
        if (request.Method == "POST")
        {
            forward.Content = new StringContent(request.Body, Encoding.UTF8, "text/xml");
        }

        foreach (var (name, value) in request.Headers)
        {
            if (name is "cookie" or "range" or "soapaction")
            {
                forward.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await _upstream.SendAsync(forward);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        if (action is ProxyAction.Rewrite rewrite)
        {
            body = Encoding.UTF8.GetBytes(rewrite.Body(Encoding.UTF8.GetString(body)));
        }

        var head = new StringBuilder("HTTP/1.1 ").Append((int)response.StatusCode).Append(' ').Append(response.ReasonPhrase).Append("\r\n");
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (header.Key is not ("Transfer-Encoding" or "Content-Length" or "Connection"))
            {
                foreach (var value in header.Value)
                {
                    head.Append(header.Key).Append(": ").Append(value).Append("\r\n");
                }
            }
        }

        head.Append("Content-Length: ").Append(request.Method == "HEAD" ? response.Content.Headers.ContentLength ?? 0 : body.Length).Append("\r\n\r\n");
        await tls.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        if (action is ProxyAction.Cut cut)
        {
            await tls.WriteAsync(body.AsMemory(0, Math.Min(cut.Bytes, body.Length)));
            return false;
        }

        await tls.WriteAsync(body);
        return true;
    }

    private static async Task<ProxyRequest?> ReadRequest(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            head.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var first = lines[0].Split(' ');
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = new byte[headers.TryGetValue("content-length", out var length) ? int.Parse(length, System.Globalization.CultureInfo.InvariantCulture) : 0];
        await stream.ReadExactlyAsync(body);
        return new ProxyRequest(first[0], first[1], headers, Encoding.UTF8.GetString(body));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _upstream.Dispose();
        _certificate.Dispose();
        _stop.Dispose();
    }
}
