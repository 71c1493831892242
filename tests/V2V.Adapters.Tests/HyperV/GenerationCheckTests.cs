using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.HyperV;

/// <summary>The generation is checked against the converted boot disk's partition table; the disk wins.</summary>
public class GenerationCheckTests
{
    private const long MiB = 1024 * 1024;

    private static string Vm(TempFolder folder, string firmware, string guestOs)
    {
        File.WriteAllText(folder.File("vm.vmx"), $"""
            config.version = "8"
            virtualHW.version = "14"
            displayName = "check"
            firmware = "{firmware}"
            memsize = "2048"
            guestOS = "{guestOs}"
            scsi0.present = "TRUE"
            scsi0.virtualDev = "pvscsi"
            scsi0:0.present = "TRUE"
            scsi0:0.fileName = "disk.vmdk"
            """);
        return folder.File("vm.vmx");
    }

    private static string Disk(TempFolder folder, bool gpt)
    {
        string raw = SparseImage.Create(folder.File("disk.raw"), 64 * MiB, []);
        if (gpt)
        {
            ExternalTool.Ok("sgdisk", "-n", "1:2048:+32M", "-t", "1:ef00", raw);
        }
        else
        {
            ExternalTool.Ok("bash", "-c", $"printf 'label: dos\\n2048,+32M,7,*\\n' | sfdisk -q '{raw}'");
        }

        QemuImg.Convert(raw, "raw", folder.File("disk.vmdk"), "vmdk", "-o", "subformat=monolithicSparse");
        return raw;
    }

    private static JsonElement Convert(TempFolder folder, string vmx)
    {
        var result = CliRunner.Run("convert", vmx, folder.File("out"));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.File("out"), "check.hyperv.json"))).RootElement;
    }

    [Test]
    public void An_mbr_boot_disk_behind_efi_firmware_makes_generation_1_with_a_warning()
    {
        using var folder = new TempFolder();
        Disk(folder, gpt: false);

        var definition = Convert(folder, Vm(folder, "efi", "windows2019srv-64"));

        Assert.That(definition.GetProperty("generation").GetInt32(), Is.EqualTo(1));
        Assert.That(definition.GetProperty("generationReason").GetString(), Does.Contain("MBR"));
        Assert.That(definition.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()), Has.Some.Contains("the disk wins"));
        Assert.That(definition.GetProperty("disks")[0].GetProperty("controllerType").GetString(), Is.EqualTo("IDE"));
    }

    [Test]
    public void A_gpt_disk_with_an_esp_behind_bios_firmware_makes_generation_2_with_a_warning()
    {
        using var folder = new TempFolder();
        Disk(folder, gpt: true);

        var definition = Convert(folder, Vm(folder, "bios", "rhel8-64"));

        Assert.That(definition.GetProperty("generation").GetInt32(), Is.EqualTo(2));
        Assert.That(definition.GetProperty("secureBoot").GetProperty("template").GetString(), Is.EqualTo("MicrosoftUEFICertificateAuthority"));
        Assert.That(definition.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()), Has.Some.Contains("GPT with an EFI system partition"));
    }

    [Test]
    public void Agreeing_firmware_and_disk_give_no_warning()
    {
        using var folder = new TempFolder();
        Disk(folder, gpt: true);

        var definition = Convert(folder, Vm(folder, "efi", "otherGuest"));

        Assert.That(definition.GetProperty("generation").GetInt32(), Is.EqualTo(2));
        Assert.That(definition.GetProperty("generationReason").GetString(), Does.Contain("confirmed by the boot disk"));
        Assert.That(definition.GetProperty("secureBoot").GetProperty("enabled").GetBoolean(), Is.False, "unknown guest: Secure Boot off");
        Assert.That(definition.GetProperty("warnings").GetArrayLength(), Is.Zero);
    }
}
