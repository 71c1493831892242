using Microsoft.Win32.SafeHandles;
using V2V.Core.Conversion;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Pipeline;
using V2V.DiskFormats.Raw;
using V2V.TestSupport;

namespace V2V.Core.Tests.Conversion;

public class DiskConverterTests
{
    private const long MiB = 1024 * 1024;

    private static MemoryDisk Source()
    {
        var disk = new MemoryDisk(64 * MiB);
        disk.Fill(0, Enumerable.Range(0, (int)(64 * MiB)).Select(i => (byte)(i % 251 + 1)).ToArray());
        return disk;
    }

    private static TargetPlan Plan(ITargetFormat format, string path) => new(format, new TargetRequest(path, 64 * MiB, null, null, 512));

    [Test]
    public async Task Writes_and_verifies_every_target()
    {
        using var folder = new TempFolder();
        var registry = V2V.Cli.FormatCatalog.Create();

        var outcome = await DiskConverter.ConvertAsync(
            new DiskConversionRequest(Source(), [Plan(new RawTargetFormat(), folder.File("a.raw")), Plan(registry.Target("vhdx"), folder.File("b.vhdx"))], registry) { Options = ConversionOptions.Default with { Verify = true } }, null, CancellationToken.None);

        Assert.That(outcome.Targets.Select(t => t.VerifiedDigest), Is.All.EqualTo(outcome.Copy.Digest));
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "a.raw", "b.vhdx" }));
    }

    [Test]
    public async Task The_outcome_names_every_target_by_its_final_path_in_the_order_asked()
    {
        using var folder = new TempFolder();
        var registry = V2V.Cli.FormatCatalog.Create();
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, folder.File("b.vhdx"));

        var outcome = await DiskConverter.ConvertAsync(
            new DiskConversionRequest(Source(), [Plan(registry.Target("vhdx"), relative), Plan(new RawTargetFormat(), folder.File("a.raw"))], registry), null, CancellationToken.None);

        Assert.That(outcome.Targets.Select(t => t.Path), Is.EqualTo(new[] { folder.File("b.vhdx"), folder.File("a.raw") }));
        Assert.That(outcome.Targets.Select(t => t.FileLength), Is.EqualTo(new[] { new FileInfo(folder.File("b.vhdx")).Length, 64 * MiB }));
        Assert.That(outcome.Targets.Select(t => t.Subformat), Is.EqualTo(new[] { "dynamic", null }), "the format's default subformat is named");
    }

    [Test]
    public void A_target_that_writes_wrong_bytes_fails_verification_and_leaves_nothing()
    {
        using var folder = new TempFolder();
        var registry = V2V.Cli.FormatCatalog.Create();

        var error = Assert.ThrowsAsync<ChecksumMismatchException>(() => DiskConverter.ConvertAsync(
            new DiskConversionRequest(Source(), [Plan(new BitFlippingRawFormat(), folder.File("a.raw"))], registry) { Options = ConversionOptions.Default with { Verify = true } }, null, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("content digest"));
        Assert.That(folder.FileNames(), Is.Empty);
    }

    [Test]
    public void Cancelling_mid_copy_removes_every_partial_output()
    {
        using var folder = new TempFolder();
        var registry = V2V.Cli.FormatCatalog.Create();
        using var cancel = new CancellationTokenSource();
        var source = Source();
        source.FailRead = offset =>
        {
            if (offset == 30 * MiB)
            {
                cancel.Cancel();
            }

            return null;
        };

        Assert.CatchAsync<OperationCanceledException>(() => DiskConverter.ConvertAsync(
            new DiskConversionRequest(source, [Plan(new RawTargetFormat(), folder.File("a.raw")), Plan(registry.Target("vhdx"), folder.File("b.vhdx"))], registry) { Options = ConversionOptions.Default }, null, cancel.Token));

        Assert.That(folder.FileNames(), Is.Empty);
    }

    [Test]
    public void A_read_error_mid_copy_removes_every_partial_output()
    {
        using var folder = new TempFolder();
        var registry = V2V.Cli.FormatCatalog.Create();
        var source = Source();
        source.FailRead = offset => offset == 40 * MiB ? new InvalidImageException("memory", "grain table damaged") : null;

        Assert.ThrowsAsync<InvalidImageException>(() => DiskConverter.ConvertAsync(
            new DiskConversionRequest(source, [Plan(registry.Target("vhdx"), folder.File("b.vhdx"))], registry) { Options = ConversionOptions.Default }, null, CancellationToken.None));

        Assert.That(folder.FileNames(), Is.Empty);
    }

    /// <summary>A raw writer with a bug: it flips one bit, which only verification can notice.</summary>
    private sealed class BitFlippingRawFormat : ITargetFormat
    {
        public string Name => "raw";
        public IReadOnlyList<string> Subformats { get; } = [];
        public IReadOnlyList<string> Extensions { get; } = ["raw"];

        public void Validate(TargetRequest request)
        {
        }

        public IDiskTarget Create(SafeFileHandle file, TargetRequest request) => new Flipper(new RawWriter(file, request.Capacity));

        private sealed class Flipper(RawWriter inner) : IDiskTarget
        {
            public long Capacity => inner.Capacity;

            public void Write(long offset, ReadOnlySpan<byte> data)
            {
                var copy = data.ToArray();
                if (offset == 7 * Chunk.Size)
                {
                    copy[12345] ^= 0x10;
                }

                inner.Write(offset, copy);
            }

            public void Complete() => inner.Complete();

            public void Dispose() => inner.Dispose();
        }
    }
}
