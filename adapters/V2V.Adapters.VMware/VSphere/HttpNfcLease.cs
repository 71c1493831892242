using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using V2V.Core.Errors;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// One file an export lease offers (vim25 <c>HttpNfcLeaseDeviceUrl</c>): the device's key
/// ("/vm-63/VirtualLsiLogicController0:1"), the URL to GET it from, the SHA-1 thumbprint of the
/// host serving it, and whether it is a disk. <paramref name="OnServer"/>: the URL's host was
/// "*", so it is the server the session connected to.
/// </summary>
public sealed record LeaseDevice(string Key, Uri Url, string? SslThumbprint, bool Disk, bool OnServer);

/// <summary>
/// An export lease (vim25 <c>VirtualMachine.ExportVm</c> → <c>HttpNfcLease</c>): created, waited
/// for until its <c>state</c> leaves <c>initializing</c> (<c>error</c> becomes an exception
/// carrying the lease's fault), its <c>info.deviceUrl</c> read and bounded, then kept alive with
/// <c>HttpNfcLeaseProgress</c> and ended with <c>HttpNfcLeaseComplete</c> or
/// <c>HttpNfcLeaseAbort</c>. While it is held the VM cannot be powered on or changed.
/// </summary>
public sealed partial class HttpNfcLease
{
    /// <summary>Bound on the files one lease may offer (a VM has at most a few hundred disks).</summary>
    public const int MaxDeviceUrls = 1024;

    private const int MaxUrlLength = 4096;

    /// <summary>vSphere's default lease timeout, used when the lease does not state one.</summary>
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(300);

    private readonly VimClient _client;

    private HttpNfcLease(VimClient client, MoRef self, IReadOnlyList<LeaseDevice> devices, TimeSpan timeout)
    {
        _client = client;
        Ref = self;
        Devices = devices;
        Timeout = timeout;
    }

    /// <summary>How long a lease may stay <c>initializing</c> before V2V gives up (the server prepares the disks meanwhile).</summary>
    public static TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public MoRef Ref { get; }

    /// <summary>What messages call the server: "vsphere://host".</summary>
    public string Server => _client.Server;
    public IReadOnlyList<LeaseDevice> Devices { get; }

    /// <summary>The lease's <c>info.leaseTimeout</c>: the server ends a lease that hears nothing for this long.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Calls ExportVm on <paramref name="vm"/> and waits (at most <see cref="ReadyTimeout"/>) until the lease is ready.</summary>
    /// <exception cref="VSphereException">A fault from ExportVm, a lease in error (its fault's message, exit 3), a lease never ready, a malformed lease (exit 2).</exception>
    public static HttpNfcLease Export(VimClient client, MoRef vm, CancellationToken cancellationToken)
    {
        var response = client.Invoke("ExportVm", vm, [], cancellationToken);
        var self = MoRef.From(response.Child("returnval")) ?? throw client.Malformed("ExportVm returned no lease");
        try
        {
            WaitReady(client, self, cancellationToken);
            var info = PropertyReader.Retrieve(client, self, "info").Element("info") ?? throw client.Malformed($"the ready export lease {self} has no info");
            return Read(client, self, info);
        }
        catch
        {
            Abort(client, self);
            throw;
        }
    }

