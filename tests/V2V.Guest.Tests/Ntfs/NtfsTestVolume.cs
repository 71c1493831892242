using V2V.Adapters.Physical;
using V2V.Guest.Ntfs;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Ntfs;

/// <summary>The volume make-test-volume.sh builds with mkntfs and ntfs-3g, built once per fixture.</summary>
internal sealed class NtfsTestVolume : IDisposable
{
    private NtfsTestVolume(TempFolder folder, RawDiskSource disk)
    {
        Folder = folder;
        Disk = disk;
        Volume = NtfsVolume.Open(disk, 0, disk.Capacity);
    }

    public TempFolder Folder { get; }
    public RawDiskSource Disk { get; }
    public NtfsVolume Volume { get; }
    public string Image => Folder.File("vol.img");

    public static NtfsTestVolume Build()
    {
        foreach (var tool in new[] { "mkntfs", "ntfs-3g", "ntfscat", "setfattr" })
        {
            ExternalTool.Require(tool);
        }

        var folder = new TempFolder();
        ExternalTool.Ok("bash", Path.Combine(RepositoryPaths.Root, "tests", "V2V.Guest.Tests", "Ntfs", "make-test-volume.sh"), folder.Path);
        return new NtfsTestVolume(folder, RawDiskSource.Open(folder.File("vol.img")));
    }

    /// <summary>What ntfscat (ntfs-3g) reads at the path, optionally one named stream.</summary>
    public byte[] NtfsCat(string path, string? stream = null)
    {
        string output = Folder.File("ntfscat.out");
        string streamOption = stream is null ? "" : $"-n '{stream}' ";
        ExternalTool.Ok("bash", "-c", $"ntfscat {streamOption}'{Image}' '{path}' > '{output}'");
        return File.ReadAllBytes(output);
    }

    public void Dispose()
    {
        Disk.Dispose();
        Folder.Dispose();
    }
}
