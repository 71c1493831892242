using System.Buffers.Binary;
using System.Text;
using V2V.TestSupport;

namespace V2V.Fuzz.Tests;

/// <summary>Inputs the mutation runs found, each once an internal error (exit 3), a hang or an unbounded allocation, rebuilt from the field that broke.</summary>
public sealed class FoundByFuzzingTests
{
    private const long MiB = 1024 * 1024;

    /// <summary>
    /// A tar size field in GNU base-256 form (first byte 0xFF) too large for a long: System.Formats.Tar
    /// threw OverflowException, which escaped as "internal error: OverflowException".
    /// </summary>
    [Test]
    public void An_xva_chunk_whose_tar_size_field_overflows_is_a_damaged_archive()
    {
        ExternalTool.Require("xxhsum");
        using var temp = new TempFolder();
        string raw = SparseImage.Create(temp.File("disk.raw"), 2 * MiB, [new DataRun(0, 4096, RunFill.Random)]);
        var builder = new XvaBuilder(temp.Path);
        builder.AddDisk(raw, 2 * MiB, 0, "system");
        string xva = builder.Build(temp.File("vm.xva"));
        byte[] bytes = File.ReadAllBytes(xva);
        int header = IndexOf(bytes, "Ref:10/00000000\0");
        Assert.That(header % 512, Is.Zero, "the chunk's tar header");
        bytes.AsSpan(header + 124, 4).Fill(0xFF);
        File.WriteAllBytes(xva, bytes);

        Directory.CreateDirectory(temp.File("out"));
        CliRunner.Run("convert", xva, temp.File("out"), "--no-sync").AssertRejected(xva, "numeric header field");
        Assert.That(Directory.GetFileSystemEntries(temp.File("out")), Is.Empty);
    }

    /// <summary>
    /// guest-ntfs: a non-resident $DATA whose data size (0x773) became 0x007F000000000773 while its
    /// runlist maps one cluster. Bytes past the initialized size read as zeros, so `guest cat`
    /// streamed 32 PiB of them (the test host's copy hit "Stream was too long", exit 3, after 4 GiB).
    /// </summary>
    [Test]
    public void A_file_whose_data_size_is_past_its_runlist_is_refused_as_damaged()
    {
        using var temp = new TempFolder();
        var image = NtfsImage.Create(temp.File("volume.img"), ("boot.ini", Encoding.ASCII.GetBytes(new string('x', 1907))));
        image.EditRecord("boot.ini", 0x80, (record, data) => BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(data + 0x30), 0x007F000000000773));

        CliRunner.Run("guest", "cat", image.Path, @"\boot.ini").AssertRejected(image.Path, "past the 1 clusters its runlist maps");
        Assert.That(CliRunner.Run("guest", "ls", image.Path).ExitCode, Is.Zero, "the rest of the volume still reads");
    }

    private static int IndexOf(byte[] data, string text) => data.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text));
}
