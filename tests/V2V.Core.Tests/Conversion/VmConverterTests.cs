using System.Text.Json;
using V2V.Core.Conversion;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Pipeline;
using V2V.Core.Vm;
using V2V.DiskFormats.Raw;
using V2V.TestSupport;

namespace V2V.Core.Tests.Conversion;

public class VmConverterTests
{
    private const long MiB = 1024 * 1024;

    /// <summary>A package of one VM with one 4 MiB disk, read from memory.</summary>
    private sealed class OnePackage : IVmSource
    {
        private readonly MemoryDisk _disk = new(4 * MiB);

        public OnePackage() => _disk.Fill(MiB, Enumerable.Repeat((byte)0xA5, (int)MiB).ToArray());

        public string Path => "memory.ova";
        public string Format => "ova";
        public IReadOnlyList<string> Files => [];

        public IReadOnlyList<VmDescription> Vms { get; } =
            [new VmDescription("web", "test", null, Firmware.Bios, 1, 1024, null, [new VmDrive(DriveKind.Disk, ControllerKind.Scsi, null, 0, 0, "d1", 4 * MiB)], [], [])];

        public Task ForEachDiskAsync(Func<VmDiskFeed, Task> convert, CancellationToken cancellationToken) =>
            convert(new VmDiskFeed(Vms[0], 1, "memory.ova:d1", new RandomAccessProducer(_disk, _disk.Capacity), []));

        public void Dispose() => _disk.Dispose();
    }

    [Test]
    public async Task The_outcome_carries_the_final_path_of_every_output_and_the_description()
    {
        using var folder = new TempFolder();
        var registry = V2V.Cli.FormatCatalog.Create();
        using var package = new OnePackage();
        var raw = new VmOutputSpec(new RawTargetFormat(), null, null, null, (vm, n) => folder.File($"raw/{vm.FileSafeName}-disk{n}.raw"));
        var vhdx = new VmOutputSpec(registry.Target("vhdx"), null, MiB, null, (vm, n) => folder.File($"hyperv/{vm.FileSafeName}-disk{n}.vhdx"));

        var vms = await VmConverter.ConvertAsync(
            new VmConversionRequest(package, [raw, vhdx], vhdx, vm => folder.File($"hyperv/{vm.FileSafeName}.vm.json"), registry), null, CancellationToken.None);

        var disk = vms[0].Disks[0];
        Assert.Multiple(() =>
        {
            Assert.That(vms[0].DescriptionPath, Is.EqualTo(folder.File("hyperv/web.vm.json")));
            Assert.That(disk.Targets.Select(t => t.Path), Is.EqualTo(new[] { folder.File("raw/web-disk1.raw"), folder.File("hyperv/web-disk1.vhdx") }), "in the request's order");
            Assert.That(disk.Targets.Select(t => t.FileLength), Is.EqualTo(disk.Targets.Select(t => new FileInfo(t.Path).Length)));
            Assert.That(disk.File, Is.EqualTo("web-disk1.vhdx"), "the described output's file");
            using var written = JsonDocument.Parse(File.ReadAllText(vms[0].DescriptionPath!));
            Assert.That(written.RootElement.GetProperty("disks")[0].GetProperty("file").GetString(), Is.EqualTo("web-disk1.vhdx"));
        });
    }

    [Test]
    public void A_described_output_that_is_not_one_of_the_outputs_is_refused_before_anything_is_written()
    {
        using var folder = new TempFolder();
        var registry = V2V.Cli.FormatCatalog.Create();
        using var package = new OnePackage();
        var raw = new VmOutputSpec(new RawTargetFormat(), null, null, null, (vm, n) => folder.File($"{vm.FileSafeName}-disk{n}.raw"));
        var other = raw with { };

        Assert.ThrowsAsync<ArgumentException>(() => VmConverter.ConvertAsync(
            new VmConversionRequest(package, [raw], other, vm => folder.File("web.vm.json"), registry), null, CancellationToken.None));

        Assert.That(folder.FileNames(), Is.Empty);
    }

    [Test]
    public void Into_a_folder_that_is_a_file_is_refused()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("out"), "x");
        var registry = V2V.Cli.FormatCatalog.Create();
        using var package = new OnePackage();

        var error = Assert.Throws<UsageException>(() => VmConversionRequest.IntoFolder(package, folder.File("out"), registry.Target("vhdx"), null, null, null, registry));

        Assert.That(error!.Message, Does.Contain("converts into a folder, and this is a file"));
    }
}
