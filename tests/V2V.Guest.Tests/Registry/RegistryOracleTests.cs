using System.Diagnostics;
using V2V.Guest.Registry;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Registry;

/// <summary>Every key, timestamp and value V2V reads from the real hives equals what hivex reads.</summary>
public sealed class RegistryOracleTests
{
    [TestCase("regipy/SYSTEM.xz")]
    [TestCase("regipy/BCD.xz")]
    [TestCase("hivex/special")]
    [TestCase("hivex/minimal")]
    public void every_key_and_value_equals_what_hivex_reads(string sample)
    {
        string path = HiveSamples.Get(sample);
        var watch = Stopwatch.StartNew();
        var hive = RegistryHive.OpenFile(path);
        var ours = HiveSamples.Dump(hive);
        TestContext.Out.WriteLine($"{sample}: opened and read every key and value in {watch.ElapsedMilliseconds} ms ({ours.Length} keys and values)");
        var theirs = HiveSamples.HivexDump(path);
        Assert.Multiple(() =>
        {
            Assert.That(ours, Has.Length.EqualTo(theirs.Length));
            Assert.That(ours, Is.EqualTo(theirs));
            Assert.That(hive.WasDirty, Is.False);
            Assert.That(hive.Findings, Is.Empty);
        });
    }

    [Test]
    public void the_windows_7_system_hive_gives_the_manifest_values_and_hivexget_agrees()
    {
        string path = HiveSamples.Get("regipy/SYSTEM.xz");
        var watch = Stopwatch.StartNew();
        var hive = RegistryHive.OpenFile(path);
        TestContext.Out.WriteLine($"opened the 11 MiB SYSTEM hive in {watch.ElapsedMilliseconds} ms");
        var services = hive.OpenKey(@"CurrentControlSet\Services")!;
        Assert.Multiple(() =>
        {
            Assert.That(hive.BaseBlock.PrimarySequence, Is.EqualTo(13983));
            Assert.That(hive.BaseBlock.MinorVersion, Is.EqualTo(5));
            Assert.That(hive.CurrentControlSet!.Name, Is.EqualTo("ControlSet001"));
            Assert.That(services.Subkeys, Has.Count.EqualTo(467));
            Assert.That(hive.OpenKey(@"controlset001\control\CRITICALDEVICEDATABASE")!.Subkeys, Has.Count.EqualTo(2548));
            Assert.That(hive.OpenKey(@"CurrentControlSet\Control\CriticalDeviceDatabase\pci#ven_8086&dev_7111")!.Value("Service")!.AsString(), Is.EqualTo("intelide"));
            Assert.That(services.Subkey("LSI_SAS")!.Value("Start")!.AsDword(), Is.EqualTo(0));
            Assert.That(services.Subkey("pciide")!.Value("Start")!.AsDword(), Is.EqualTo(3));
            Assert.That(services.Subkey("VMTools")!.Value("Start")!.AsDword(), Is.EqualTo(2));
            Assert.That(hive.OpenKey(@"CurrentControlSet\Enum\Root\ACPI_HAL\0000")!.Value("HardwareID")!.AsMultiString(), Is.EqualTo(new[] { "acpiapic" }));
            Assert.That(hive.OpenKey(@"CurrentControlSet\Control\ProductOptions")!.Value("ProductType")!.AsString(), Is.EqualTo("WinNT"));
            Assert.That(hive.OpenKey("MountedDevices")!.Value(@"\DosDevices\C:")!.Data.ToArray(), Is.EqualTo(Convert.FromHexString("3ea0be5c0000100000000000")));
            Assert.That(hive.OpenKey("no such key"), Is.Null);
            Assert.That(hive.Root.LastWritten, Is.EqualTo(new DateTime(2012, 4, 4, 11, 47, 6, DateTimeKind.Utc)).Within(TimeSpan.FromSeconds(1)), "hivexml's root mtime");
        });

        // hivexget prints REG_SZ as text and REG_DWORD in decimal.
        Assert.That(ExternalTool.Ok("hivexget", path, @"\Select", "LastKnownGood").Trim(), Is.EqualTo(hive.OpenKey("Select")!.Value("LastKnownGood")!.AsDword().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(ExternalTool.Ok("hivexget", path, @"\ControlSet001\Control\Session Manager\Environment", "PROCESSOR_ARCHITECTURE").Trim(),
            Is.EqualTo(hive.OpenKey(@"CurrentControlSet\Control\Session Manager\Environment")!.Value("processor_architecture")!.AsString()).And.EqualTo("x86"));
    }

    [Test]
    public void the_bcd_store_names_its_default_entry()
    {
        var hive = RegistryHive.OpenFile(HiveSamples.Get("regipy/BCD.xz"));
        var element = hive.OpenKey(@"Objects\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\Elements\23000003")!.Value("Element")!;
        Assert.That(element.Type, Is.EqualTo(RegistryValueType.String));
        Assert.That(element.AsString(), Is.EqualTo("{733b62e5-f608-11eb-825c-c112f60133ab}"));
    }

    [Test]
    public void names_with_nul_latin1_and_non_latin_characters_read_as_windows_stored_them()
    {
        var hive = RegistryHive.OpenFile(HiveSamples.Get("hivex/special"));
        Assert.Multiple(() =>
        {
            Assert.That(hive.Root.Subkeys.Select(k => k.Name), Is.EqualTo(new[] { "abcd_äöüß", "weird™", "zero\0key" }));
            Assert.That(hive.OpenKey("ABCD_ÄÖÜß")!.Value("abcd_äöüß")!.AsDword(), Is.EqualTo(0));
            Assert.That(hive.OpenKey("zero\0key")!.Value("zero\0val"), Is.Not.Null);
            Assert.That(hive.Root.Name, Is.EqualTo("$$$PROTO.HIV"));
        });
    }
}
