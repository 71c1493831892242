using V2V.Adapters.Physical;
using V2V.Guest.Inspection;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Inspection;

/// <summary>
/// <c>v2v inspect</c> on whole guests built by <see cref="WindowsGuestFixture"/>: the real Windows 7
/// SYSTEM hive edited to look like a Server 2003 booting from a RAID driver, with and without a
/// Disk2vhd boot.ini; the JSON is diffed with the files in Expected/ (source paths replaced by
/// "SOURCE"), and the facts it rests on are read back with hivexget, the independent oracle.
/// </summary>
[TestFixture]
public sealed class GuestInspectionTests
{
    private TempFolder _folder = null!;
    private string _raid = null!;
    private string _disk2vhd = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _folder = new TempFolder();
        _raid = new WindowsGuestFixture().Build(_folder.Path, "raid2003.img");
        _disk2vhd = new WindowsGuestFixture { BootIni = WindowsGuestFixture.Disk2vhdBootIni }.Build(_folder.Path, "disk2vhd2003.img");
    }

    [OneTimeTearDown]
    public void Remove() => _folder?.Dispose();

    internal static string Json(string source, params string[] extra)
    {
        var result = CliRunner.Run(["inspect", "--json", source, .. extra]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        return result.StdOut.Replace(source, "SOURCE", StringComparison.Ordinal);
    }

    internal static void AssertExpected(string actual, string name)
    {
        string path = Path.Combine(RepositoryPaths.Root, "tests", "V2V.Guest.Tests", "Inspection", "Expected", name);
        if (Environment.GetEnvironmentVariable("V2V_UPDATE_EXPECTED") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.That(actual, Is.EqualTo(File.ReadAllText(path)), $"inspect --json differs from {name}");
    }

    [Test]
    public void a_2003_server_booting_from_a_raid_driver_is_fixable_on_generation_1_and_blocked_on_generation_2()
    {
        string json = Json(_raid);
        AssertExpected(json, "raid2003.json");

        using var disk = RawDiskSource.Open(_raid);
        var inspection = GuestInspector.Inspect(disk);
        var windows = inspection.Windows.Single();
        Assert.That(windows.ProductName, Is.EqualTo("Microsoft Windows Server 2003"));
        Assert.That(windows.Architecture, Is.EqualTo("x86"));
        Assert.That(inspection.Readiness.Select(r => r.Verdict), Is.EqualTo(new[] { "fixable", "blocked" }));
        Assert.That(inspection.Readiness[0].Fixes.Select(f => f.Name), Is.EqualTo(new[] { "ide-boot", "foreign-agents" }));
        Assert.That(windows.BootStorageServices, Is.EqualTo(new[] { "megasas" }));
    }

    [Test]
    public void the_start_types_and_names_inspection_reports_are_what_hivexget_reads_from_the_same_hive()
    {
        ExternalTool.Require("ntfscat");
        ExternalTool.Require("hivexget");
        string hive = _folder.File("SYSTEM.oracle");
        string volume = _folder.File("volume.oracle");
        using (var disk0 = File.OpenRead(_raid))
        using (var output = File.Create(volume))
        {
            disk0.Position = WindowsGuestFixture.PartitionOffset;
            disk0.CopyTo(output);
        }

        using (var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ntfscat", [volume, "/WINDOWS/system32/config/system"]) { RedirectStandardOutput = true })!)
        using (var output = File.Create(hive))
        {
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.EqualTo(0), "ntfscat");
        }

        using var disk = RawDiskSource.Open(_raid);
        var windows = GuestInspector.Inspect(disk).Windows.Single();
        foreach (var driver in windows.StorageDrivers.Where(d => d.Start is not null))
        {
            string start = ExternalTool.Ok("hivexget", hive, $@"\ControlSet001\Services\{driver.Name}", "Start").Trim();
            Assert.That(driver.Start, Is.EqualTo(int.Parse(start, System.Globalization.CultureInfo.InvariantCulture)), driver.Name);
        }

        Assert.That(windows.ComputerName, Is.EqualTo(ExternalTool.Ok("hivexget", hive, @"\ControlSet001\Control\ComputerName\ComputerName", "ComputerName").Trim()));
        Assert.That(windows.ProductType, Is.EqualTo(ExternalTool.Ok("hivexget", hive, @"\ControlSet001\Control\ProductOptions", "ProductType").Trim()));
        Assert.That(windows.Hal?.HardwareId, Is.EqualTo("acpiapic_up"));
        Assert.That(windows.CriticalDevices.Single(d => d.DeviceId == "pci#ven_8086&dev_7111").Service, Is.Null);
    }

    [Test]
    public void a_disk2vhd_boot_entry_that_forces_the_acpi_pic_hal_is_named_as_the_disk2vhd_hal_fix()
    {
        string json = Json(_disk2vhd);
        AssertExpected(json, "disk2vhd2003.json");
        using var disk = RawDiskSource.Open(_disk2vhd);
        var inspection = GuestInspector.Inspect(disk);
        Assert.That(inspection.Windows[0].Hal?.ForcedHal, Is.EqualTo("halacpi.dll"));
        Assert.That(inspection.Windows[0].Hal?.ForcedKernel, Is.EqualTo("ntkrnlpa.exe"));
        Assert.That(inspection.Readiness[0].Fixes.Select(f => f.Name), Does.Contain("disk2vhd-hal"));
        Assert.That(inspection.Readiness[0].Fixes.Single(f => f.Name == "disk2vhd-hal").Description, Does.Contain("make \"Windows Server 2003, Standard\" the default again"));
    }

    [Test]
    public void the_same_guest_inside_a_dynamic_vhdx_inspects_the_same()
    {
        string vhdx = _folder.File("raid2003.vhdx");
        QemuImg.Convert(_raid, "raw", vhdx, "vhdx");
        Assert.That(Json(vhdx).Replace("\"format\": \"vhdx\"", "\"format\": \"raw\"", StringComparison.Ordinal),
            Is.EqualTo(Json(_raid)));
    }

    [Test]
    public void info_prints_a_one_line_guest_summary()
    {
        var result = CliRunner.Run("info", _raid);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain("guest:      Microsoft Windows Server 2003 Service Pack 2 (5.2 build 3790, x86); Hyper-V generation 1: fixable (ide-boot, foreign-agents), generation 2: blocked"));
    }
}
