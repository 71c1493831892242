using System.Text.Json.Nodes;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Inspection;

/// <summary>
/// <c>v2v inspect</c> on VM packages: the fixture guest inside an OVA (stream-optimized VMDK, read in
/// place) and an XVA (streamed, so spooled) inspects exactly as the raw disk does; stdin is refused.
/// </summary>
[TestFixture]
public sealed class PackageInspectionTests
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

    private static JsonNode Disk(string json, int index) => JsonNode.Parse(json)!["disks"]![index]!;

    private string RawInspection() => Disk(GuestInspectionTests.Json(_raw), 0)["inspection"]!.ToJsonString().Replace("\"name\":\"SOURCE\",", "", StringComparison.Ordinal);

    [Test]
    public void every_disk_of_an_ova_is_inspected_as_the_raw_disk_is()
    {
        var builder = new OvaBuilder(_folder);
        builder.AddDisk("guest-disk1", _raw, new FileInfo(_raw).Length);
        string ova = builder.Pack("winsrv", _folder.File("winsrv.ova"));
        string json = GuestInspectionTests.Json(ova);
        var disk = Disk(json, 0);
        Assert.That(JsonNode.Parse(json)!["format"]!.GetValue<string>(), Is.EqualTo("ova"));
        Assert.That(disk["vm"]!.GetValue<string>(), Is.EqualTo("winsrv"));
        Assert.That(disk["diskNumber"]!.GetValue<int>(), Is.EqualTo(1));
        var inspection = disk["inspection"]!.AsObject();
        inspection.Remove("name");
        Assert.That(inspection.ToJsonString(), Is.EqualTo(RawInspection()));
    }

    [Test]
    public void converting_the_ova_to_hyper_v_maps_what_inspection_found_over_the_ovf_s_uefi_windows_2016()
    {
        var builder = new OvaBuilder(_folder);
        builder.AddDisk("conv-disk1", _raw, new FileInfo(_raw).Length);
        string ova = builder.Pack("winconv", _folder.File("winconv.ova"));
        string output = _folder.File("converted");
        // --fixups off: the definition maps what the source guest needs (fixed, the disk it inspects would be ready).
        var result = CliRunner.Run("convert", ova, output, "--no-progress", "--fixups", "off");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        string script = File.ReadAllText(Path.Combine(output, "winconv.ps1"));
        Assert.That(script, Does.Contain("# Guest: Microsoft Windows Server 2003 (from guest inspection)"));
        Assert.That(script, Does.Contain("# Readiness: generation 1: fixable (ide-boot, foreign-agents)"));
        Assert.That(script, Does.Contain("Generation = 1;"));
        Assert.That(script, Does.Contain("-IsLegacy $true"));
    }

    [Test]
    public void a_streamed_xva_disk_is_inspected_as_the_raw_disk_is()
    {
        var builder = new XvaBuilder(_folder.Path);
        builder.AddDisk(_raw, new FileInfo(_raw).Length, 0, "system");
        string xva = builder.Build(_folder.File("winsrv.xva"));
        var inspection = Disk(GuestInspectionTests.Json(xva), 0)["inspection"]!.AsObject();
        inspection.Remove("name");
        Assert.That(inspection.ToJsonString(), Is.EqualTo(RawInspection()));
        Assert.That(Directory.GetFiles(Path.GetTempPath(), "v2v-inspect-*.img"), Is.Empty, "the spooled copy is removed");
    }

    [Test]
    public void a_package_on_standard_input_is_refused_with_exit_code_2()
    {
        var result = CliRunner.Run("inspect", "-");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr, Does.StartWith("error: inspect reads a file, not standard input"));
    }
}
