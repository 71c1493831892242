using Microsoft.Win32.SafeHandles;
using V2V.Core.Errors;

namespace V2V.Core.Output;

/// <summary>
/// A target file written under a temporary name beside its final path ("NAME.partial") and
/// renamed only once it is complete and verified. Disposing without <see cref="Commit"/>
/// deletes the partial file, so a failed or cancelled run leaves nothing behind.
/// </summary>
public sealed class AtomicOutputFile : IDisposable
{
    public const string PartialSuffix = ".partial";

    private bool _committed;

    private AtomicOutputFile(string finalPath, string partialPath, SafeFileHandle handle, bool overwrite)
    {
        FinalPath = finalPath;
        PartialPath = partialPath;
        Handle = handle;
        Overwrite = overwrite;
    }

    public string FinalPath { get; }
    public string PartialPath { get; }
    public SafeFileHandle Handle { get; }
    private bool Overwrite { get; }

    /// <summary>Creates the partial file; refuses an existing target unless <paramref name="overwrite"/>.</summary>
    public static AtomicOutputFile Create(string finalPath, bool overwrite)
    {
        finalPath = Path.GetFullPath(finalPath);
        if (!overwrite && (File.Exists(finalPath) || Directory.Exists(finalPath)))
        {
            throw new UsageException($"{finalPath}: target exists (use --force to overwrite)");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);

        // A leftover from a crashed run is ours to replace. CreateNew, not Create: truncating an
        // existing file makes ext4 (auto_da_alloc) flush the whole file synchronously on close.
        string partial = finalPath + PartialSuffix;
        File.Delete(partial);
        var handle = File.OpenHandle(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        return new AtomicOutputFile(finalPath, partial, handle, overwrite);
    }

    /// <summary>
    /// Closes the partial file and renames it to the final path; with <paramref name="durable"/> it
    /// is flushed to stable storage first, so a crash right after cannot leave a renamed file whose
    /// data never reached the disk.
    /// </summary>
    public void Commit(bool durable = true)
    {
        Seal(durable);
        Rename();
    }

    /// <summary>The first half of <see cref="Commit"/>: flushes (when durable) and closes the partial file.</summary>
    public void Seal(bool durable)
    {
        using var stream = new FileStream(Handle, FileAccess.ReadWrite, bufferSize: 0);
        if (durable)
        {
            stream.Flush(flushToDisk: true); // fsync on Linux, FlushFileBuffers on Windows
        }
    }

    /// <summary>The second half of <see cref="Commit"/>: puts the sealed file in place.</summary>
    public void Rename()
    {
        File.Move(PartialPath, FinalPath, Overwrite);
        _committed = true;
    }

    public void Dispose()
    {
        Handle.Dispose();
        if (!_committed)
        {
            try
            {
                File.Delete(PartialPath);
            }
            catch (IOException)
            {
                // Best effort: the original failure is what the user needs to see.
            }
        }
    }
}
