using System.Text;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Ntfs;

/// <summary><c>v2v guest ls</c> and <c>v2v guest cat</c> against ntfscat/ntfsls, on a raw volume, a VHDX and an MBR disk.</summary>
[TestFixture]
public sealed class GuestCommandTests
{
    private NtfsTestVolume _fixture = null!;

    [OneTimeSetUp]
    public void Build() => _fixture = NtfsTestVolume.Build();

    [OneTimeTearDown]
    public void Remove() => _fixture?.Dispose();

    [TestCase("comp/mixed.bin")]
    [TestCase(@"\frag\fragmented.bin")]
    public void guest_cat_writes_the_bytes_ntfscat_writes(string path)
    {
        var result = CliRunner.Run("guest", "cat", _fixture.Image, path);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Encoding.Latin1.GetBytes(result.StdOut), Is.EqualTo(_fixture.NtfsCat(path.TrimStart('\\').Replace('\\', '/'))));
    }

    [Test]
    public void guest_cat_reads_a_volume_inside_a_vhdx_and_an_alternate_data_stream()
    {
        string vhdx = _fixture.Folder.File("vol.vhdx");
        QemuImg.Convert(_fixture.Image, "raw", vhdx, "vhdx");
        var result = CliRunner.Run("guest", "cat", vhdx, "ads.txt:big");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Encoding.Latin1.GetBytes(result.StdOut), Is.EqualTo(_fixture.NtfsCat("ads.txt", "big")));
    }

    [Test]
    public void guest_ls_lists_a_directory_with_directories_marked()
    {
        var result = CliRunner.Run("guest", "ls", _fixture.Image, "/");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Does.Contain("many/").And.Contain("small.txt").And.Contain("日本語ファイル.txt"));
        Assert.That(CliRunner.Run("guest", "ls", _fixture.Image, "many").StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(300));
    }

    [Test]
    public void the_volume_option_picks_a_partition_and_refuses_one_that_is_not_ntfs()
    {
        string disk = _fixture.Folder.File("disk.img");
        var made = ExternalTool.RunIn(_fixture.Folder.Path, "bash", "-c",
            "set -e; truncate -s 64M disk.img; printf 'label: dos\\n2048,+8M,83\\n,+41M,7\\n' | sfdisk -q disk.img; dd if=vol.img of=disk.img bs=1M seek=9 conv=notrunc,sparse status=none");
        Assert.That(made.ExitCode, Is.EqualTo(0), made.StdErr);
        var byDefault = CliRunner.Run("guest", "cat", disk, "small.txt");
        Assert.That(byDefault.StdOut, Is.EqualTo("hello"), byDefault.StdErr);
        Assert.That(CliRunner.Run("guest", "cat", "--volume", "2", disk, "small.txt").StdOut, Is.EqualTo("hello"));
        var wrong = CliRunner.Run("guest", "cat", "--volume", "1", disk, "small.txt");
        Assert.That(wrong.ExitCode, Is.EqualTo(2));
        Assert.That(wrong.StdErr, Does.StartWith("error: ").And.Contain("only NTFS"));
        var missing = CliRunner.Run("guest", "cat", disk, "nothing.txt");
        Assert.That(missing.ExitCode, Is.EqualTo(2));
        Assert.That(missing.StdErr, Does.Contain("\"nothing.txt\" not found"));
    }
}
