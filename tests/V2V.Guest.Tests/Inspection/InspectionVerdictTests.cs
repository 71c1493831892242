using V2V.Adapters.Physical;
using V2V.Guest.Inspection;
using V2V.Guest.Registry;
using V2V.Guest.Windows;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Inspection;

/// <summary>
/// Verdicts of other fixture guests (the Windows 7 hive unedited; a hibernated guest; a guest whose
/// SYSTEM hive is regipy's corrupted sample) and the BCD reader on regipy's real Windows 10 BCD.
/// </summary>
[TestFixture]
public sealed class InspectionVerdictTests
{
    private static readonly IReadOnlyList<(string, string)> Windows7Version =
    [
        ("ProductName", "string:Windows 7 Professional"),
        ("CurrentVersion", "string:6.1"),
        ("CurrentBuildNumber", "string:7601"),
        ("CSDVersion", "string:Service Pack 1"),
        ("EditionID", "string:Professional"),
        ("InstallationType", "string:Client"),
    ];

    private TempFolder _folder = null!;

    [SetUp]
    public void Create() => _folder = new TempFolder();

    [TearDown]
    public void Remove() => _folder.Dispose();

    private DiskInspection Inspect(WindowsGuestFixture fixture)
    {
        using var disk = RawDiskSource.Open(fixture.Build(_folder.Path));
        return GuestInspector.Inspect(disk);
    }

    [Test]
    public void windows_7_booting_from_ide_needs_only_its_vmware_services_disabled_on_generation_1()
    {
        var inspection = Inspect(new WindowsGuestFixture { SystemEdits = null, BootIni = null, Version = Windows7Version });
        var windows = inspection.Windows.Single();
        Assert.That(windows.ProductName, Is.EqualTo("Windows 7 Professional"));
        Assert.That(windows.Edition, Is.EqualTo("Professional"));
        Assert.That(windows.InstallationType, Is.EqualTo("Client"));
        Assert.That(windows.ProductType, Is.EqualTo("WinNT"));
        Assert.That(windows.Hal?.HardwareId, Is.EqualTo("acpiapic"));
        Assert.That(windows.CriticalDevices.Select(d => d.Service), Is.EqualTo(new[] { "intelide", "atapi", "atapi" }));
        var generation1 = inspection.Readiness[0];
        Assert.That(generation1.Verdict, Is.EqualTo("fixable"));
        Assert.That(generation1.Fixes.Select(f => f.Name), Is.EqualTo(new[] { "foreign-agents" }));
        Assert.That(windows.Findings, Has.One.Contains("no boot loader found"));
    }

    [Test]
    public void a_hibernated_guest_is_blocked_on_both_generations()
    {
        var hiberfil = new byte[8192];
        "HIBR"u8.CopyTo(hiberfil);
        var inspection = Inspect(new WindowsGuestFixture { Hiberfil = hiberfil });
        Assert.That(inspection.Windows.Single().VolumeState?.Hibernated, Is.True);
        Assert.That(inspection.Readiness.Select(r => r.Verdict), Is.EqualTo(new[] { "blocked", "blocked" }));
        Assert.That(inspection.Readiness[0].Reasons, Has.One.StartsWith("Windows is hibernated"));
    }

    [Test]
    public void a_hiberfil_that_was_resumed_from_does_not_block()
    {
        var hiberfil = new byte[8192];
        "wake"u8.CopyTo(hiberfil);
        var inspection = Inspect(new WindowsGuestFixture { Hiberfil = hiberfil });
        Assert.That(inspection.Windows.Single().VolumeState?.Hibernated, Is.False);
        Assert.That(inspection.Readiness[0].Verdict, Is.EqualTo("fixable"));
    }

