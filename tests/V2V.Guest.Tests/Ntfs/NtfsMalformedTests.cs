using System.Buffers.Binary;
using V2V.Core.Errors;
using V2V.Guest.Ntfs;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Ntfs;

/// <summary>Damaged volumes give InvalidImageException (or another V2VException), never a crash or a hang.</summary>
[TestFixture]
public sealed class NtfsMalformedTests
{
    private NtfsTestVolume _fixture = null!;
    private byte[] _image = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _fixture = NtfsTestVolume.Build();
        _image = File.ReadAllBytes(_fixture.Image);
    }

    [OneTimeTearDown]
    public void Remove() => _fixture?.Dispose();

    [Test]
    public void the_dirty_flag_in_volume_information_is_read_as_ntfsinfo_reads_it()
    {
        var bytes = (byte[])_image.Clone();
        PatchRecord(bytes, 3, record =>
        {
            int value = AttributeValue(record, AttributeType.VolumeInformation);
            record[value + 10] |= 0x01;
        });
        // ntfs-3g checks $MFTMirr against $MFT: record 3 is mirrored there, and gets the same change.
        long mirror = (_fixture.Volume.BootSector.MftMirrLcn * _fixture.Volume.BootSector.ClusterSize) + (3L * _fixture.Volume.BootSector.MftRecordSize);
        bytes.AsSpan((int)_fixture.Volume.RecordOffset(3), _fixture.Volume.BootSector.MftRecordSize).CopyTo(bytes.AsSpan((int)mirror));
        string path = _fixture.Folder.File("dirty.img");
        File.WriteAllBytes(path, bytes);
        var volume = NtfsVolume.Open(new ByteArrayDisk(bytes), 0, bytes.Length);
        Assert.That(volume.Information.IsDirty, Is.True);
        Assert.That(ExternalTool.Run("ntfsinfo", "-m", "-f", path).StdOut, Does.Contain("Volume Flags: 0x0001"));
    }

    [Test]
    public void an_index_record_pointing_back_to_itself_is_a_cycle()
    {
        // Finds the inner INDX node of the "many" directory (it has children) and points its first
        // sub-node entry at its own VCN.
        var bytes = (byte[])_image.Clone();
        long many = _fixture.Volume.RecordNumberOf("many");
        int cluster = _fixture.Volume.BootSector.ClusterSize;
        bool patched = false;
        for (int offset = 0; offset + 4096 <= bytes.Length && !patched; offset += cluster)
        {
            if (!bytes.AsSpan(offset, 4).SequenceEqual("INDX"u8))
            {
                continue;
            }

            var record = bytes.AsSpan(offset, 4096).ToArray();
            ushort usn = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(4))));
            Fixups.Remove(record);
            int first = 24 + BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(24));
            bool inner = (record[24 + 12] & 1) != 0;
            long parent = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(first + 16)) & 0xFFFF_FFFF_FFFF;
            if (!inner || parent != many)
            {
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(first + 8));
            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(first + length - 8), BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(16)));
            Fixups.Protect(record, BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(4)), usn);
            record.CopyTo(bytes, offset);
            patched = true;
        }

        Assert.That(patched, Is.True, "an inner index node of \\many");
        var volume = NtfsVolume.Open(new ByteArrayDisk(bytes), 0, bytes.Length);
        var error = Assert.Throws<InvalidImageException>(() => volume.ListDirectory("many"))!;
        Assert.That(error.Message, Does.Contain("cycle"));
    }

    [Test]
    public void an_attribute_list_naming_a_record_of_another_file_is_refused()
    {
        var bytes = (byte[])_image.Clone();
        long file = _fixture.Volume.RecordNumberOf(@"frag\fragmented.bin");
        // ntfs-3g made this list non-resident: its entries sit in the cluster its one run names.
        long listOffset = _fixture.Volume.RecordOffset(file);
        var record = bytes.AsSpan((int)listOffset, _fixture.Volume.BootSector.MftRecordSize).ToArray();
        Fixups.Remove(record);
        int attribute = Attribute(record, AttributeType.AttributeList);
        Assert.That(record[attribute + 8], Is.EqualTo(1), "non-resident");
        int pairs = attribute + BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(attribute + 32));
        int lengthBytes = record[pairs] & 0x0F;
        long lcn = 0;
        for (int i = (record[pairs] >> 4) - 1; i >= 0; i--)
        {
            lcn = (lcn << 8) | record[pairs + 1 + lengthBytes + i];
        }

        long list = lcn * _fixture.Volume.BootSector.ClusterSize;
        for (long pos = list; ; pos += BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)pos + 4)))
        {
            if ((BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)pos + 16)) & 0xFFFF_FFFF_FFFF) != file)
            {
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan((int)pos + 16), NtfsVolume.RootDirectoryRecord);
                break;
            }
        }

        var volume = NtfsVolume.Open(new ByteArrayDisk(bytes), 0, bytes.Length);
        var error = Assert.Throws<InvalidImageException>(() => volume.ReadAllBytes(@"frag\fragmented.bin"))!;
        Assert.That(error.Message, Does.Contain("names record 5"));
    }

    [Test]
    public void a_volume_longer_than_its_partition_is_refused()
    {
        var error = Assert.Throws<InvalidImageException>(() => NtfsVolume.Open(new ByteArrayDisk(_image), 0, _image.Length / 2))!;
        Assert.That(error.Message, Does.Contain("more than the"));
    }

    /// <summary>
    /// Random damage to MFT records (the metadata files, directories and files alike): opening,
    /// listing every directory and reading every file either works or raises a V2VException.
    /// </summary>
    [Test]
    public void random_damage_to_mft_records_never_escapes_as_anything_but_a_v2v_exception()
    {
        var random = new Random(1313);
        var bytes = (byte[])_image.Clone();
        var disk = new ByteArrayDisk(bytes);
        int recordSize = _fixture.Volume.BootSector.MftRecordSize;
        int failures = 0;
        for (int round = 0; round < 300; round++)
        {
            long record = random.Next(2) == 0 ? random.Next(64) : random.Next(1180);
            long offset = _fixture.Volume.RecordOffset(record);
            for (int i = random.Next(1, 8); i > 0; i--)
            {
                bytes[offset + random.Next(recordSize)] = (byte)random.Next(256);
            }

            try
            {
                var volume = NtfsVolume.Open(disk, 0, bytes.Length);
                _ = volume.Information;
                _ = volume.LogFileState;
                int budget = 200;
                failures += Walk(volume, "", 0, ref budget);
            }
            catch (V2VException)
            {
                failures++;
            }

            Array.Copy(_image, offset, bytes, offset, recordSize);
        }

        Assert.That(failures, Is.GreaterThan(10), "the damage should break something");
    }

    /// <summary>Lists and reads what the damaged tree offers, up to a budget of names (damage can make the tree cyclic).</summary>
    private static int Walk(NtfsVolume volume, string path, int depth, ref int budget)
    {
        int failures = 0;
        var buffer = new byte[16384];
        foreach (var entry in volume.ListDirectory(path).Where(e => !e.Name.StartsWith('$')).Take(40))
        {
            if (--budget < 0)
            {
                return failures;
            }

            string child = path + "\\" + entry.Name;
            try
            {
                if (entry.IsDirectory && depth < 4)
                {
                    failures += Walk(volume, child, depth + 1, ref budget);
                }
                else if (!entry.IsDirectory)
                {
                    using var stream = volume.OpenFile(child);
                    while (stream.Read(buffer) > 0 && stream.Position < 200_000)
                    {
                    }
                }
            }
            catch (V2VException)
            {
                // One damaged file does not stop the walk: the rest must still be safe to read.
                failures++;
            }
        }

        return failures;
    }

    private void PatchRecord(byte[] bytes, long number, Action<byte[]> patch)
    {
        int size = _fixture.Volume.BootSector.MftRecordSize;
        long offset = _fixture.Volume.RecordOffset(number);
        var record = bytes.AsSpan((int)offset, size).ToArray();
        ushort usn = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(4))));
        Fixups.Remove(record);
        patch(record);
        Fixups.Protect(record, BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(4)), usn);
        record.CopyTo(bytes, offset);
    }

    /// <summary>Offset of the resident value of the first attribute of a type in an MFT record without fixups.</summary>
    private static int AttributeValue(byte[] record, AttributeType type)
    {
        int pos = Attribute(record, type);
        return pos + BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(pos + 20));
    }

    private static int Attribute(byte[] record, AttributeType type)
    {
        int pos = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(20));
        while (BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(pos)) != (uint)type)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(pos + 4));
            Assert.That(length, Is.GreaterThan(0), $"attribute 0x{(uint)type:X} is not in this record");
            pos += length;
        }

        return pos;
    }
}
