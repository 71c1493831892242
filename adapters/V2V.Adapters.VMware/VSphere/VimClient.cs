using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Xml.Linq;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// A vSphere Web Services (SOAP, vim25) session over HTTPS: RetrieveServiceContent, Login, the
/// session cookie on every later request (SOAP and datastore downloads), Logout when disposed —
/// on every path out, failures included. XML is built with LINQ to XML and read with DTDs refused
/// and a size cap, so nothing is deserialised by reflection (AOT-compatible).
/// </summary>
public sealed class VimClient : IDisposable
{
    /// <summary>Largest SOAP response read: a VM's configuration is tens of KiB, a view of every VM's name a few MiB.</summary>
    public const int MaxResponseBytes = 32 * 1024 * 1024;

    /// <summary>API version asked for; every call used here exists since 5.0 and later servers still serve it.</summary>
    private const string SoapAction = "urn:vim25/6.0";

    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(2);

    private readonly CertificatePin _pin;
    private string? _cookie;

    private VimClient(VSphereEndpoint endpoint, CertificatePin pin, HttpClient http)
    {
        Endpoint = endpoint;
        _pin = pin;
        Http = http;
    }

    public VSphereEndpoint Endpoint { get; }

    /// <summary>What messages call the server: "vsphere://host".</summary>
    public string Server => Endpoint.Display;

    /// <summary>The HTTP client whose handler checks the certificate as <see cref="CertificatePin"/> says.</summary>
    internal HttpClient Http { get; }

    public ServiceContent Content { get; private set; } = null!;

    /// <summary>"VMware vCenter Server 6.5.0 build-..." as the server names itself.</summary>
    public string About { get; private set; } = "";

