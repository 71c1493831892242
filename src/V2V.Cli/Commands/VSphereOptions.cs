using System.CommandLine;
using V2V.Adapters.VMware.VSphere;
using V2V.Core.Errors;

namespace V2V.Cli.Commands;

/// <summary>
/// The options of a <c>vsphere://USER@HOST/DC/vm/NAME</c> source, shared by <c>convert</c>,
/// <c>info</c> and <c>inspect</c>: the pinned thumbprint, where the password is (never on the
/// command line), the route and the snapshot switch. Given with a file source they are refused.
/// </summary>
internal sealed class VSphereOptions
{
    public Option<string?> Thumbprint { get; } = new("--thumbprint") { Description = "vsphere:// sources: accept the server's self-signed certificate with this SHA-256 thumbprint (colon hex, as openssl x509 -noout -fingerprint -sha256 prints it)" };
    public Option<string?> PasswordEnv { get; } = new("--password-env") { Description = $"vsphere:// sources: environment variable holding the password (default {VSpherePassword.DefaultVariable}; without it, a prompt on a terminal)" };
    public Option<string?> PasswordFile { get; } = new("--password-file") { Description = "vsphere:// sources: file whose first line is the password; readable by its owner only (chmod 600)" };
    public Option<string?> Route { get; } = new("--route") { Description = $"vsphere:// sources: how the disks are read: {string.Join(" (default) or ", VSphereRouteName.All)} (ExportVm, the OVF export stream)" };
    public Option<bool> Snapshot { get; } = new("--snapshot") { Description = "vsphere:// sources: read a running VM from a snapshot V2V takes and removes afterwards (also on failure)" };

    public IEnumerable<Option> All => [Thumbprint, PasswordEnv, PasswordFile, Route, Snapshot];

    /// <summary>Opens the VM a vsphere:// URL names, with the password from the file, the variable, the default variable or the terminal, in that order.</summary>
    public VSphereSource Open(string url, ParseResult parse, CancellationToken cancellation)
    {
        var parsed = VSphereUrl.Parse(url);
        var password = VSpherePassword.Resolve(parse.GetValue(PasswordFile), parse.GetValue(PasswordEnv), parsed.User, parsed.Server);
        var options = new VSphereSourceOptions(parsed.Server, parsed.Vm, parsed.User, password, parse.GetValue(Thumbprint))
        {
            Route = parse.GetValue(Route) is { } route ? VSphereRouteName.Parse(route, "--route") : VSphereRoute.Datastore,
            Snapshot = parse.GetValue(Snapshot),
        };
        return VSphereSource.Open(options, cancellation);
    }

    /// <summary>Refuses vSphere options given with a source that is not a vsphere:// URL.</summary>
    public void RefuseFor(string source, ParseResult parse)
    {
        foreach (var option in All)
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                throw new UsageException($"{option.Name} applies to vsphere:// sources only, not to {source}");
            }
        }
    }
}
