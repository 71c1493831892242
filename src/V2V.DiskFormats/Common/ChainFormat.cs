using V2V.Core.Errors;
using V2V.Core.Formats;

namespace V2V.DiskFormats.Common;

/// <summary>
/// What one chain format (VMDK snapshots, differencing VHDs; later differencing VHDX, qcow2
/// backing files, VDI) tells <see cref="SnapshotChain{TFile}"/>: how to open a file, whether it
/// has a parent, the names it records for it, and how a parent proves it is the right one. The
/// walk itself — depth limit, loop detection, path safety, the same-name-beside-the-child
/// fallback, capacity check and disposal on failure — is the chain's.
/// </summary>
public abstract class ChainFormat<TFile>
    where TFile : IChainFile
{
    /// <summary>How messages name the chain: "snapshot chain", "differencing chain".</summary>
    public abstract string ChainName { get; }

    /// <summary>How messages name a file's size: "capacity", "virtual size".</summary>
    public abstract string CapacityName { get; }

    /// <summary>
    /// True when only a refused parent name (absolute, or leaving the child's folder) falls back
    /// to the same file name beside the child; false when a name that is safe but missing does too.
    /// </summary>
    public virtual bool BesideOnlyWhenRefused => false;

    /// <summary>
    /// Opens one file of the chain from <paramref name="files"/> (the files it names come from
    /// there too); a file that fails to open is not the chain's to dispose.
    /// </summary>
    public abstract TFile Open(string path, IImageFileSystem files);

    public abstract bool HasParent(TFile file);

    /// <summary>
    /// The parent names the child records, in the order to try them, without empty or repeated
    /// names; empty when it records none.
    /// </summary>
    public abstract IReadOnlyList<string> ParentNames(TFile child);

    /// <summary>The message for a child that has a parent but names none.</summary>
    public abstract string NoParentNamed(TFile child);

    /// <summary>True when <paramref name="parent"/> carries the identity (UUID, CID) the child recorded for its parent.</summary>
    public abstract bool IdentityMatches(TFile child, TFile parent);

    /// <summary>The message for a parent whose identity does not match (the parent changed after the child was made).</summary>
    public abstract string IdentityMismatch(TFile child, TFile parent, string parentPath);

    /// <summary>The error for a parent found under none of its names; <paramref name="tried"/> says what each attempt found.</summary>
    public abstract V2VException ParentMissing(TFile child, IReadOnlyList<string> names, IReadOnlyList<ParentAttempt> tried);
}

/// <summary>
/// One place a parent was looked for: a recorded name resolved beside the child (refused by
/// <see cref="SafePath"/> when <see cref="Refusal"/> is set, else missing), or, when
/// <see cref="Beside"/>, that name's file name looked up in the child's folder.
/// </summary>
public sealed record ParentAttempt(string Name, bool Beside, UnsafePathException? Refusal)
{
    public override string ToString() => Beside
        ? $"\"{Name}\" beside the child (no such file)"
        : Refusal is null ? $"\"{Name}\" (no such file)" : $"\"{Name}\" (refused: {Refusal.Why})";
}
