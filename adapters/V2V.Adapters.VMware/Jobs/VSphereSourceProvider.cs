using V2V.Adapters.VMware.VSphere;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Jobs;
using V2V.Jobs.Loading;
using V2V.Jobs.Sources;

namespace V2V.Adapters.VMware.Jobs;

/// <summary>
/// A job whose source is a VM on vCenter or ESXi:
/// <c>source: { type: vsphere, server: vc01.example, vm: /DC/vm/web01, user: ..., password-env: ..., thumbprint: ... }</c>.
/// The keys are checked when the file is read; the server, the login, the VM (found, powered off
/// unless <c>snapshot: true</c>) and its disks' datastores when the job is planned, before any
/// copy, each problem reported at the key it concerns. A job never prompts for the password: it
/// comes from <c>password-file</c>, <c>password-env</c> or V2V_VSPHERE_PASSWORD.
/// </summary>
public sealed class VSphereSourceProvider : ISourceProvider
{
    public const string Type = "vsphere";

    public IReadOnlyList<string> Types { get; } = [Type];

    public IReadOnlyList<string> Keys { get; } = ["type", "server", "vm", "user", "password-env", "password-file", "thumbprint", "route", "snapshot"];

    public SourceSpec? Read(string type, YamlFields source)
    {
        bool ok = true;
        string? Required(string key)
        {
            if (source.TryGet(key, out var value))
            {
                if (value.Text() is { Length: > 0 } text)
                {
                    return text;
                }

                value.Error($"vsphere source: {key} is empty");
            }
            else
            {
                source.Error($"vsphere source has no {key}");
            }

            ok = false;
            return null;
        }

        string? server = Required("server"), vm = Required("vm"), user = Required("user");
        string? thumbprint = null, passwordEnv = null, passwordFile = null;
        var route = VSphereRoute.Datastore;
        bool snapshot = false;
        if (source.TryGet("server", out var s) && server is not null)
        {
            ok &= Check(s, () => VSphereEndpoint.Parse(server));
        }

        if (source.TryGet("thumbprint", out var t) && (thumbprint = t.Text()) is not null)
        {
            ok &= Check(t, () => _ = new CertificatePin(thumbprint));
        }

        if (source.TryGet("password-env", out var e))
        {
            ok &= (passwordEnv = e.Text()) is not null;
        }

        if (source.TryGet("password-file", out var f))
        {
            ok &= (passwordFile = f.Text() is { Length: > 0 } file ? f.Resolve(file) : null) is not null;
        }

        if (source.TryGet("route", out var r) && r.Text() is { } routeName)
        {
            if (VSphereRouteName.TryParse(routeName) is { } parsed)
            {
                route = parsed;
            }
            else
            {
                r.Error($"unknown vsphere route \"{routeName}\" (known: {string.Join(", ", VSphereRouteName.All)})");
                ok = false;
            }
        }

        if (source.TryGet("snapshot", out var sn))
        {
            if (sn.Bool() is { } value)
            {
                snapshot = value;
            }
            else
            {
                ok = false;
            }
        }

        if (!ok)
        {
            return null;
        }

        source.TryGet("user", out var u);
        source.TryGet("vm", out var v);
        return new VSphereSourceSpec(source.At, server!, vm!, user!, passwordEnv, passwordFile, thumbprint, route, snapshot)
        {
            ServerAt = s!.At,
            UserAt = u!.At,
            VmAt = v!.At,
            PasswordAt = f?.At ?? e?.At ?? source.At,
        };
    }

    private static bool Check(YamlValue value, Action check)
    {
        try
        {
            check();
            return true;
        }
        catch (UsageException problem)
        {
            value.Error(problem.Message);
            return false;
        }
    }
}

/// <summary>A VM on a vSphere server, as a job names it; <see cref="Open"/> connects, logs in and finds it.</summary>
public sealed record VSphereSourceSpec(
    YamlLocation At, string Server, string Vm, string User, string? PasswordEnv, string? PasswordFile, string? Thumbprint, VSphereRoute Route, bool Snapshot)
    : SourceSpec(VSphereSourceProvider.Type, At)
{
    public YamlLocation ServerAt { get; init; }
    public YamlLocation UserAt { get; init; }
    public YamlLocation VmAt { get; init; }
    public YamlLocation PasswordAt { get; init; }

    /// <summary>"vsphere://USER@SERVER/DC/vm/web01" (the VM as written).</summary>
    public override string Name => $"vsphere://{User}@{Server}{(Vm.StartsWith('/') ? "" : "/")}{Vm}";

    public override YamlLocation NameAt => VmAt;

    /// <exception cref="JobFileException">No password, server unreachable or untrusted, login refused, VM not found, powered on or not readable (exit 2 or 3 as the cause).</exception>
    public override OpenedSource Open(FormatRegistry formats)
    {
        VSpherePassword password;
        try
        {
            password = PasswordFile is not null ? VSpherePassword.FromFile(PasswordFile)
                : VSpherePassword.FromEnvironment(PasswordEnv ?? VSpherePassword.DefaultVariable)
                    ?? throw new UsageException($"no vSphere password: environment variable {PasswordEnv ?? VSpherePassword.DefaultVariable} is not set (a job never prompts; set it, or name another with password-env, or give password-file)");
        }
        catch (UsageException e)
        {
            throw new JobFileException(PasswordAt, e.Message);
        }

        var options = new VSphereSourceOptions(Server, Vm, User, password, Thumbprint) { Route = Route, Snapshot = Snapshot };
        VimClient client;
        try
        {
            client = VSphereSource.Connect(options);
        }
        catch (VSphereException e)
        {
            throw new JobFileException(e.FaultName == "InvalidLogin" ? UserAt : ServerAt, e.Message, e.ExitCode, e);
        }

        try
        {
            return OpenedSource.OfVms(VSphereSourceProvider.Type, VSphereSource.Open(client, options));
        }
        catch (V2VException e)
        {
            throw new JobFileException(VmAt, e.Message, e.ExitCode, e);
        }
    }
}
