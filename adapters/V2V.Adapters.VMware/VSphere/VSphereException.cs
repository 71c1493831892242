using V2V.Core.Errors;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// A vSphere server refused or failed a request: a login refused, a VM not found, a SOAP fault, an
/// untrusted certificate, a transfer that failed after its retries. The message names the server
/// (never the password). Exit 2 for what the user must change (credentials, VM, pin, power
/// state), 3 for server and network failures.
/// </summary>
public sealed class VSphereException : V2VException
{
    public VSphereException(string server, string problem, int exitCode, Exception? inner = null, string? faultName = null)
        : base($"{server}: {problem}", inner)
    {
        Server = server;
        ExitCode = exitCode;
        FaultName = faultName;
    }

    public string Server { get; }

    /// <summary>The vSphere fault type ("InvalidLogin", "NotAuthenticated") when the server sent one.</summary>
    public string? FaultName { get; }
    public override int ExitCode { get; }

    /// <summary>Exit code for a request the user must change (2).</summary>
    public const int Usage = 2;

    /// <summary>Exit code for a server or network failure (3).</summary>
    public const int Failure = 3;
}
