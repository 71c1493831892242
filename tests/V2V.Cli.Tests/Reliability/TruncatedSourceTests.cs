using V2V.Core.Conversion;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.TestSupport;

namespace V2V.Cli.Tests.Reliability;

/// <summary>
/// A source cut short after it was opened — truncated while V2V reads it — fails the conversion
/// with exit 2 and a line naming the file; it is never converted with the missing data as zeros.
/// Every source format: the cut is made between opening (headers and tables read) and copying.
/// </summary>
public class TruncatedSourceTests
{
    private const long MiB = 1024 * 1024;

    /// <summary>4 MiB with data spread to the very end, so the second half of every layout holds data.</summary>
    private static string Raw(TempFolder folder) =>
        SparseImage.Create(folder.File("source.raw"), 4 * MiB,
            [new DataRun(0, 65536, RunFill.Random), new DataRun(2 * MiB, 65536, RunFill.Random), new DataRun(4 * MiB - 65536, 65536, RunFill.Random)]);

    [TestCase("raw", null, null)]
    [TestCase("vpc", "fixed", null)]
    [TestCase("vpc", "dynamic", null)]
    [TestCase("vhdx", "fixed", null)]
    [TestCase("vhdx", "dynamic", null)]
    [TestCase("vmdk", "monolithicSparse", null)]
    [TestCase("vmdk", "streamOptimized", null)]
    [TestCase("vmdk", "monolithicFlat", "disk-flat.vmdk")]
    [TestCase("vmdk", "twoGbMaxExtentSparse", "disk-s001.vmdk")]
    public void A_disk_cut_while_it_is_read_fails_and_leaves_nothing(string format, string? subformat, string? cutFile)
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);
        string image = raw;
        if (format != "raw")
        {
            ExternalTool.Require("qemu-img");
            image = folder.File("disk." + format);
            QemuImg.Convert(raw, "raw", image, format, "-o", $"subformat={subformat}" + (format == "vpc" ? ",force_size=on" : ""));
        }

        string cut = cutFile is null ? image : folder.File(cutFile);
        var registry = FormatCatalog.Create();
        using var disk = registry.Open(image, SourceOptions.Default);
        using (var file = new FileStream(cut, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(file.Length / 2);
        }

        var target = folder.File("out/copy.vhdx");
        var error = Assert.CatchAsync<V2VException>(() => DiskConverter.ConvertAsync(
            new DiskConversionRequest(disk, [new TargetPlan(registry.Target("vhdx"), new TargetRequest(target, disk.Capacity, null, null, 512))], registry)
            {
                Options = ConversionOptions.Default with { Verify = true },
            },
            null, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ExitCode, Is.EqualTo(2), error.Message);
            Assert.That(error.Message, Does.Contain(Path.GetFileName(cut)).And.Contain("truncated"));
            Assert.That(Directory.Exists(folder.File("out")) ? Directory.GetFiles(folder.File("out")) : [], Is.Empty, "no output, no partial file");
        });
    }

    [TestCase("ova")]
    [TestCase("xva")]
    public void A_package_cut_while_it_is_read_fails_and_leaves_nothing(string kind)
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        string raw = Raw(folder);
        string package;
        if (kind == "ova")
        {
            var builder = new OvaBuilder(folder);
            builder.AddDisk("disk1", raw, 4 * MiB);
            package = builder.Pack("vm", folder.File("vm.ova"));
        }
        else
        {
            var builder = new XvaBuilder(folder.Path);
            builder.AddDisk(raw, 4 * MiB, 0, "system");
            package = builder.Build(folder.File("vm.xva"));
        }

        var registry = FormatCatalog.Create();
        using var source = registry.DetectVmSourceFile(package)!.Open(package, SourceOptions.Default, registry);
        using (var file = new FileStream(package, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(file.Length * 2 / 3);
        }

        string output = folder.File("out");
        var request = VmConversionRequest.IntoFolder(source, output, registry.Target("vhdx"), null, null, null, registry);
        var error = Assert.CatchAsync<V2VException>(() => VmConverter.ConvertAsync(request, null, CancellationToken.None));

        Assert.That(error!.ExitCode, Is.EqualTo(2), error.Message);
        Assert.That(error.Message, Does.Contain("vm." + kind));
        Assert.That(Directory.Exists(output) ? Directory.GetFiles(output) : [], Is.Empty, "no output, no partial file");
    }
}
