using System.Text;
using V2V.TestSupport;

namespace V2V.Fuzz.Tests;

/// <summary>Inputs the mutation run found, each once an internal error (exit 3), rebuilt from the field that broke.</summary>
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

    private static int IndexOf(byte[] data, string text) => data.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text));
}
