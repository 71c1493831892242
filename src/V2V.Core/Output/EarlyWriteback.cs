using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace V2V.Core.Output;

/// <summary>
/// For a durable run: asks the kernel every tenth of a second to start writing the partial files'
/// dirty pages, so the device works while the copy goes on and the fsync at the end waits only for
/// the last moments' data instead of the whole output. Only a hint (sync_file_range WRITE, Linux):
/// the fsync in <see cref="AtomicOutputFile.Seal"/> is still what makes the data durable and
/// what reports a write error.
/// </summary>
internal sealed partial class EarlyWriteback : IDisposable
{
    private const uint SyncFileRangeWrite = 2;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly Func<IReadOnlyList<SafeFileHandle>> _files;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread? _thread;

    public EarlyWriteback(Func<IReadOnlyList<SafeFileHandle>> files)
    {
        _files = files;
        if (OperatingSystem.IsLinux())
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "v2v writeback" };
            _thread.Start();
        }
    }

    /// <summary>Stops the hints; returns once none is in progress, so the files may be closed.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread?.Join();
        _stop.Dispose();
    }

    private void Run()
    {
        while (!_stop.Wait(Interval))
        {
            foreach (var file in _files())
            {
                // Errors (a filesystem without it, an I/O error) are left to the fsync to report.
                _ = SyncFileRange(file, 0, 0, SyncFileRangeWrite);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);
}
