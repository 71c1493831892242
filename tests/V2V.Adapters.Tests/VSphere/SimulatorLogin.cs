using V2V.Adapters.VMware.VSphere;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>
/// What the command-line tests against the simulator share: a simulator that lets in one user, a
/// work folder, that user's password in an owner-only file (as <c>--password-file</c> requires,
/// with the newline an editor leaves), and downloads retried without waiting.
/// </summary>
public sealed class SimulatorLogin : IDisposable
{
    private SimulatorLogin(VcSim sim, TempFolder work, string passwordFile)
    {
        Sim = sim;
        Work = work;
        PasswordFile = passwordFile;
    }

    public VcSim Sim { get; }
    public TempFolder Work { get; }
    public string PasswordFile { get; }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static SimulatorLogin Start(string user, string password)
    {
        var sim = VcSim.Start("-username", user, "-password", password);
        var work = new TempFolder();
        string passwordFile = work.File("password");
        File.WriteAllText(passwordFile, password + "\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        DatastoreFile.RetryDelaySeconds = 0;
        return new SimulatorLogin(sim, work, passwordFile);
    }

    public void Dispose()
    {
        Sim.Dispose();
        Work.Dispose();
    }
}
