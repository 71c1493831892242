using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;

namespace V2V.Core.Formats;

/// <summary>A disk image format V2V can write.</summary>
public interface ITargetFormat
{
    string Name { get; }

    /// <summary>Accepted subformats, the default first.</summary>
    IReadOnlyList<string> Subformats { get; }

    /// <summary>File name extensions that select this format when <c>--to</c> is not given.</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>Checks the request before any data moves ("catch errors early"); throws UsageException.</summary>
    void Validate(TargetRequest request);

    /// <summary>
    /// Whether the targets it creates are <see cref="IReadBackTarget"/>s that accept writes in any
    /// order (the post-copy guest stage changes them before they are completed).
    /// </summary>
    bool CanReadBack => false;

    /// <summary>Starts an image in an already created, empty file.</summary>
    IDiskTarget Create(SafeFileHandle file, TargetRequest request);
}
