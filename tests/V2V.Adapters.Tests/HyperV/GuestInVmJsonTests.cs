using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.HyperV;

/// <summary>
/// Converting a VM to Hyper-V stores what inspecting its converted boot disk found in
/// <c>&lt;vm&gt;.vm.json</c> (<c>guest</c>) and prints the verdict: the Server 2003 fixture guest
/// (<see cref="WindowsGuestFixture"/>) inside a VMX (monolithicSparse VMDK) and an OVF
/// (streamOptimized VMDK), each vm.json diffed with expected/*.vm.json as the VM-description tests
/// do (the folder and the digest, which mkntfs's random serial changes, are replaced first). A
/// damaged guest gives findings and a blocked verdict, never a failed conversion. After a deliberate
/// change, run with V2V_UPDATE_EXPECTED=1 and review the diff before committing it.
/// </summary>
[TestFixture]
public sealed partial class GuestInVmJsonTests
{
    private TempFolder _folder = null!;
    private string _raw = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _folder = new TempFolder();
        _raw = new WindowsGuestFixture().Build(_folder.Path, "guest.img");
    }

    [OneTimeTearDown]
    public void Remove() => _folder?.Dispose();

    /// <summary>A VMX naming one monolithicSparse VMDK made by qemu-img from <paramref name="raw"/>.</summary>
    private static string Vmx(string folder, string name, string raw)
    {
        Directory.CreateDirectory(folder);
        QemuImg.Convert(raw, "raw", Path.Combine(folder, name + ".vmdk"), "vmdk", "-o", "subformat=monolithicSparse");
        string vmx = Path.Combine(folder, name + ".vmx");
        File.WriteAllText(vmx, $"""
            config.version = "8"
            virtualHW.version = "4"
            displayName = "{name}"
            guestOS = "winnetstandard"
            memsize = "512"
            numvcpus = "1"
            scsi0.present = "TRUE"
            scsi0.virtualDev = "lsilogic"
            scsi0:0.present = "TRUE"
            scsi0:0.fileName = "{name}.vmdk"
            ethernet0.present = "TRUE"
            ethernet0.virtualDev = "e1000"
            ethernet0.networkName = "VM Network"
            ethernet0.addressType = "static"
            ethernet0.address = "00:50:56:01:02:03"

            """);
        return vmx;
    }

    private static (CliResult Result, string VmJson) Convert(string package, string output, string vm)
    {
        var result = CliRunner.Run("convert", package, output, "--no-progress");
        string path = Path.Combine(output, vm + ".vm.json");
        return (result, File.Exists(path) ? File.ReadAllText(path) : "");
    }

    [GeneratedRegex("(xxh128-1m|sha256-1m|blake3-1m):[0-9a-f]+")]
    private static partial Regex Digest();

    private void AssertExpected(string actual, string name)
    {
        actual = Digest().Replace(actual.Replace(_folder.Path, "FOLDER", StringComparison.Ordinal), "DIGEST");
        string expectedFile = Path.Combine(RepositoryPaths.Root, "tests", "V2V.Adapters.Tests", "HyperV", "expected", name);
        if (Environment.GetEnvironmentVariable("V2V_UPDATE_EXPECTED") == "1")
        {
            File.WriteAllText(expectedFile, actual);
        }

        Assert.That(File.Exists(expectedFile), Is.True, $"{expectedFile} is missing");
        Assert.That(actual, Is.EqualTo(File.ReadAllText(expectedFile).ReplaceLineEndings("\n")));
    }

    [Test]
    public void a_vmx_converted_to_hyper_v_stores_the_guest_in_vm_json_and_prints_the_verdict()
    {
        string vmx = Vmx(_folder.File("vmx"), "winsrv", _raw);
        var (result, vmJson) = Convert(vmx, _folder.File("vmx-out"), "winsrv");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        AssertExpected(vmJson, "guest-winsrv.vmx.vm.json");
        // The fix stage prints the converted disk's verdict before its fixups; vm.json and the summary give the guest as written.
        Assert.That(result.StdOut, Does.Contain("\n  guest     generation 1: fixable (ide-boot, foreign-agents)\n"));
        Assert.That(result.StdOut, Does.Contain("\n  guest     disk 1: Microsoft Windows Server 2003 Service Pack 2 (5.2 build 3790, x86)\n"
            + "  hyper-v   generation 1: ready, generation 2: blocked ("));
    }

    [Test]
    public void an_ovf_converted_to_hyper_v_stores_the_guest_in_vm_json_and_convert_json_carries_it()
    {
        var builder = new OvaBuilder(_folder);
        builder.AddDisk("ovfsrv-disk1", _raw, new FileInfo(_raw).Length);
        builder.Stage("ovfsrv", _folder.File("ovf"));
        string ovf = _folder.File("ovf/ovfsrv.ovf");
        var (result, vmJson) = Convert(ovf, _folder.File("ovf-out"), "ovfsrv");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        AssertExpected(vmJson, "guest-ovfsrv.ovf.vm.json");

        var json = CliRunner.Run("convert", ovf, _folder.File("ovf-json"), "--no-progress", "--json");
        Assert.That(json.ExitCode, Is.EqualTo(0), json.StdErr);
        var guest = JsonNode.Parse(json.StdOut)!["vms"]![0]!["guest"]!;
        Assert.That(guest.ToJsonString(), Is.EqualTo(JsonNode.Parse(vmJson)!["guest"]!.ToJsonString()));
    }

    [Test]
    public void a_damaged_guest_gives_findings_and_a_blocked_verdict_never_a_failed_conversion()
    {
        string corrupted = _folder.File("corrupted-SYSTEM");
        ExternalTool.Ok("sh", "-c", $"xz -dc '{RepositoryPaths.Sample("windows/regipy/corrupted_system_hive.xz")}' > '{corrupted}'");
        string raw = new WindowsGuestFixture { SystemHive = corrupted, SystemEdits = null }.Build(_folder.Path, "damaged.img");
        string vmx = Vmx(_folder.File("damaged"), "damaged", raw);
        var (result, vmJson) = Convert(vmx, _folder.File("damaged-out"), "damaged");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        var guest = JsonNode.Parse(vmJson)!["guest"]!;
        Assert.That(guest["findings"]!.AsArray().Select(f => f!.GetValue<string>()), Has.Some.StartsWith(@"could not read \WINDOWS\System32\config\SYSTEM: "));
        Assert.That(guest["readiness"]![0]!["verdict"]!.GetValue<string>(), Is.EqualTo("blocked"));
        Assert.That(result.StdOut, Does.Contain("  hyper-v   generation 1: blocked (the SYSTEM hive's control set could not be read"));
    }

    [Test]
    public void a_boot_disk_without_a_file_system_gives_an_unknown_guest_and_the_conversion_succeeds()
    {
        string raw = _folder.File("garbage.img");
        var bytes = new byte[4 << 20];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(raw, bytes);
        string vmx = Vmx(_folder.File("garbage"), "garbage", raw);
        var (result, vmJson) = Convert(vmx, _folder.File("garbage-out"), "garbage");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        var guest = JsonNode.Parse(vmJson)!["guest"]!;
        Assert.That(guest["os"]!.GetValue<string>(), Is.EqualTo("unknown"));
        Assert.That(result.StdOut, Does.Contain("  guest     disk 1: no Windows or Linux found\n"));
    }
}
