using V2V.Adapters.HyperV.VmDefinition;
using V2V.Core.Conversion;
using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.Guest.Partitions;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.HyperV;

/// <summary>
/// The real VMX and OVF files produce the Hyper-V definitions kept in expected/ (a .ps1 and a
/// .hyperv.json each, diffed as text). Rebuild with V2V_UPDATE_EXPECTED=1 and review the diff.
/// </summary>
public class HyperVDefinitionExpectedTests
{
    private static readonly DateTime Converted = new(2026, 1, 15, 0, 0, 0, DateTimeKind.Utc);

    public static IEnumerable<string> Samples() => VMware.VmDescriptionExpectedTests.Samples();

    private static IEnumerable<(VmDescription Vm, HyperVDefinition Definition)> Definitions(string sample, HyperVOptions options)
    {
        string path = RepositoryPaths.Sample(sample);
        var registry = V2V.Cli.FormatCatalog.Create();
        using var source = registry.DetectVmSourceFile(path)!.Open(path, SourceOptions.Default, registry);
        foreach (var vm in source.Vms)
        {
            var disks = vm.Disks.Select((d, i) => new ConvertedDisk(i + 1, $"{vm.FileSafeName}-disk{i + 1}.vhdx", d.Source ?? "", d.Capacity ?? 0, $"blake3-1m:disk{i + 1}", true, 0)).ToList();
            yield return (vm, HyperVMapper.Map(new ConvertedVm(vm, disks), null, options, Converted));
        }
    }

    [TestCaseSource(nameof(Samples))]
    public void Sample_produces_the_expected_hyper_v_definition(string sample)
    {
        var options = new HyperVOptions { SwitchMap = new Dictionary<string, string> { ["VM Network"] = "External" } };
        foreach (var (vm, definition) in Definitions(sample, options))
        {
            string stem = Path.Combine(RepositoryPaths.Root, "tests", "V2V.Adapters.Tests", "HyperV", "expected", $"{Path.GetFileName(sample)}.{vm.FileSafeName}");
            string script = PowerShellScript.Write(definition);
            string json = HyperVDefinitionJson.Write(definition);
            if (Environment.GetEnvironmentVariable("V2V_UPDATE_EXPECTED") == "1")
            {
                File.WriteAllText(stem + ".ps1", script);
                File.WriteAllText(stem + ".hyperv.json", json);
            }

            Assert.That(script, Is.EqualTo(File.ReadAllText(stem + ".ps1").ReplaceLineEndings("\n")), stem + ".ps1");
            Assert.That(json, Is.EqualTo(File.ReadAllText(stem + ".hyperv.json").ReplaceLineEndings("\n")), stem + ".hyperv.json");
        }
    }

    [Test]
    public void The_mapping_follows_firmware_controllers_and_guest_family()
    {
        HyperVDefinition One(string sample) => Definitions(sample, new HyperVOptions()).First().Definition;

        var efi = One("virt-v2v/test-i-vmx-3.vmx");       // firmware = "efi", RHEL
        var wide = One("virt-v2v/test-i-vmx-1.vmx");      // BIOS, 21 pvscsi disks
        var nvme = One("virt-v2v/test-i-vmx-6.vmx");      // BIOS, NVMe disk, SATA CD-ROM
        var win2019 = One("virt-v2v/test-i-vmx-7.vmx");   // EFI, Windows, USB
        Assert.Multiple(() =>
        {
            Assert.That((efi.Generation, efi.SecureBoot, efi.SecureBootTemplate), Is.EqualTo((2, true, "MicrosoftUEFICertificateAuthority")));
            Assert.That((win2019.Generation, win2019.SecureBootTemplate), Is.EqualTo((2, "MicrosoftWindows")));
            Assert.That(wide.Generation, Is.EqualTo(1));
            Assert.That(wide.Disks[0], Is.EqualTo(new HyperVDisk("IDE", 0, 0, "BZ1308535_21disks-disk1.vhdx", true)), "generation 1 boots from IDE 0:0");
            Assert.That(wide.Disks.Skip(1).All(d => d.ControllerType == "SCSI"), Is.True, "data disks on SCSI");
            Assert.That(wide.Disks, Has.Count.EqualTo(21));
            Assert.That(nvme.Disks.Single().ControllerType, Is.EqualTo("IDE"));
            Assert.That(nvme.Warnings, Has.Some.Contains("CD/DVD drive sata0:0"));
            Assert.That(win2019.Warnings, Has.Some.Contains("USB"));
            Assert.That(win2019.Disks.Select(d => (d.ControllerType, d.ControllerNumber, d.ControllerLocation, d.Boot)),
                Is.EqualTo(new[] { ("SCSI", 0, 0, true), ("SCSI", 0, 1, false) }), "generation 2: every disk on SCSI, the boot disk first");
        });
    }

