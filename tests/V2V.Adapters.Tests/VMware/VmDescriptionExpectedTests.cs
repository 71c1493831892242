using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VMware;

/// <summary>
/// The real VMX and OVF files in ../shared/samples produce the VM descriptions kept in
/// expected/*.json (diffed as text, the way virt-v2v tests do). After a deliberate change, run
/// with V2V_UPDATE_EXPECTED=1 and review the diff before committing it.
/// </summary>
public class VmDescriptionExpectedTests
{
    public static IEnumerable<string> Samples() =>
    [
        "virt-v2v/test-i-vmx-1.vmx", "virt-v2v/test-i-vmx-2.vmx", "virt-v2v/test-i-vmx-3.vmx", "virt-v2v/test-i-vmx-4.vmx",
        "virt-v2v/test-i-vmx-5.vmx", "virt-v2v/test-i-vmx-6.vmx", "virt-v2v/test-i-vmx-7.vmx",
        "virt-v2v/test-i-ova.ovf", "virt-v2v/test-i-ova-two-disks.ovf", "virt-v2v/test-i-ova-gz.ovf", "virt-v2v/test-i-ova-snapshots.ovf",
        "govmomi/converter_winxp.ovf", "govmomi/sunVHW-DiskTypes.ovf",
    ];

    [TestCaseSource(nameof(Samples))]
    public void Sample_produces_the_expected_vm_description(string sample)
    {
        string path = RepositoryPaths.Sample(sample);
        var registry = V2V.Cli.FormatCatalog.Create();
        var format = registry.DetectVmSourceFile(path) ?? throw new AssertionException($"{sample} not recognised as a VM source");
        using var source = format.Open(path, SourceOptions.Default, registry);
        string actual = VmDescriptionJson.Serialize(source.Vms);

        string expectedFile = Path.Combine(RepositoryPaths.Root, "tests", "V2V.Adapters.Tests", "VMware", "expected", Path.GetFileName(sample) + ".json");
        if (Environment.GetEnvironmentVariable("V2V_UPDATE_EXPECTED") == "1")
        {
            File.WriteAllText(expectedFile, actual);
        }

        Assert.That(File.Exists(expectedFile), Is.True, $"{expectedFile} is missing");
        Assert.That(actual, Is.EqualTo(File.ReadAllText(expectedFile).ReplaceLineEndings("\n")));
    }

    [Test]
    public void Efi_firmware_nvme_and_sata_cdroms_are_recognised()
    {
        var registry = V2V.Cli.FormatCatalog.Create();
        VmDescription Read(string sample)
        {
            string path = RepositoryPaths.Sample(sample);
            using var source = registry.DetectVmSourceFile(path)!.Open(path, SourceOptions.Default, registry);
            return source.Vms[0];
        }

        var efi = Read("virt-v2v/test-i-vmx-3.vmx");
        var nvme = Read("virt-v2v/test-i-vmx-6.vmx");
        var wide = Read("virt-v2v/test-i-vmx-1.vmx");
        Assert.Multiple(() =>
        {
            Assert.That(efi.Firmware, Is.EqualTo(Firmware.Uefi));
            Assert.That(nvme.Disks.Single().Controller, Is.EqualTo(ControllerKind.Nvme));
            Assert.That(nvme.Drives.Single(d => d.Kind == DriveKind.CdRom).Controller, Is.EqualTo(ControllerKind.Sata));
            Assert.That(wide.Disks.Count(), Is.EqualTo(21));
            Assert.That(wide.Disks.All(d => d.ControllerModel == "pvscsi"), Is.True);
        });
    }

    [TestCase("realworld/vmx-lowercase-keys/packer-vm.vmx", "nat")]
    [TestCase("realworld/vmx-windows-1252/B\u00fcro-PC.vmx", "bridged")]
    [TestCase("virt-v2v/test-i-vmx-5.vmx", "bridged")]
    [TestCase("virt-v2v/test-i-vmx-4.vmx", "VM Network")]
    public void A_workstation_nic_without_a_port_group_is_on_its_connection_type(string sample, string network)
    {
        var registry = V2V.Cli.FormatCatalog.Create();
        string path = RepositoryPaths.Sample(sample);
        using var source = registry.DetectVmSourceFile(path)!.Open(path, SourceOptions.Default, registry);

        // Once null, which left "--switch NETWORK=SWITCH" nothing to name.
        Assert.That(source.Vms[0].Nics.Single().Network, Is.EqualTo(network));
    }

    [TestCase("/dev/vmnet2", "vmnet2")]
    [TestCase("VMnet3", "VMnet3")]
    public void A_custom_workstation_network_is_named_by_its_vmnet(string vnet, string network)
    {
        var vmx = V2V.Adapters.VMware.Vmx.VmxFile.Parse("custom.vmx",
            $"config.version = \"8\"\nvirtualHW.version = \"16\"\nethernet0.present = \"TRUE\"\nethernet0.connectionType = \"custom\"\nethernet0.vnet = \"{vnet}\"\n");

        Assert.That(V2V.Adapters.VMware.Vmx.VmxDescriptionReader.Read(vmx, "custom").Nics.Single().Network, Is.EqualTo(network));
    }
}
