using V2V.Core.Formats;
using V2V.Core.Pipeline;

namespace V2V.Core.Vm;

/// <summary>
/// One disk of a VM as it becomes available: random-access (a VMX's VMDK) or streamed (an OVA or
/// XVA member). <see cref="DiskNumber"/> is the disk's 1-based place in the VM's controller order.
/// </summary>
/// <param name="Name">How messages and <c>vm.json</c> name the disk: a file, a package member, or a remote disk's address.</param>
/// <param name="SourceFiles">Local files this disk reads, which no output may overwrite; empty for a disk that is not in a local file.</param>
public sealed record VmDiskFeed(VmDescription Vm, int DiskNumber, string Name, IChunkProducer Producer, IReadOnlyCollection<string> SourceFiles)
{
    /// <summary>
    /// Threads the source itself keeps busy while this disk converts (an OVA member's manifest
    /// hash): the pipeline runs at most the processor count less that many workers (at least one),
    /// so that thread gets a core of its own instead of a share of one and does not finish alone
    /// after the copy.
    /// </summary>
    public int BusyThreads { get; init; }
}

/// <summary>
/// A VM package or configuration (OVA, OVF, VMX, XVA): the VMs it describes, known up front, and
/// their disks, handed over in the order the source can deliver them: one at a time (OVA, OVF,
/// VMX), or all at once when their data is interleaved in one stream (XVA).
/// </summary>
public interface IVmSource : IDisposable
{
    /// <summary>The package's file, or for a source that is not a local file its address.</summary>
    string Path { get; }

    /// <summary>Container format: "ova", "ovf", "vmx", "xva".</summary>
    string Format { get; }

    IReadOnlyList<VmDescription> Vms { get; }

    /// <summary>
    /// Every file the package is known to read once opened: itself, and for an OVF or VMX the
    /// disk files it names with their extents and parents. A package on a stream has none. No
    /// output may be one of them; files met only while reading come with each <see cref="VmDiskFeed"/>.
    /// </summary>
    IReadOnlyList<string> Files { get; }

    /// <summary>
    /// Calls <paramref name="convert"/> once for every disk of every VM, and completes when every
    /// call has. How the calls overlap is the source's to choose, so <paramref name="convert"/> must
    /// be safe to run for several disks at once:
    /// <list type="bullet">
    /// <item>OVA, OVF and VMX hand disks over one at a time, in package order, waiting for each call
    /// to finish before reading on (a streamed package cannot go back);</item>
    /// <item>XVA starts a call for every disk at once, on thread-pool threads, before it reads the
    /// archive: its chunks of all disks come interleaved in one pass, each fed to its disk's
    /// producer as it arrives. The first call that fails stops the reading.</item>
    /// </list>
    /// Package-level checks (manifests, checksums) fail the call at the end, after every disk has been read.
    /// </summary>
    Task ForEachDiskAsync(Func<VmDiskFeed, Task> convert, CancellationToken cancellationToken);
}

/// <summary>A format whose files describe whole VMs rather than one disk.</summary>
public interface IVmSourceFormat
{
    string Name { get; }

    IReadOnlyList<string> Extensions { get; }

    bool Detect(FileProbe probe);

    IVmSource Open(string path, SourceOptions options, FormatRegistry disks);
}

/// <summary>A VM package format that can be read from a stream with no file behind it (stdin).</summary>
public interface IStreamableVmSourceFormat : IVmSourceFormat
{
    IVmSource OpenStream(string name, Stream stream, SourceOptions options);
}
