namespace V2V.TestSupport;

/// <summary>Byte comparisons for disk-sized buffers (NUnit's collection equality is far too slow for them).</summary>
public static class Bytes
{
    public static void AssertEqual(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what = "content")
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        int same = expected.CommonPrefixLength(actual);
        if (same != expected.Length)
        {
            Assert.Fail($"{what}: first difference at byte {same} (expected 0x{expected[same]:X2}, got 0x{actual[same]:X2})");
        }
    }

    public static byte[] ReadDisk(V2V.Core.Disks.IDiskSource disk)
    {
        var content = new byte[disk.Capacity];
        disk.Read(0, content);
        return content;
    }
}
