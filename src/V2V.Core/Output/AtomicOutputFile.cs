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

        var folder = Path.GetDirectoryName(finalPath)!;
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"{finalPath}: folder {folder} does not exist");
        }

        string partial = finalPath + PartialSuffix;
        var handle = File.OpenHandle(partial, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        return new AtomicOutputFile(finalPath, partial, handle, overwrite);
    }

    /// <summary>Flushes the partial file to stable storage, closes it and renames it to the final path.</summary>
    public void Commit()
    {
        using (var stream = new FileStream(Handle, FileAccess.ReadWrite, bufferSize: 0))
        {
            stream.Flush(flushToDisk: true);
        }

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
