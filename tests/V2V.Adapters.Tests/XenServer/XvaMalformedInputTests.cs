using System.Formats.Tar;
using System.Text;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.XenServer;

/// <summary>Hostile or damaged XVA exports: exit 2, one line naming the problem, no outputs left.</summary>
public class XvaMalformedInputTests
{
    private const long MiB = 1024 * 1024;

    /// <summary>Rewrites a good export, letting <paramref name="edit"/> change the member list.</summary>
    private static string Rewrite(TempFolder folder, Func<List<(string Name, byte[] Data)>, List<(string Name, byte[] Data)>> edit)
    {
        var builder = new XvaBuilder(folder.Path);
        string raw = SparseImage.Create(folder.File("d.raw"), 4 * MiB, [new DataRun(0, (int)MiB, RunFill.Random), new DataRun(2 * MiB, 100, RunFill.Random)], seed: 3);
        builder.AddDisk(raw, 4 * MiB, 0, "d");
        string good = builder.Build(folder.File("good.xva"));
        var members = new List<(string, byte[])>();
        using (var stream = File.OpenRead(good))
        using (var reader = new TarReader(stream))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                var data = new MemoryStream();
                entry.DataStream?.CopyTo(data);
                members.Add((entry.Name, data.ToArray()));
            }
        }

        string bad = folder.File("bad.xva");
        using (var stream = File.Create(bad))
        using (var writer = new TarWriter(stream, TarEntryFormat.V7))
        {
            foreach (var (name, data) in edit(members))
            {
                writer.WriteEntry(new V7TarEntry(TarEntryType.V7RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        return bad;
    }

    private static void AssertRefused(TempFolder folder, string xva, string mentioning)
    {
        CliRunner.Run("convert", xva, folder.File("out")).AssertRejected("bad.xva", mentioning);
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }

    [Test]
    public void Chunks_out_of_order_are_refused()
    {
        using var folder = new TempFolder();
        AssertRefused(folder, Rewrite(folder, m => [m[0], m[3], m[4], m[1], m[2], .. m.Skip(5)]), "ascending order");
    }

    [Test]
    public void A_duplicated_chunk_is_refused()
    {
        using var folder = new TempFolder();
        AssertRefused(folder, Rewrite(folder, m => [m[0], m[1], m[2], m[1], m[2], .. m.Skip(3)]), "ascending order");
    }

    [Test]
    public void A_member_climbing_out_of_the_archive_is_refused()
    {
        using var folder = new TempFolder();
        AssertRefused(folder, Rewrite(folder, m => [m[0], ("../../etc/cron.d/x", [1]), .. m.Skip(1)]), "tar member");
    }

    [Test]
    public void A_chunk_larger_than_1_mib_is_refused()
    {
        using var folder = new TempFolder();
        AssertRefused(folder, Rewrite(folder, m => [m[0], ("Ref:10/00000000", new byte[MiB + 1]), .. m.Skip(3)]), "at most 1 MiB");
    }

    [Test]
    public void Chunks_beyond_the_declared_virtual_size_are_refused()
    {
        using var folder = new TempFolder();
        AssertRefused(folder, Rewrite(folder, m => [.. m, ("Ref:10/00000009", new byte[MiB])]), "virtual size");
    }

    [Test]
    public void A_vdi_attached_twice_is_refused()
    {
        // Its chunks arrive once; two disks cannot both be fed from them.
        using var folder = new TempFolder();
        AssertRefused(folder, Rewrite(folder, m =>
        {
            string xml = Encoding.UTF8.GetString(m[0].Data);
            Assert.That(xml, Does.Contain("<value>Ref:100</value>"));
            return [("ova.xml", Encoding.UTF8.GetBytes(xml.Replace("<value>Ref:100</value>", "<value>Ref:100</value><value>Ref:100</value>", StringComparison.Ordinal))), .. m.Skip(1)];
        }), "attached twice");
    }

    [Test]
    public void Ova_xml_nesting_elements_too_deep_is_refused()
    {
        using var folder = new TempFolder();
        var deep = Encoding.UTF8.GetBytes("<value><string>" + string.Concat(Enumerable.Repeat("<a>", 300)) + string.Concat(Enumerable.Repeat("</a>", 300)) + "</string></value>");
        AssertRefused(folder, Rewrite(folder, m => [("ova.xml", deep), .. m.Skip(1)]), "more than 256 deep");
    }

    [Test]
    public void Ova_xml_with_a_dtd_is_refused()
    {
        using var folder = new TempFolder();
        var evil = Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><!DOCTYPE value [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><value>&x;</value>");
        AssertRefused(folder, Rewrite(folder, m => [("ova.xml", evil), .. m.Skip(1)]), "DTD");
    }

    [Test]
    public void A_member_for_no_known_disk_is_refused()
    {
        using var folder = new TempFolder();
        AssertRefused(folder, Rewrite(folder, m => [.. m, ("Ref:77/00000000", new byte[10])]), "belongs to no disk");
    }

    /// <summary>A file is read in place by the workers, a pipe through the tar reader: both must notice the cut.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void An_export_cut_inside_a_chunk_is_refused(bool fromStdin)
    {
        using var folder = new TempFolder();
        string bad = Rewrite(folder, m => m);
        long chunkData;
        using (var stream = File.OpenRead(bad))
        using (var reader = new TarReader(stream))
        {
            TarEntry? entry;
            while ((entry = reader.GetNextEntry()) is not null && !entry.Name.EndsWith("/00000000", StringComparison.Ordinal))
            {
            }

            chunkData = entry!.DataOffset;
        }

        using (var stream = new FileStream(bad, FileMode.Open))
        {
            stream.SetLength(chunkData + 1000);
        }

        var result = fromStdin
            ? CliRunner.RunProcessWithInput(bad, ["convert", "-", folder.File("out")])
            : CliRunner.Run("convert", bad, folder.File("out"));
        result.AssertRejected(fromStdin ? "stdin" : "bad.xva");
        Assert.That(result.StdErr, Does.Match("truncated: the tar archive ends|truncated: chunk"), "the tar reader or the worker reading the chunk notices, whichever comes first");
        Assert.That(result.StdErr, Does.Not.Contain("Unable to read beyond"), ".NET's words once were the message");
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }

    [Test]
    public void An_export_cut_before_its_disk_is_refused()
    {
        using var folder = new TempFolder();
        AssertRefused(folder, Rewrite(folder, m => [m[0]]), "no chunks");
    }
}
