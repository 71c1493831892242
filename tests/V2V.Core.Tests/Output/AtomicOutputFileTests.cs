using V2V.Core.Errors;
using V2V.Core.Output;
using V2V.TestSupport;

namespace V2V.Core.Tests.Output;

public class AtomicOutputFileTests
{
    [Test]
    public void Seal_and_rename_put_the_partial_file_into_place()
    {
        using var folder = new TempFolder();
        using (var output = AtomicOutputFile.Create(folder.File("disk.vhdx"), overwrite: false))
        {
            RandomAccess.Write(output.Handle, new byte[] { 1, 2, 3 }, 0);
            Assert.That(folder.FileNames(), Is.EqualTo(new[] { "disk.vhdx.partial" }));
            output.Seal(durable: true);
            output.Rename();
        }

        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "disk.vhdx" }));
        Assert.That(File.ReadAllBytes(folder.File("disk.vhdx")), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void Disposing_without_commit_leaves_nothing()
    {
        using var folder = new TempFolder();
        using (var output = AtomicOutputFile.Create(folder.File("disk.vhdx"), overwrite: false))
        {
            RandomAccess.Write(output.Handle, new byte[] { 1 }, 0);
        }

        Assert.That(folder.FileNames(), Is.Empty);
    }

    [Test]
    public void Disposing_without_commit_removes_the_folders_its_creation_made_but_no_others()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("kept"));
        using (var set = new OutputSet(overwrite: false, durable: false))
        {
            set.Create(folder.File("new/vm/disk1.vhdx"));
            set.Create(folder.File("new/vm/disk2.vhdx"));
            set.Create(folder.File("kept/disk.vhdx"));
        }

        // Once an empty new/vm/ after a failed or cancelled conversion.
        Assert.That(Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "kept" }));
        Assert.That(Directory.GetFileSystemEntries(folder.File("kept")), Is.Empty);

        using (var committed = AtomicOutputFile.Create(folder.File("made/disk.vhdx"), overwrite: false))
        {
            committed.Seal(durable: false);
            committed.Rename();
        }

        Assert.That(File.Exists(folder.File("made/disk.vhdx")), Is.True, "a committed file keeps its folder");
    }

    [Test]
    public void An_existing_target_is_refused_unless_overwrite_is_asked()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("disk.vhdx"), "precious");

        var refused = Assert.Throws<OutputExistsException>(() => AtomicOutputFile.Create(folder.File("disk.vhdx"), overwrite: false));
        Assert.That(refused!.Message, Does.EndWith("disk.vhdx: target exists"), "Core names no CLI flag; the front end words it");
        using (var output = AtomicOutputFile.Create(folder.File("disk.vhdx"), overwrite: true))
        {
            output.Seal(durable: true);
            output.Rename();
        }

        Assert.That(new FileInfo(folder.File("disk.vhdx")).Length, Is.Zero);
    }

    [Test]
    public void A_set_whose_last_file_cannot_be_flushed_puts_none_in_place()
    {
        // Every file is sealed before any is renamed; the first must not be left renamed. (Not
        // durable: the writeback thread of a durable set must not meet the handle closed here.)
        using var folder = new TempFolder();
        using (var set = new OutputSet(overwrite: false, durable: false))
        {
            RandomAccess.Write(set.Create(folder.File("disk1.vhdx")).Handle, new byte[] { 1 }, 0);
            set.Create(folder.File("disk2.vhdx")).Handle.Dispose(); // stands in for a failing flush
            Assert.That(set.CommitAll, Throws.InstanceOf<ObjectDisposedException>());
        }

        Assert.That(folder.FileNames(), Is.Empty);
    }
}