    [Test]
    public void a_corrupted_system_hive_gives_a_finding_and_a_blocked_verdict_not_an_error()
    {
        string corrupted = _folder.File("corrupted");
        ExternalTool.Ok("sh", "-c", $"xz -dc '{RepositoryPaths.Sample("windows/regipy/corrupted_system_hive.xz")}' > '{corrupted}'");
        string image = new WindowsGuestFixture { SystemHive = corrupted, SystemEdits = null }.Build(_folder.Path);
        var result = CliRunner.Run("inspect", image);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain(@"finding   could not read \WINDOWS\System32\config\SYSTEM: "));
        Assert.That(result.StdOut, Does.Contain("generation 1: blocked (the SYSTEM hive's control set could not be read"));
        Assert.That(result.StdOut, Does.Contain("windows   Microsoft Windows Server 2003 Service Pack 2 (5.2 build 3790, x86)"));
    }

    [Test]
    public void the_default_entry_of_a_real_windows_10_bcd_names_winload_and_its_gpt_partitions()
    {
        string bcd = _folder.File("BCD");
        ExternalTool.Ok("sh", "-c", $"xz -dc '{RepositoryPaths.Sample("windows/regipy/BCD.xz")}' > '{bcd}'");
        var findings = new List<string>();
        var entry = BcdStore.ReadDefault(RegistryHive.OpenFile(bcd), findings);
        Assert.That(findings, Is.Empty);
        Assert.That(entry, Is.Not.Null);
        // hivexget, the oracle, names the same default and its elements.
        string defaultId = ExternalTool.Ok("hivexget", bcd, $@"\Objects\{BcdStore.BootManager}\Elements\23000003", "Element").Trim();
        Assert.That(entry!.Identifier, Is.EqualTo(defaultId));
        Assert.That(entry.Path, Is.EqualTo(ExternalTool.Ok("hivexget", bcd, $@"\Objects\{defaultId}\Elements\12000002", "Element").Trim()));
        Assert.That(entry.SystemRoot, Is.EqualTo(ExternalTool.Ok("hivexget", bcd, $@"\Objects\{defaultId}\Elements\22000002", "Element").Trim()));
        Assert.That(entry.OsDevice?.GptPartitionGuid, Is.Not.Null);
        Assert.That(entry.OsDevice?.MbrSignature, Is.Null);
    }

    [Test]
    public void boot_ini_lines_are_parsed_leniently_and_the_default_is_matched_case_insensitively()
    {
        var ini = BootIni.Parse("""
            ; comment
            [Boot Loader]
            Timeout=5
            Default=MULTI(0)DISK(0)RDISK(0)PARTITION(2)\WINNT
            [operating systems]
            garbage line
            multi(0)disk(0)rdisk(0)partition(2)\WINNT="Windows 2000 Server" /fastdetect /HAL=halaacpi.dll
            C:\="Recovery Console" /cmdcons
            """u8);
        Assert.That(ini.Timeout, Is.EqualTo(5));
        Assert.That(ini.Entries, Has.Count.EqualTo(2));
        Assert.That(ini.DefaultEntry?.Description, Is.EqualTo("Windows 2000 Server"));
        Assert.That(ini.DefaultEntry?.PartitionNumber, Is.EqualTo(2));
        Assert.That(ini.DefaultEntry?.Folder, Is.EqualTo(@"\WINNT"));
        Assert.That(ini.DefaultForcesHal, Is.True);
        Assert.That(ini.UnforcedAlternative, Is.Null);
    }

    [Test]
    public void pe_headers_name_their_machine_and_anything_else_names_none()
    {
        Assert.That(PeMachine.Architecture(WindowsGuestFixture.TinyPe(0x014C)), Is.EqualTo("x86"));
        Assert.That(PeMachine.Architecture(WindowsGuestFixture.TinyPe(0x8664)), Is.EqualTo("x64"));
        var broken = WindowsGuestFixture.TinyPe(0x8664);
        broken[0x3C] = 0xF0;
        broken[0x3D] = 0xFF; // e_lfanew far past the head
        Assert.That(PeMachine.Architecture(broken), Is.Null);
        Assert.That(PeMachine.Architecture("MZ"u8), Is.Null);
    }
}
