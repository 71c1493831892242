using V2V.Adapters.HyperV.VmDefinition;
using V2V.Adapters.Physical;
using V2V.Core.Conversion;
using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.Guest.Inspection;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.HyperV;

/// <summary>
/// The Hyper-V definition follows what guest inspection found, over the source's metadata: a
/// Server 2003 guest (the <see cref="WindowsGuestFixture"/>) on UEFI firmware still gets generation 1,
/// Legacy Network Adapters, a warning against several vCPUs on its uniprocessor HAL and the verdict
/// in the script header; converter_winxp.ovf (XP, disk absent) gets the same from its guest OS id.
/// </summary>
public class GuestMappingTests
{
    private static ConvertedVm Vm(string guestOs, Firmware firmware, int cpus = 2) =>
        new(new VmDescription("srv", "vmware", null, firmware, cpus, 1024, guestOs,
                [new VmDrive(DriveKind.Disk, ControllerKind.Scsi, "lsilogic", 0, 0, "a.vmdk", 1 << 30)],
                [new VmNic(0, "00:50:56:aa:bb:cc", true, "VM Network", "e1000")], []),
            [new ConvertedDisk(1, "srv-disk1.vhdx", "a.vmdk", 1 << 30, "d", false, 0)]);

    [Test]
    public void An_inspected_2003_server_gets_generation_1_legacy_nics_a_vcpu_warning_and_the_verdict_whatever_the_firmware_says()
    {
        using var folder = new TempFolder();
        using var disk = RawDiskSource.Open(new WindowsGuestFixture().Build(folder.Path));
        var facts = GuestFacts.FromInspection(GuestInspector.Inspect(disk))!;

        // The source claims a UEFI Linux: inspection wins.
        var definition = HyperVMapper.Map(Vm("rhel8-64", Firmware.Uefi), null, new HyperVOptions(), DateTime.UnixEpoch, facts);
        Assert.That(definition.Generation, Is.EqualTo(1));
        Assert.That(definition.SecureBoot, Is.False);
        Assert.That(definition.NetworkAdapters.Single().Legacy, Is.True);
        Assert.That(definition.Warnings, Has.Some.Contains("boots on generation 1 only: generation 1 chosen"));
        Assert.That(definition.Warnings, Has.Some.Contains("uniprocessor HAL: it uses 1 of the 2 virtual processors"));
        string script = PowerShellScript.Write(definition);
        Assert.That(script, Does.Contain("# Guest: Microsoft Windows Server 2003 (from guest inspection)\n# Readiness: generation 1: fixable (ide-boot, foreign-agents)\n# Readiness: generation 2: blocked ("));
        Assert.That(script, Does.Contain("Add-VMNetworkAdapter -VM $vm -Name 'Network Adapter 1' -IsLegacy $true"));
        Assert.That(HyperVDefinitionJson.Write(definition), Does.Contain("\"legacy\": true").And.Contain("\"readiness\": [\n    \"generation 1: fixable (ide-boot, foreign-agents)\""));
    }

    [Test]
    public void A_forced_generation_2_is_kept_with_a_warning()
    {
        var facts = GuestFacts.FromGuestOsHint("winXPProGuest")!;
        var definition = HyperVMapper.Map(Vm("winXPProGuest", Firmware.Uefi), null, new HyperVOptions { Generation = 2 }, DateTime.UnixEpoch, facts);
        Assert.That(definition.Generation, Is.EqualTo(2));
        Assert.That(definition.NetworkAdapters.Single().Legacy, Is.False);
        Assert.That(definition.Warnings, Has.Some.StartsWith("generation 2 was asked for, but winXPProGuest"));
        Assert.That(definition.Warnings, Has.Some.Contains("generation 2 has no legacy one"));
    }

    [Test]
    public void Converter_winxp_without_its_disk_maps_to_generation_1_with_a_legacy_nic_from_its_guest_os_id()
    {
        string path = RepositoryPaths.Sample("govmomi/converter_winxp.ovf");
        var registry = V2V.Cli.FormatCatalog.Create();
        using var source = registry.DetectVmSourceFile(path)!.Open(path, SourceOptions.Default, registry);
        var vm = source.Vms.Single();
        var definition = HyperVMapper.Map(new ConvertedVm(vm with { Firmware = Firmware.Uefi }, [new ConvertedDisk(1, "x-disk1.vhdx", "", 1 << 30, "d", false, 0)]),
            null, new HyperVOptions(), DateTime.UnixEpoch);
        Assert.That(definition.Generation, Is.EqualTo(1));
        Assert.That(definition.NetworkAdapters.Single().Legacy, Is.True);
        Assert.That(definition.GuestOs, Is.EqualTo("winXPProGuest (from the source's guest OS id)"));
    }

    [TestCase("winXPProGuest", 51, true, false)]
    [TestCase("winNetStandard64Guest", 52, false, false)]
    [TestCase("winVistaGuest", 60, true, true)]
    [TestCase("windows7Server64Guest", 61, false, true)]
    public void Guest_os_ids_name_the_windows_version_bitness_and_nic_driver(string id, int version, bool is32, bool synthetic)
    {
        var facts = GuestFacts.FromGuestOsHint(id)!;
        Assert.That((facts.WindowsVersion, facts.Is32Bit, facts.HasSyntheticNicDriver), Is.EqualTo(((int?)version, is32, synthetic)));
    }

    [TestCase("windows9-64")]
    [TestCase("rhel8-64")]
    [TestCase(null)]
    public void Other_guest_os_ids_give_no_facts(string? id) => Assert.That(GuestFacts.FromGuestOsHint(id), Is.Null);
}
