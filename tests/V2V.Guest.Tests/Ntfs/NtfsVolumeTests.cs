using System.Text;
using V2V.Core.Errors;
using V2V.Guest.Ntfs;

namespace V2V.Guest.Tests.Ntfs;

/// <summary>Every file read from a volume made by mkntfs and filled through ntfs-3g equals what ntfscat reads.</summary>
[TestFixture]
public sealed class NtfsVolumeTests
{
    private NtfsTestVolume _fixture = null!;

    private NtfsVolume Volume => _fixture.Volume;

    [OneTimeSetUp]
    public void Build() => _fixture = NtfsTestVolume.Build();

    [OneTimeTearDown]
    public void Remove() => _fixture?.Dispose();

    [TestCase("small.txt")]
    [TestCase("resident700.bin")]
    [TestCase("medium.bin")]
    [TestCase("sparse.bin")]
    [TestCase("comp/text.txt")]
    [TestCase("comp/random.bin")]
    [TestCase("comp/zeros.bin")]
    [TestCase("comp/mixed.bin")]
    [TestCase("Ωmega/Grüße.txt")]
    [TestCase("日本語ファイル.txt")]
    [TestCase("ads.txt")]
    [TestCase("many/a_rather_long_file_name_number_1.txt")]
    [TestCase("many/a_rather_long_file_name_number_300.txt")]
    [TestCase("frag/fragmented.bin")]
    [TestCase("frag/fill2")]
    public void a_file_reads_as_ntfscat_reads_it(string path)
    {
        Assert.That(Volume.ReadAllBytes(path), Is.EqualTo(_fixture.NtfsCat(path)));
    }

    [TestCase("s1")]
    [TestCase("big")]
    public void an_alternate_data_stream_reads_as_ntfscat_reads_it(string stream)
    {
        Assert.That(Volume.ReadAllBytes("ads.txt:" + stream), Is.EqualTo(_fixture.NtfsCat("ads.txt", stream)));
        Assert.That(Volume.ListStreams("ads.txt"), Is.EquivalentTo(new[] { "", "s1", "big" }));
    }

    [Test]
    public void a_stream_reads_the_same_bytes_in_small_pieces_at_any_position()
    {
        var whole = _fixture.NtfsCat("comp/mixed.bin");
        using var stream = Volume.OpenFile(@"\comp\mixed.bin");
        Assert.That(stream.Length, Is.EqualTo(whole.Length));
        stream.Position = 65530;
        var piece = new byte[70000];
        stream.ReadExactly(piece);
        Assert.That(piece, Is.EqualTo(whole.AsSpan(65530, 70000).ToArray()));
    }

    [Test]
    public void the_kinds_of_data_the_fixture_wants_are_really_there()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Volume.DataRuns("small.txt"), Is.Empty, "resident");
            Assert.That(Volume.DataRuns("sparse.bin").Any(r => r.IsSparse), Is.True, "sparse");
            Assert.That(Volume.DataRuns("comp/text.txt").Any(r => r.IsSparse), Is.True, "compressed units end in sparse padding");
            Assert.That(Volume.DataRuns("frag/fragmented.bin"), Has.Count.GreaterThan(100), "fragmented");
            Assert.That(Volume.HasAttributeList("frag/fragmented.bin"), Is.True, "runlist spills into extension records");
        });
    }

    [Test]
    public void a_directory_with_an_index_allocation_lists_every_name_in_order()
    {
        var names = Volume.ListDirectory("many").Select(e => e.Name).ToList();
        var expected = Enumerable.Range(1, 300).Select(i => $"a_rather_long_file_name_number_{i}.txt").ToList();
        Assert.That(names, Is.EquivalentTo(expected));
        Assert.That(names, Is.EqualTo(names.Order(StringComparer.OrdinalIgnoreCase).ToList()));
    }

    [Test]
    public void the_root_lists_the_names_ntfsls_lists()
    {
        string listing = V2V.TestSupport.ExternalTool.Ok("ntfsls", "-a", "-s", _fixture.Image);
        var expected = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(n => n is not "." and not "..").ToList();
        var names = Volume.ListDirectory("").Select(e => e.Name).ToList();
        Assert.That(names, Is.EquivalentTo(expected));
        Assert.That(Volume.ListDirectory("/").Single(e => e.Name == "many").IsDirectory, Is.True);
    }

    [Test]
    public void names_are_found_ignoring_case_through_the_volumes_upcase_table()
    {
        Assert.That(Encoding.UTF8.GetString(Volume.ReadAllBytes(@"ωMEGA\GRÜßE.TXT")), Is.EqualTo("grüße"));
        Assert.That(Volume.Exists("MANY/A_RATHER_LONG_FILE_NAME_NUMBER_150.TXT"), Is.True);
        Assert.That(Volume.Exists("many/no_such_file.txt"), Is.False);
        Assert.That(Volume.Exists("ads.txt:nostream"), Is.False);
    }

    [Test]
    public void a_missing_path_is_a_usage_error_naming_the_component()
    {
        var error = Assert.Throws<UsageException>(() => Volume.ReadAllBytes(@"many\missing.txt"))!;
        Assert.That(error.Message, Does.Contain("\"missing.txt\" not found"));
        Assert.Throws<UsageException>(() => Volume.ListDirectory("small.txt"));
    }

    [Test]
    public void a_fresh_volume_is_clean_and_its_log_was_reset_by_mkntfs()
    {
        Assert.That(Volume.Information.MajorVersion, Is.EqualTo(3));
        Assert.That(Volume.Information.MinorVersion, Is.EqualTo(1));
        Assert.That(Volume.Information.IsDirty, Is.False);
        Assert.That(Volume.LogFileState, Is.EqualTo(LogFileState.Empty));
    }
}
