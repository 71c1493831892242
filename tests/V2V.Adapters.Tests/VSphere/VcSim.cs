using System.Diagnostics;
using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>
/// One govmomi simulator (vcsim-v2v, built by ../shared/tools/vcsim/build.sh) for a test class:
/// started with a fresh ECDSA certificate and its datastores in a folder the test owns, read
/// from its start-up JSON line, stopped by closing its stdin. tests/run.sh builds it into
/// artifacts/tools/vcsim/vcsim; a developer's build in /tmp/vcsim-v2v/vcsim is used otherwise.
/// Missing, it fails the test under CI=true (ExternalTool.Require) and skips it elsewhere.
/// </summary>
public sealed class VcSim : IDisposable
{
    private const string DeveloperBuild = "/tmp/vcsim-v2v/vcsim";

    private readonly Process _process;
    private readonly TempFolder _folder;
    private readonly Task _stderr;

    private VcSim(Process process, TempFolder folder, Task stderr, JsonElement info)
    {
        _process = process;
        _folder = folder;
        _stderr = stderr;
        Url = new Uri(info.GetProperty("url").GetString()!);
        Sha256 = info.TryGetProperty("sha256", out var sha) ? sha.GetString() ?? "" : "";
        CertificatePem = info.TryGetProperty("certPem", out var pem) ? pem.GetString() ?? "" : "";
        Datastores = [.. info.GetProperty("datastores").EnumerateArray().Select(d => new SimDatastore(d.GetProperty("name").GetString()!, d.GetProperty("datacenter").GetString()!, d.GetProperty("localPath").GetString()!))];
        Vms = [.. info.GetProperty("vms").EnumerateArray().Select(v => new SimVm(v.GetProperty("name").GetString()!, v.GetProperty("moref").GetString()!, v.GetProperty("inventoryPath").GetString()!, v.GetProperty("powerState").GetString()!))];
    }

    /// <summary>The SOAP endpoint, https://127.0.0.1:PORT/sdk.</summary>
    public Uri Url { get; }

    /// <summary>The certificate's SHA-256 thumbprint, colon hex in upper case, as openssl prints it.</summary>
    public string Sha256 { get; }

    public string CertificatePem { get; }
    public IReadOnlyList<SimDatastore> Datastores { get; }
    public IReadOnlyList<SimVm> Vms { get; }

    /// <summary>The folder of a VM's files on the first datastore (vcsim keeps them as real, empty files).</summary>
    public string VmFolder(string vmName) => Path.Combine(Datastores[0].LocalPath, vmName);

    public static string Binary()
    {
        if (ExternalTool.Find("vcsim") is { } built)
        {
            return built;
        }

        return File.Exists(DeveloperBuild) ? DeveloperBuild : ExternalTool.Require("vcsim");
    }

    /// <param name="arguments">Extra vcsim flags (-username/-password, -export-shim, -model esx...).</param>
    public static VcSim Start(params string[] arguments)
    {
        string binary = Binary();
        var folder = new TempFolder();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["TMPDIR"] = folder.Path;
        foreach (var argument in (string[])["-listen", "127.0.0.1:0", "-key-type", "ecdsa256", "-exit-on-stdin-eof", "-autostart=false", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        // vcsim logs to stderr after its JSON line; a full pipe would block it.
        var stderr = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result is null)
        {
            process.Kill();
            folder.Dispose();
            Assert.Fail($"{binary} printed no start-up line within 60 s");
        }

        return new VcSim(process, folder, stderr, JsonDocument.Parse(line.Result!).RootElement.Clone());
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _stderr.Wait(5_000);
        }
        finally
        {
            _process.Dispose();
            _folder.Dispose();
        }
    }
}

public sealed record SimDatastore(string Name, string Datacenter, string LocalPath);

public sealed record SimVm(string Name, string Moref, string InventoryPath, string PowerState);