    /// <summary>Connects, reads the service content and logs in; on any failure nothing stays open.</summary>
    /// <exception cref="VSphereException">Unreachable, untrusted certificate, login refused, faults.</exception>
    public static VimClient Connect(VSphereEndpoint endpoint, string user, VSpherePassword password, CertificatePin pin, CancellationToken cancellationToken = default)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 16,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
            ConnectCallback = ConnectAsync,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = pin.Validate;
        var client = new VimClient(endpoint, pin, new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan });
        try
        {
            var content = client.Invoke("RetrieveServiceContent", new MoRef("ServiceInstance", "ServiceInstance"), [], cancellationToken).Child("returnval")
                ?? throw client.Malformed("RetrieveServiceContent returned nothing");
            client.Content = ServiceContent.Read(content, client);
            client.About = content.Child("about")?.ChildValue("fullName") ?? "";
            try
            {
                var response = client.Invoke("Login", client.Content.SessionManager, [new XElement(VimXml.Vim + "userName", user), new XElement(VimXml.Vim + "password", password.Value)], cancellationToken);
                if (client._cookie is null || response.Child("returnval") is null)
                {
                    throw client.Malformed("Login answered without a session cookie");
                }
            }
            catch (VSphereException e) when (e.FaultName == "InvalidLogin")
            {
                throw new VSphereException(client.Server, $"login refused for user \"{user}\": wrong user name or password (the password came from {password.Origin})", VSphereException.Usage, faultName: e.FaultName);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Calls a vim25 method on <paramref name="target"/> and returns its &lt;METHODResponse&gt;
    /// element. A SOAP fault becomes a <see cref="VSphereException"/> carrying the fault's type.
    /// </summary>
    public XElement Invoke(string method, MoRef target, IEnumerable<XElement> arguments, CancellationToken cancellationToken = default)
    {
        var envelope = new XElement(VimXml.Soap + "Envelope",
            new XAttribute(XNamespace.Xmlns + "soapenv", VimXml.Soap.NamespaceName),
            new XElement(VimXml.Soap + "Body", new XElement(VimXml.Vim + method, new XAttribute("xmlns", VimXml.Vim.NamespaceName), target.ToXml("_this"), arguments)));
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint.Sdk)
        {
            Content = new StringContent(envelope.ToString(SaveOptions.DisableFormatting), Encoding.UTF8, "text/xml"),
        };
        request.Headers.Add("SOAPAction", SoapAction);
        AddSession(request);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        using var response = Send(request, method, timeout.Token);
        if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            foreach (var cookie in cookies)
            {
                if (cookie.StartsWith("vmware_soap_session=", StringComparison.Ordinal))
                {
                    _cookie = cookie.Split(';')[0];
                }
            }
        }

        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.InternalServerError))
        {
            throw new VSphereException(Server, $"{method}: HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {Endpoint.Sdk}", VSphereException.Failure);
        }

        byte[] body = ReadBounded(response, method, timeout.Token);
        var document = UntrustedXml.Load(Server, $"the {method} response", body, MaxResponseBytes);
        var soapBody = document.Root?.Element(VimXml.Soap + "Body") ?? throw Malformed($"the {method} response has no SOAP Body");
        if (soapBody.Element(VimXml.Soap + "Fault") is { } fault)
        {
            throw Fault(method, fault);
        }

        return soapBody.Element(VimXml.Vim + method + "Response") ?? throw Malformed($"the {method} response has no {method}Response");
    }

    /// <summary>Adds the session cookie to a request of this session (SOAP or a datastore file).</summary>
    internal void AddSession(HttpRequestMessage request)
    {
        if (_cookie is not null)
        {
            request.Headers.Add("Cookie", _cookie);
        }
    }

    /// <summary>Opens the TCP connection under the TLS layer as the handler would, wrapped in <see cref="TransportStream"/>.</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new TransportStream(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends a request, turning transport failures into messages that say what to do.</summary>
    internal HttpResponseMessage Send(HttpRequestMessage request, string what, CancellationToken cancellationToken)
    {
        try
        {
            return Http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException || _pin.Refused is not null)
        {
            throw new VSphereException(Server, _pin.Explain($"{Endpoint.Sdk.Host}:{Endpoint.Sdk.Port}"), VSphereException.Usage, e);
        }
        catch (HttpRequestException e)
        {
            throw new VSphereException(Server, $"{what}: cannot reach {Endpoint.Sdk.GetLeftPart(UriPartial.Authority)}: {e.Message}", VSphereException.Failure, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested || e is TaskCanceledException { InnerException: TimeoutException })
        {
            throw new VSphereException(Server, $"{what}: no answer in time", VSphereException.Failure, e);
        }
    }

    private byte[] ReadBounded(HttpResponseMessage response, string method, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxResponseBytes)
        {
            throw new VSphereException(Server, $"the {method} response is {response.Content.Headers.ContentLength} bytes, more than the {MaxResponseBytes} a SOAP response may have here", VSphereException.Usage);
        }

        using var stream = response.Content.ReadAsStream(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + read > MaxResponseBytes)
                {
                    throw new VSphereException(Server, $"the {method} response is more than the {MaxResponseBytes} bytes a SOAP response may have here", VSphereException.Usage);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException e)
        {
            throw new VSphereException(Server, $"the {method} response was cut off: {e.Message}", VSphereException.Failure, e);
        }

        return buffer.ToArray();
    }

    private VSphereException Fault(string method, XElement fault)
    {
        string text = fault.Element("faultstring")?.Value ?? "";
        var detail = fault.Element("detail")?.Elements().FirstOrDefault();
        string? name = detail is null ? null : VimXml.TypeOf(detail) ?? (detail.Name.LocalName.EndsWith("Fault", StringComparison.Ordinal) ? detail.Name.LocalName[..^5] : detail.Name.LocalName);
        string shown = text.Length > 500 ? text[..500] + "..." : text;
        string problem = name switch
        {
            "NotAuthenticated" => $"{method}: the session is not authenticated (expired, or ended on the server); run again to log in anew",
            "NoPermission" => $"{method}: the vSphere user lacks a privilege this needs: {shown}",
            _ => $"{method} failed: {name ?? "SOAP fault"}{(shown.Length == 0 ? "" : ": " + shown)}",
        };
        return new VSphereException(Server, problem, VSphereException.Failure, faultName: name);
    }

    internal VSphereException Malformed(string problem) => new(Server, problem, VSphereException.Usage);

    /// <summary>Logs out (best effort: the session times out on the server anyway) and closes the connections.</summary>
    public void Dispose()
    {
        if (_cookie is not null && Content is not null)
        {
            try
            {
                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                Invoke("Logout", Content.SessionManager, [], cancel.Token);
            }
            catch (VSphereException)
            {
                // A session that cannot be ended here expires on the server.
            }
            catch (V2V.Core.Errors.V2VException)
            {
            }

            _cookie = null;
        }

        Http.Dispose();
    }
}
