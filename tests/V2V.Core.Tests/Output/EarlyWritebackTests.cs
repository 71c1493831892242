using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using V2V.Core.Output;
using V2V.TestSupport;

namespace V2V.Core.Tests.Output;

/// <summary>
/// A durable output set has the kernel start writing its files while the copy goes on. Observed
/// through FIEMAP: ext4 reports written-but-unallocated data (delayed allocation) with the DELALLOC
/// flag until writeback allocates it; a set that is not durable is the control.
/// </summary>
[Platform("Linux")]
public class EarlyWritebackTests
{
    private const ulong FsIocFiemap = 0xC020660B;
    private const uint ExtentDelalloc = 0x4;
    private const int HeaderSize = 32;
    private const int ExtentSize = 56;
    private const int MaxExtents = 64;

    [Test]
    public void A_durable_set_has_its_files_written_back_before_the_commit()
    {
        using var folder = new TempFolder();
        var data = new byte[8 << 20];
        Random.Shared.NextBytes(data);
        using var lazy = new OutputSet(overwrite: false, durable: false);
        using var durable = new OutputSet(overwrite: false, durable: true);
        var lazyFile = lazy.Create(folder.File("lazy.raw"));
        var durableFile = durable.Create(folder.File("durable.raw"));
        RandomAccess.Write(lazyFile.Handle, data, 0);
        RandomAccess.Write(durableFile.Handle, data, 0);
        Assert.That(HasDelayedData(lazyFile.Handle), Is.True, $"{folder.Path}: the filesystem must report delayed allocation (ext4 does) for this test to mean anything");

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (HasDelayedData(durableFile.Handle) && waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(20);
        }

        Assert.That(HasDelayedData(durableFile.Handle), Is.False, "the durable file's data was not written back before the commit");
        Assert.That(HasDelayedData(lazyFile.Handle), Is.True, "the file of a set that is not durable is left to the kernel");
        durable.CommitAll();
        Assert.That(File.ReadAllBytes(folder.File("durable.raw")), Is.EqualTo(data));
    }

    [Test]
    public void Sets_opened_and_closed_in_quick_succession_never_touch_a_closed_file()
    {
        // The writeback thread must be stopped before the files close; a call on a closed handle
        // would throw on that thread and end the test run.
        using var folder = new TempFolder();
        for (int i = 0; i < 200; i++)
        {
            using var set = new OutputSet(overwrite: true, durable: true);
            var file = set.Create(folder.File($"disk{i % 3}.raw"));
            RandomAccess.Write(file.Handle, new byte[4096], 0);
            if (i % 2 == 0)
            {
                set.CommitAll();
            }
        }

        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "disk0.raw", "disk1.raw", "disk2.raw" }));
    }

    private static bool HasDelayedData(SafeFileHandle file)
    {
        var request = new byte[HeaderSize + MaxExtents * ExtentSize];
        BinaryPrimitives.WriteUInt64LittleEndian(request.AsSpan(8), ulong.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(24), MaxExtents);
        if (Ioctl(file, FsIocFiemap, request) != 0)
        {
            Assert.Fail($"FIEMAP failed (errno {Marshal.GetLastPInvokeError()})");
        }

        int mapped = (int)BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(20));
        return Enumerable.Range(0, mapped).Any(i => (BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(HeaderSize + i * ExtentSize + 40)) & ExtentDelalloc) != 0);
    }

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(SafeFileHandle fd, ulong request, [In, Out] byte[] data);
}
