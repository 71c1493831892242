using V2V.Core.Errors;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// A VM named on the command line: <c>vsphere://USER@HOST[:PORT]/DC/vm/FOLDER/NAME</c> (an
/// inventory path) or <c>vsphere://USER@HOST[:PORT]/NAME</c> (a name searched in every
/// datacenter). USER and the path's names are percent-decoded, so a user with an "@"
/// (<c>administrator%40vsphere.local</c>) or a name with spaces (<c>%20</c>) can be written. A
/// password in the URL is refused: it would be in the shell history and the process list.
/// </summary>
public sealed record VSphereUrl(string User, string Server, string Vm)
{
    public const string Scheme = "vsphere://";

    public static bool Is(string text) => text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <exception cref="UsageException">No user, no host, no VM, or a password in the URL (never echoed).</exception>
    public static VSphereUrl Parse(string text)
    {
        const string form = "write vsphere://USER@HOST[:PORT]/DATACENTER/vm/FOLDER/NAME, or vsphere://USER@HOST/NAME to find the VM by name";
        if (!Is(text))
        {
            throw new UsageException($"\"{text}\" is not a vsphere:// URL; {form}");
        }

        string rest = text[Scheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string authority = slash < 0 ? rest : rest[..slash];
        string path = slash < 0 ? "" : rest[slash..];
        int at = authority.LastIndexOf('@');
        if (at < 0)
        {
            throw new UsageException($"vsphere:// URL names no user; {form}");
        }

        string userInfo = authority[..at];
        string host = authority[(at + 1)..];
        if (userInfo.Contains(':', StringComparison.Ordinal))
        {
            // Only the part before the colon is shown: the rest is a password.
            throw new UsageException($"vsphere://{userInfo[..userInfo.IndexOf(':', StringComparison.Ordinal)]}:...@{host}: a password may not be written in the URL (it would stay in the shell history and the process list); use V2V_VSPHERE_PASSWORD, --password-env, --password-file or the prompt");
        }

        string user = Uri.UnescapeDataString(userInfo);
        if (user.Length == 0 || host.Length == 0)
        {
            throw new UsageException($"vsphere:// URL has no {(user.Length == 0 ? "user" : "host")}; {form}");
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
        if (segments.Count == 0)
        {
            throw new UsageException($"vsphere://{userInfo}@{host} names no VM; {form}");
        }

        // One segment is a name; several are an inventory path.
        return new VSphereUrl(user, host, segments.Count == 1 ? segments[0] : "/" + string.Join('/', segments));
    }
}
