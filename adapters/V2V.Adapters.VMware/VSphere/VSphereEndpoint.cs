using V2V.Core.Errors;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// Where a vCenter or ESXi host answers: "vc01.example", "vc01.example:8443" or
/// "https://vc01.example/sdk". HTTPS only — the password travels in the Login request.
/// </summary>
public sealed class VSphereEndpoint
{
    private VSphereEndpoint(Uri sdk)
    {
        Sdk = sdk;
        Display = $"vsphere://{sdk.Authority}";
    }

    /// <summary>The SOAP endpoint, https://HOST[:PORT]/sdk.</summary>
    public Uri Sdk { get; }

    /// <summary>"vsphere://HOST[:PORT]", what messages call the server.</summary>
    public string Display { get; }

    /// <summary>The datastore file route: https://HOST/folder/PATH?dcPath=DC&amp;dsName=DS (path segments escaped).</summary>
    public Uri DatastoreFile(string datacenterPath, string datastore, string path)
    {
        string escaped = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        return new Uri(Sdk, $"/folder/{escaped}?dcPath={Uri.EscapeDataString(datacenterPath)}&dsName={Uri.EscapeDataString(datastore)}");
    }

    /// <exception cref="UsageException">Not a host name, or a scheme other than https.</exception>
    public static VSphereEndpoint Parse(string server)
    {
        string text = server.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "https://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.UserInfo.Length > 0 || uri.Query.Length > 0)
        {
            throw new UsageException($"vSphere server \"{server}\" is not a host name, host:port or https://host/sdk URL");
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new UsageException($"vSphere server \"{server}\": only https is accepted (the password is sent at login)");
        }

        return new VSphereEndpoint(new Uri($"https://{uri.Authority}{(uri.AbsolutePath is "/" or "" ? "/sdk" : uri.AbsolutePath)}"));
    }
}
