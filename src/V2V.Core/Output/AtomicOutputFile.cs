using Microsoft.Win32.SafeHandles;
using V2V.Core.Errors;

namespace V2V.Core.Output;

/// <summary>
/// A target file written under a temporary name beside its final path ("NAME.partial") and
/// renamed only once it is complete and verified. Disposing before <see cref="Rename"/>
/// deletes the partial file and the folders its creation made, if they stayed empty, so a failed
/// or cancelled run leaves nothing behind.
/// </summary>
public sealed class AtomicOutputFile : IDisposable
{
    public const string PartialSuffix = ".partial";

    // Linux's NAME_MAX and PATH_MAX, in bytes of the UTF-8 name.
    private const int MaxNameBytes = 255;
    private const int MaxPathBytes = 4095;

    private readonly IReadOnlyList<string> _createdFolders;
    private bool _committed;

    private AtomicOutputFile(string finalPath, string partialPath, SafeFileHandle handle, bool overwrite, IReadOnlyList<string> createdFolders)
    {
        FinalPath = finalPath;
        PartialPath = partialPath;
        Handle = handle;
        Overwrite = overwrite;
        _createdFolders = createdFolders;
    }

    public string FinalPath { get; }
    public string PartialPath { get; }
    public SafeFileHandle Handle { get; }
    private bool Overwrite { get; }

    /// <summary>
    /// Why the OS could not create <paramref name="finalPath"/> or its partial file (a name over
    /// 255 bytes, a path over 4095), or null: asked when outputs are planned, not mid-run.
    /// </summary>
    public static string? NameProblem(string finalPath)
    {
        string partial = Path.GetFullPath(finalPath) + PartialSuffix;
        if (System.Text.Encoding.UTF8.GetByteCount(partial) > MaxPathBytes)
        {
            return $"{finalPath}: the path is too long for the filesystem ({System.Text.Encoding.UTF8.GetByteCount(partial)} bytes with its {PartialSuffix} suffix; at most {MaxPathBytes})";
        }

        string? tooLong = partial.Split(Path.DirectorySeparatorChar).FirstOrDefault(part => System.Text.Encoding.UTF8.GetByteCount(part) > MaxNameBytes);
        return tooLong is null
            ? null
            : $"{finalPath}: a name in the path is too long for the filesystem ({System.Text.Encoding.UTF8.GetByteCount(tooLong)} bytes{(tooLong.EndsWith(PartialSuffix, StringComparison.Ordinal) ? $" with the {PartialSuffix} suffix" : "")}; at most {MaxNameBytes})";
    }

    /// <summary>Creates the partial file; refuses an existing target unless <paramref name="overwrite"/>.</summary>
    /// <exception cref="OutputExistsException">The target exists and <paramref name="overwrite"/> is false.</exception>
    public static AtomicOutputFile Create(string finalPath, bool overwrite)
    {
        if (NameProblem(finalPath) is { } problem)
        {
            throw new UsageException(problem);
        }

        finalPath = Path.GetFullPath(finalPath);
        if (!overwrite && (File.Exists(finalPath) || Directory.Exists(finalPath)))
        {
            throw new OutputExistsException(finalPath);
        }

        // The folders that do not exist yet, deepest first: ours to remove again if the run fails.
        var created = new List<string>();
        for (string? folder = Path.GetDirectoryName(finalPath); folder is not null && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
        {
            created.Add(folder);
        }

        // A leftover from a crashed run is ours to replace. CreateNew, not Create: truncating an
        // existing file makes ext4 (auto_da_alloc) flush the whole file synchronously on close.
        string partial = finalPath + PartialSuffix;
        for (int attempt = 1; ; attempt++)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
            try
            {
                File.Delete(partial);
                var handle = File.OpenHandle(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
                return new AtomicOutputFile(finalPath, partial, handle, overwrite, created);
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
                // A parallel job of the pipeline that made the same folder failed and removed it,
                // empty, between our CreateDirectory and this open: make it again.
            }
        }
    }

    /// <summary>
    /// The first half of a commit: closes the partial file; with <paramref name="durable"/> it is
    /// flushed to stable storage first, so a crash after <see cref="Rename"/> cannot leave a renamed
    /// file whose data never reached the disk. <see cref="OutputSet"/> seals every output before
    /// renaming any.
    /// </summary>
    public void Seal(bool durable)
    {
        using var stream = new FileStream(Handle, FileAccess.ReadWrite, bufferSize: 0);
        if (durable)
        {
            stream.Flush(flushToDisk: true); // fsync on Linux, FlushFileBuffers on Windows
        }
    }

    /// <summary>The second half of a commit: puts the sealed file in place under its final name.</summary>
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

            RemoveCreatedFolders();
        }
    }

    /// <summary>
    /// Before a commit: removes the folders <see cref="Create"/> made for this file, deepest first,
    /// while they are empty. <see cref="OutputSet"/> asks again once every file of the set is gone,
    /// since a sibling's partial file may still have been in the folder.
    /// </summary>
    public void RemoveCreatedFolders()
    {
        if (_committed)
        {
            return;
        }

        foreach (string folder in _createdFolders)
        {
            try
            {
                if (!Directory.Exists(folder) || Directory.EnumerateFileSystemEntries(folder).Any())
                {
                    return;
                }

                Directory.Delete(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return; // best effort, as for the partial file
            }
        }
    }
}