    [Test]
    public void Seventy_disks_spread_over_scsi_controllers_and_odd_memory_rounds_up_with_warnings()
    {
        var drives = Enumerable.Range(0, 70).Select(i => new VmDrive(DriveKind.Disk, ControllerKind.Scsi, "pvscsi", i / 15, i % 15, $"d{i}.vmdk", 1L << 30)).ToList();
        var vm = new VmDescription("big", "vmware", null, Firmware.Uefi, 4, 3001, "ubuntu-64", drives, [], ["serial0", "sound"]);
        var disks = drives.Select((d, i) => new ConvertedDisk(i + 1, $"big-disk{i + 1}.vhdx", d.Source!, 1L << 30, "x", false, 0)).ToList();

        var definition = HyperVMapper.Map(new ConvertedVm(vm, disks), BootStyle.GptWithEsp, new HyperVOptions { StaticMac = false }, Converted);

        Assert.Multiple(() =>
        {
            Assert.That(definition.Disks.Max(d => d.ControllerNumber), Is.EqualTo(1));
            Assert.That(definition.Disks.Count(d => d.ControllerNumber == 0), Is.EqualTo(64));
            Assert.That(definition.Warnings, Has.Some.Contains("more than the 64 of one controller"));
            Assert.That(definition.MemoryStartupBytes, Is.EqualTo(3002L * 1024 * 1024));
            Assert.That(definition.Warnings, Has.Some.Contains("not a multiple of 2 MiB"));
            Assert.That(definition.Warnings, Has.Some.Contains("serial0").And.Some.Contains("sound"));
            Assert.That(PowerShellScript.Write(definition), Does.Contain("Add-VMScsiController -VM $vm"));
        });
    }

    [Test]
    public void A_source_with_less_memory_than_hyper_v_starts_a_vm_with_gets_32_mib_and_a_warning()
    {
        var drives = new[] { new VmDrive(DriveKind.Disk, ControllerKind.Ide, null, 0, 0, "d.vmdk", 1L << 30) };
        var vm = new VmDescription("tiny", "vmware", null, Firmware.Bios, 1, 16, "otherLinuxGuest", drives, [], []);
        var disks = new[] { new ConvertedDisk(1, "tiny-disk1.vhdx", "d.vmdk", 1L << 30, "x", false, 0) };

        var definition = HyperVMapper.Map(new ConvertedVm(vm, disks), BootStyle.Mbr, new HyperVOptions(), Converted);

        Assert.That(definition.MemoryStartupBytes, Is.EqualTo(32L * 1024 * 1024));
        Assert.That(definition.Warnings, Has.Some.EqualTo("memory 16 MiB is below Hyper-V's minimum startup memory: raised to 32 MiB"));
    }

    [Test]
    public void An_unconnected_adapter_s_warning_names_the_command_line_option_and_the_pipeline_key()
    {
        var drives = new[] { new VmDrive(DriveKind.Disk, ControllerKind.Ide, null, 0, 0, "d.vmdk", 1L << 30) };
        var nics = new[] { new VmNic(0, null, false, "VM Network", "e1000"), new VmNic(1, null, false, null, "e1000") };
        var vm = new VmDescription("web", "vmware", null, Firmware.Bios, 1, 1024, "otherLinuxGuest", drives, nics, []);
        var disks = new[] { new ConvertedDisk(1, "web-disk1.vhdx", "d.vmdk", 1L << 30, "x", false, 0) };

        var definition = HyperVMapper.Map(new ConvertedVm(vm, disks), BootStyle.Mbr, new HyperVOptions(), Converted);

        Assert.That(definition.Warnings, Has.Some.EqualTo(
            "network adapter 1 (source network \"VM Network\") is not connected: map it with --switch \"VM Network=SWITCH\" (switch-map in a pipeline) or give --default-switch (default-switch)"));
        Assert.That(definition.Warnings, Has.Some.EqualTo("network adapter 2 (no source network) is not connected: give --default-switch (default-switch in a pipeline)"));
    }
}
