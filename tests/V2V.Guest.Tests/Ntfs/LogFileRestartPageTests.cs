using System.Buffers.Binary;
using V2V.Guest.Ntfs;

namespace V2V.Guest.Tests.Ntfs;

/// <summary>Restart pages laid out as [NTFS3G-LAYOUT] describes them, with fixups, in each state.</summary>
public sealed class LogFileRestartPageTests
{
    [TestCase(1, 1, (ushort)0xFFFF, (ushort)0, LogFileState.Clean)]
    [TestCase(1, 1, (ushort)0, (ushort)0x0002, LogFileState.Clean)]
    [TestCase(1, 1, (ushort)0, (ushort)0, LogFileState.Dirty)]
    [TestCase(2, 0, (ushort)0xFFFF, (ushort)0x0002, LogFileState.WindowsCachedMetadata)]
    public void a_restart_page_tells_the_logs_state(int major, int minor, ushort clientInUse, ushort flags, LogFileState expected)
    {
        var page = RestartPage(4096, major, minor, clientInUse, flags);
        var restart = LogFileRestartPage.TryRead(page);
        Assert.That(restart, Is.Not.Null);
        Assert.That(restart!.State, Is.EqualTo(expected));
        Assert.That(restart.CurrentLsn, Is.EqualTo(0x1234UL));
    }

    [Test]
    public void a_torn_restart_page_is_not_read()
    {
        var page = RestartPage(4096, 1, 1, 0, 0);
        page[1022] ^= 0xFF;
        Assert.That(LogFileRestartPage.TryRead(page), Is.Null);
    }

    [Test]
    public void a_page_of_the_wrong_size_or_magic_is_not_read()
    {
        var page = RestartPage(4096, 1, 1, 0, 0);
        Assert.That(LogFileRestartPage.TryRead(page.AsSpan(0, 2048)), Is.Null);
        page[0] = (byte)'X';
        Assert.That(LogFileRestartPage.TryRead(page), Is.Null);
    }

    /// <summary>RSTR header, update sequence array at 0x1E, restart area at 0x30, fixups applied.</summary>
    internal static byte[] RestartPage(int size, int major, int minor, ushort clientInUse, ushort flags)
    {
        var page = new byte[size];
        "RSTR"u8.CopyTo(page);
        int blocks = size / 512;
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(4), 0x1E);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(6), (ushort)(blocks + 1));
        BinaryPrimitives.WriteInt32LittleEndian(page.AsSpan(16), size);
        BinaryPrimitives.WriteInt32LittleEndian(page.AsSpan(20), size);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(24), 0x30);
        BinaryPrimitives.WriteInt16LittleEndian(page.AsSpan(26), (short)minor);
        BinaryPrimitives.WriteInt16LittleEndian(page.AsSpan(28), (short)major);
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(0x30), 0x1234);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(0x30 + 8), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(0x30 + 10), 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(0x30 + 12), clientInUse);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(0x30 + 14), flags);
        Fixups.Protect(page, 0x1E, 7);
        return page;
    }
}
