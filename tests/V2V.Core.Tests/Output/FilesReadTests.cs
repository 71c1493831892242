using V2V.Core.Errors;
using V2V.Core.Output;
using V2V.TestSupport;

namespace V2V.Core.Tests.Output;

public class FilesReadTests
{
    [Test]
    public void A_link_that_appears_at_an_output_s_path_before_the_rename_stops_the_commit()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("source.img"), "source");
        var read = new FilesRead([folder.File("source.img")]);
        using (var set = new OutputSet(overwrite: true, durable: false, read))
        {
            set.WriteText(folder.File("out.json"), "output");
            File.CreateSymbolicLink(folder.File("out.json"), folder.File("source.img"));

            var error = Assert.Throws<OutputIsReadException>(set.CommitAll);
            Assert.That(error!.Message, Does.Contain("out.json").And.Contain("source.img").And.Not.Contain("--force"));
        }

        Assert.That(File.ReadAllText(folder.File("source.img")), Is.EqualTo("source"));
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "out.json", "source.img" }), "the link stays, no partial file remains");
    }

    [Test]
    public void Files_are_one_file_by_device_and_inode_not_by_spelling()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("real"));
        File.WriteAllText(folder.File("real/a"), "a");
        File.CreateSymbolicLink(folder.File("linked"), folder.File("real"));
        var read = new FilesRead([folder.File("real/a")]);

        Assert.Multiple(() =>
        {
            Assert.That(read.Match(folder.File("linked/a")), Is.Not.Null);
            Assert.That(read.Match(folder.File("real/../real/./a")), Is.Not.Null);
            Assert.That(read.Match(folder.File("real/b")), Is.Null);
        });
    }
}
