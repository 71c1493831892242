namespace V2V.TestSupport;

/// <summary>
/// Independent checks of a raw Windows guest disk whose NTFS partition starts at 1 MiB (the
/// fixtures of the fixup tests), shared by the library and the conversion tests: dd cuts the
/// partition out, ntfscat takes a file out of it, hivexget reads a value, and every byte that
/// differs from the source must lie in a journaled range holding the source's original bytes.
/// </summary>
public static class GuestDiskOracles
{
    /// <summary>The partition at 1 MiB of <paramref name="disk"/> as an image file (ntfscat and ntfsfix take a volume); <paramref name="mebibytes"/> bounds its length.</summary>
    public static string Partition(string disk, int? mebibytes = null)
    {
        string partition = disk + ".part";
        ExternalTool.Ok("dd", [$"if={disk}", $"of={partition}", "bs=1M", "skip=1", .. mebibytes is { } count ? [$"count={count}"] : Array.Empty<string>(), "status=none"]);
        return partition;
    }

    /// <summary>The file at <paramref name="path"/> ('/'-separated) of the disk's partition, written beside the disk by ntfscat; returns its path.</summary>
    public static string NtfsCat(string disk, string path, int? mebibytes = null)
    {
        string output = disk + "." + Path.GetFileName(path);
        ExternalTool.Ok("bash", "-c", $"ntfscat '{Partition(disk, mebibytes)}' '{path}' > '{output}'");
        return output;
    }

    /// <summary>hivexget's text of value <paramref name="value"/> of <paramref name="key"/> (below the root, '\'-separated), trimmed.</summary>
    public static string HivexGet(string hive, string key, string value) => ExternalTool.Ok("hivexget", hive, "\\" + key, value).Trim();

    /// <summary>
    /// Asserts that every byte of <paramref name="changed"/> that differs from <paramref name="original"/>
    /// lies in one of <paramref name="ranges"/> (disk offset, length, original bytes in base64) and that
    /// each range's original bytes are <paramref name="original"/>'s; returns how many bytes differ.
    /// </summary>
    public static int AssertDifferencesJournaled(string original, string changed, IEnumerable<(long Offset, long Length, string Original)> ranges)
    {
        var a = File.ReadAllBytes(original);
        var b = File.ReadAllBytes(changed);
        Assert.That(b.Length, Is.GreaterThanOrEqualTo(a.Length));
        var covered = new bool[a.Length];
        foreach (var (offset, length, bytes) in ranges)
        {
            Assert.That(Convert.FromBase64String(bytes), Is.EqualTo(a.AsSpan((int)offset, (int)length).ToArray()), $"original bytes of the range at {offset}");
            covered.AsSpan((int)offset, (int)length).Fill(true);
        }

        int differing = 0;
        int outside = -1;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                differing++;
                outside = outside < 0 && !covered[i] ? i : outside;
            }
        }

        Assert.That(outside, Is.EqualTo(-1), "first byte changed outside the journaled ranges");
        return differing;
    }
}