    private static void WaitReady(VimClient client, MoRef self, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var lease = PropertyReader.Retrieve(client, self, "state", "error");
            switch (lease.Text("state"))
            {
                case "ready":
                    return;
                case "error":
                    throw LeaseError(client, lease.Element("error"));
                case "initializing":
                    break;
                case var state:
                    throw client.Malformed($"the export lease {self} is in state \"{state}\" before any copy (expected initializing or ready)");
            }

            if (waited.Elapsed > ReadyTimeout)
            {
                throw new VSphereException(client.Server, $"ExportVm: the export lease stayed initializing for {ReadyTimeout.TotalMinutes:0} minutes", VSphereException.Failure);
            }

            Task.Delay(delay, cancellationToken).GetAwaiter().GetResult();
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    /// <summary>The lease's <c>error</c> (a LocalizedMethodFault): its fault type and message.</summary>
    private static VSphereException LeaseError(VimClient client, XElement? error)
    {
        string? name = error?.Child("fault") is { } fault ? VimXml.TypeOf(fault) : null;
        string text = error?.ChildValue("localizedMessage") ?? "";
        text = text.Length > 500 ? text[..500] + "..." : text;
        string what = (name, text.Length) switch
        {
            (null, 0) => "no reason given",
            (null, _) => text,
            (_, 0) => name,
            _ => $"{name}: {text}",
        };
        return new VSphereException(client.Server, $"ExportVm: the export lease failed on the server: {what}", VSphereException.Failure, faultName: name);
    }

    private static HttpNfcLease Read(VimClient client, MoRef self, XElement info)
    {
        var urls = info.ChildrenNamed("deviceUrl").Take(MaxDeviceUrls + 1).ToList();
        if (urls.Count > MaxDeviceUrls)
        {
            throw client.Malformed($"the export lease offers more than {MaxDeviceUrls} files");
        }

        var devices = new List<LeaseDevice>(urls.Count);
        foreach (var url in urls)
        {
            string key = url.ChildValue("key") ?? throw client.Malformed("the export lease offers a file without a key");
            string text = url.ChildValue("url") ?? throw client.Malformed($"the export lease offers {key} without a URL");
            var (resolved, onServer) = Resolve(client.Endpoint, key, text);
            string? disk = url.ChildValue("disk");
            bool isDisk = disk is null ? resolved.AbsolutePath.EndsWith(".vmdk", StringComparison.OrdinalIgnoreCase) : disk == "true";
            devices.Add(new LeaseDevice(key, resolved, url.ChildValue("sslThumbprint") is { Length: > 0 } thumbprint ? thumbprint : null, isDisk, onServer));
        }

        long seconds = long.TryParse(info.ChildValue("leaseTimeout"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) ? s : 0;
        var timeout = seconds > 0 ? TimeSpan.FromSeconds(Math.Min(seconds, 86_400)) : DefaultTimeout;
        return new HttpNfcLease(client, self, devices, timeout);
    }

    /// <summary>
    /// A lease URL made usable: a "*" host is the host the session connected to (as the vSphere API
    /// reference says), with the URL's own port if it has one, else the session's port. Only https.
    /// </summary>
    /// <exception cref="VSphereException">Not a URL, over 4096 characters, or not https (exit 2).</exception>
    public static (Uri Url, bool OnServer) Resolve(VSphereEndpoint endpoint, string key, string url)
    {
        string server = endpoint.Display;
        if (url.Length > MaxUrlLength)
        {
            throw new VSphereException(server, $"the export lease's URL for {key} is over {MaxUrlLength} characters", VSphereException.Usage);
        }

        string text = url;
        bool onServer = false;
        var star = StarHost().Match(url);
        if (star.Success)
        {
            onServer = true;
            string authority = star.Groups["port"].Success ? endpoint.Sdk.Host + star.Groups["port"].Value : endpoint.Sdk.Authority;
            text = $"{star.Groups["scheme"].Value}://{authority}{star.Groups["rest"].Value}";
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var resolved) || resolved.UserInfo.Length > 0 || resolved.Host.Length == 0)
        {
            throw new VSphereException(server, $"the export lease's URL for {key} is not a URL: \"{url}\"", VSphereException.Usage);
        }

        if (resolved.Scheme != Uri.UriSchemeHttps)
        {
            throw new VSphereException(server, $"the export lease offers {key} over {resolved.Scheme}, not https; V2V reads disks over https only", VSphereException.Usage);
        }

        return (resolved, onServer || string.Equals(resolved.Authority, endpoint.Sdk.Authority, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The controller type, bus and unit a device key ends in: "/vm-63/ParaVirtualSCSIController0:1" → ("ParaVirtualSCSIController", 0, 1).</summary>
    public static (string ControllerType, int Bus, int Unit)? ParseKey(string key)
    {
        var match = DeviceKey().Match(key);
        return match.Success
            ? (match.Groups["type"].Value, int.Parse(match.Groups["bus"].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups["unit"].Value, CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>Tells the server how far the copy is (0–100) and so keeps the lease from timing out.</summary>
    public void Progress(int percent, CancellationToken cancellationToken) =>
        _client.Invoke("HttpNfcLeaseProgress", Ref, [new XElement(VimXml.Vim + "percent", Math.Clamp(percent, 0, 100).ToString(CultureInfo.InvariantCulture))], cancellationToken);

    /// <summary>Ends the lease as successful: the server releases the VM.</summary>
    public void Complete(CancellationToken cancellationToken) => _client.Invoke("HttpNfcLeaseComplete", Ref, [], cancellationToken);

    /// <summary>Ends the lease as failed (best effort: a lease that cannot be aborted times out on the server).</summary>
    public void Abort() => Abort(_client, Ref);

    private static void Abort(VimClient client, MoRef self)
    {
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            client.Invoke("HttpNfcLeaseAbort", self, [], cancel.Token);
        }
        catch (V2VException)
        {
            // The server ends a lease nobody keeps alive after its timeout.
        }
        catch (OperationCanceledException)
        {
        }
    }

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://\*(?<port>:[0-9]{1,5})?(?<rest>[/?#].*)?$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex StarHost();

    [GeneratedRegex(@"(?:^|/)(?<type>[A-Za-z]{1,64})(?<bus>[0-9]{1,4}):(?<unit>[0-9]{1,4})$", RegexOptions.CultureInvariant)]
    private static partial Regex DeviceKey();
}
