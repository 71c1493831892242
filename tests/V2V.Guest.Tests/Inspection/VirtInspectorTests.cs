using System.Xml.Linq;
using V2V.Adapters.Physical;
using V2V.Guest.Inspection;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Inspection;

/// <summary>
/// Another product's reading of the same guest: virt-inspector (libguestfs-tools, under software
/// emulation, ~35 s) and V2V agree on the product name, version, architecture, current control set,
/// computer name and drive letters of a <see cref="WindowsGuestFixture"/> disk (a 64-bit PE cmd.exe
/// here, so the architecture is not the hive's x86).
/// </summary>
[TestFixture]
public sealed class VirtInspectorTests
{
    [Test]
    public void virt_inspector_reads_the_same_product_version_architecture_control_set_computer_name_and_drive_letters()
    {
        ExternalTool.Require("virt-inspector");
        using var folder = new TempFolder();
        string image = new WindowsGuestFixture { PeMachine = 0x8664 }.Build(folder.Path);

        var start = new System.Diagnostics.ProcessStartInfo(ExternalTool.Require("virt-inspector"), ["--format=raw", "-a", image])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["LIBGUESTFS_BACKEND"] = "direct";
        start.Environment["LIBGUESTFS_BACKEND_SETTINGS"] = "force_tcg";
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string xml = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.EqualTo(0), stderr.Result);

        var os = XDocument.Parse(xml).Root!.Element("operatingsystem")!;
        string Field(string name) => os.Element(name)?.Value ?? "";

        using var disk = RawDiskSource.Open(image);
        var windows = GuestInspector.Inspect(disk).Windows.Single();
        Assert.Multiple(() =>
        {
            Assert.That(Field("name"), Is.EqualTo("windows"), xml);
            Assert.That(windows.ProductName, Is.EqualTo(Field("product_name")), xml);
            Assert.That(windows.MajorVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(Field("major_version")), xml);
            Assert.That(windows.MinorVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(Field("minor_version")), xml);
            Assert.That(windows.Architecture, Is.EqualTo(Field("arch") switch { "x86_64" => "x64", "i386" => "x86", var other => other }), xml);
            Assert.That(windows.CurrentControlSet, Is.EqualTo(Field("windows_current_control_set")), xml);
            Assert.That(windows.ComputerName, Is.EqualTo(Field("hostname")), xml);
            Assert.That(windows.SystemRoot.Replace('\\', '/'), Is.EqualTo(Field("windows_systemroot")), xml);
            var letters = os.Element("drive_mappings")?.Elements("drive_mapping").Select(e => $"{e.Attribute("name")?.Value}:{e.Value}").ToList() ?? [];
            Assert.That(letters, Is.Not.Empty, xml);
            Assert.That(windows.DriveLetters.Select(d => $"{d.Letter}:/dev/sda{d.Volume}"), Is.EqualTo(letters), xml);
        });
    }
}
