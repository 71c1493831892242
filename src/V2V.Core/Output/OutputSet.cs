namespace V2V.Core.Output;

/// <summary>
/// The outputs of one job (every disk of a VM, its description): all written as partial files and
/// renamed together at the end, or all deleted. A VM whose second disk fails leaves nothing.
/// A durable set has the kernel write its files back while they are being written. No file of
/// the set may be one the run reads (<see cref="FilesRead"/>): checked when it is created and
/// again just before the renames.
/// </summary>
public sealed class OutputSet : IDisposable
{
    private readonly List<AtomicOutputFile> _files = [];
    private EarlyWriteback? _writeback;

    public OutputSet(bool overwrite, bool durable, FilesRead? read = null)
    {
        Overwrite = overwrite;
        Durable = durable;
        Read = read ?? new FilesRead();
        _writeback = durable ? new EarlyWriteback(OpenHandles) : null;
    }

    public bool Overwrite { get; }
    public bool Durable { get; }

    /// <summary>The files the run reads, which no output may be.</summary>
    public FilesRead Read { get; }
    public IReadOnlyList<AtomicOutputFile> Files => _files;

    /// <summary>Creates a partial file; safe to call from disks converting at the same time.</summary>
    public AtomicOutputFile Create(string finalPath)
    {
        string full = Path.GetFullPath(finalPath);
        Read.Refuse(full);

        // Creating the partial file deletes a leftover of that name first: it must not be read either.
        Read.Refuse(full + AtomicOutputFile.PartialSuffix);
        lock (_files)
        {
            if (_files.Any(f => f.FinalPath == full))
            {
                throw new Errors.UsageException($"{finalPath}: named as an output twice");
            }

            var file = AtomicOutputFile.Create(full, Overwrite);
            _files.Add(file);
            return file;
        }
    }

    /// <summary>Writes a small text output (a VM description) the same all-or-nothing way.</summary>
    public void WriteText(string finalPath, string text) => WriteBytes(finalPath, System.Text.Encoding.UTF8.GetBytes(text));

    public void WriteBytes(string finalPath, byte[] content) => RandomAccess.Write(Create(finalPath).Handle, content, 0);

    /// <summary>The partial (not yet renamed) file that will become <paramref name="finalPath"/>.</summary>
    public string PartialPathOf(string finalPath)
    {
        string full = Path.GetFullPath(finalPath);
        lock (_files)
        {
            return _files.First(f => f.FinalPath == full).PartialPath;
        }
    }

    /// <summary>
    /// Flushes every file, then renames them all: a flush that fails (EIO, or ENOSPC that a
    /// network filesystem reports only at fsync) leaves none of the set in place.
    /// </summary>
    public void CommitAll()
    {
        StopWriteback();
        foreach (var file in _files)
        {
            file.Seal(Durable);
        }

        // Again now: a link or a file may have appeared at an output's path while the data moved.
        foreach (var file in _files)
        {
            Read.Refuse(file.FinalPath);
        }

        foreach (var file in _files)
        {
            file.Rename();
        }
    }

    public void Dispose()
    {
        StopWriteback();
        foreach (var file in _files)
        {
            file.Dispose();
        }

        // Now that no partial file of the set is left, the folders the set made are empty.
        foreach (var file in _files)
        {
            file.RemoveCreatedFolders();
        }
    }

    private List<Microsoft.Win32.SafeHandles.SafeFileHandle> OpenHandles()
    {
        lock (_files)
        {
            return _files.Select(f => f.Handle).ToList();
        }
    }

    private void StopWriteback()
    {
        _writeback?.Dispose();
        _writeback = null;
    }
}
