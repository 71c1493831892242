using System.Globalization;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Common;

/// <summary>
/// The one chain walk, driven by a format of plain text files ("id=", "parentId=", "parent=" (one
/// per name, in order), "capacity="), so each rule is tested apart from any real format's bytes.
/// </summary>
public class SnapshotChainTests
{
    [Test]
    public void A_file_without_parent_is_a_chain_of_one()
    {
        using var folder = new TempFolder();
        Write(folder, "base.txt", id: "b");

        var chain = Open(folder, "base.txt");

        Assert.That(Names(chain), Is.EqualTo(new[] { "base.txt" }));
        Dispose(chain);
    }

    [Test]
    public void Parents_are_followed_to_the_base_in_order()
    {
        using var folder = new TempFolder();
        Write(folder, "base.txt", id: "b");
        Write(folder, "mid.txt", id: "m", parentId: "b", parents: ["base.txt"]);
        Write(folder, "top.txt", id: "t", parentId: "m", parents: ["mid.txt"]);

        var chain = Open(folder, "top.txt");

        Assert.That(Names(chain), Is.EqualTo(new[] { "top.txt", "mid.txt", "base.txt" }));
        Dispose(chain);
    }

    [Test]
    public void A_chain_that_loops_is_refused_and_every_file_is_closed()
    {
        using var folder = new TempFolder();
        Write(folder, "a.txt", id: "a", parentId: "b", parents: ["b.txt"]);
        Write(folder, "b.txt", id: "b", parentId: "a", parents: ["a.txt"]);
        var format = new TextChain();

        var e = Assert.Throws<InvalidImageException>(() => SnapshotChain.Open(folder.File("b.txt"), format, SourceOptions.Default));

        Assert.That(e!.Message, Does.Contain("text chain loops back to " + folder.File("b.txt")));
        Assert.That(format.Opened.Count, Is.EqualTo(2));
        Assert.That(format.Opened.All(f => f.Disposed), "every file opened is closed");
    }

    [TestCase(SnapshotChain.MaxLength, false, TestName = "A chain of the most files allowed opens")]
    [TestCase(SnapshotChain.MaxLength + 1, true, TestName = "A chain one file longer than allowed is refused and every file is closed")]
    public void Chain_length_is_bounded(int files, bool refused)
    {
        using var folder = new TempFolder();
        Write(folder, "f0.txt", id: "0");
        for (int i = 1; i < files; i++)
        {
            Write(folder, $"f{i}.txt", id: $"{i}", parentId: $"{i - 1}", parents: [$"f{i - 1}.txt"]);
        }

        var format = new TextChain();
        string top = folder.File($"f{files - 1}.txt");
        if (!refused)
        {
            Assert.That(SnapshotChain.Open(top, format, SourceOptions.Default), Has.Length.EqualTo(files));
            return;
        }

        var e = Assert.Throws<UnsupportedFormatException>(() => SnapshotChain.Open(top, format, SourceOptions.Default));

        Assert.That(e!.Message, Does.Contain($"text chain longer than {SnapshotChain.MaxLength} disks"));
        Assert.That(format.Opened, Has.Count.EqualTo(SnapshotChain.MaxLength), "the walk stops before opening one more");
        Assert.That(format.Opened.All(f => f.Disposed));
    }

    [Test]
    public void A_parent_of_another_capacity_is_refused_and_both_files_are_closed()
    {
        using var folder = new TempFolder();
        Write(folder, "base.txt", id: "b", capacity: 2048);
        Write(folder, "top.txt", id: "t", parentId: "b", parents: ["base.txt"]);
        var format = new TextChain();

        var e = Assert.Throws<InvalidImageException>(() => SnapshotChain.Open(folder.File("top.txt"), format, SourceOptions.Default));

        Assert.That(e!.Message, Does.Contain("top.txt").And.Contain("size 1024 differs from its parent's (2048)"));
        Assert.That(format.Opened, Has.Count.EqualTo(2));
        Assert.That(format.Opened.All(f => f.Disposed));
    }

    [Test]
    public void A_parent_with_another_identity_is_refused_with_the_formats_message()
    {
        using var folder = new TempFolder();
        Write(folder, "base.txt", id: "changed");
        Write(folder, "top.txt", id: "t", parentId: "b", parents: ["base.txt"]);
        var format = new TextChain();

        var e = Assert.Throws<InvalidImageException>(() => SnapshotChain.Open(folder.File("top.txt"), format, SourceOptions.Default));

        Assert.That(e!.Message, Does.Contain($"parent {folder.File("base.txt")} is changed, not b"));
        Assert.That(format.Opened.All(f => f.Disposed));
    }

    [Test]
    public void A_child_naming_no_parent_is_refused_with_the_formats_message()
    {
        using var folder = new TempFolder();
        Write(folder, "top.txt", id: "t", parentId: "b");

        var e = Assert.Throws<InvalidImageException>(() => SnapshotChain.Open(folder.File("top.txt"), new TextChain(), SourceOptions.Default));

        Assert.That(e!.Message, Does.Contain("names no parent"));
    }

    [TestCase(false, "C:\\VMs\\base.txt", true, TestName = "A name from another host is taken as the same file name beside the child")]
    [TestCase(true, "/vmfs/volumes/ds1/vm/base.txt", true, TestName = "A refused absolute name is taken as the same file name beside the child")]
    [TestCase(true, "../elsewhere/base.txt", true, TestName = "A name leaving the folder is taken as the same file name beside the child")]
    [TestCase(false, "sub/base.txt", true, TestName = "A safe but missing name falls back to the same file name beside the child")]
    [TestCase(true, "sub/base.txt", false, TestName = "A safe but missing name does not fall back when only refused names may")]
    public void The_same_file_name_beside_the_child_is_the_fallback(bool onlyWhenRefused, string name, bool found)
    {
        using var folder = new TempFolder();
        Write(folder, "base.txt", id: "b");
        Write(folder, "top.txt", id: "t", parentId: "b", parents: [name]);
        var format = new TextChain { OnlyWhenRefused = onlyWhenRefused };

        if (found)
        {
            var chain = SnapshotChain.Open(folder.File("top.txt"), format, SourceOptions.Default);
            Assert.That(Names(chain), Is.EqualTo(new[] { "top.txt", "base.txt" }));
            Dispose(chain);
            return;
        }

        var e = Assert.Throws<InvalidImageException>(() => SnapshotChain.Open(folder.File("top.txt"), format, SourceOptions.Default));
        Assert.That(e!.Message, Does.Contain($"tried \"{name}\" (no such file)"));
    }

    [Test]
    public void A_missing_parent_names_every_place_tried_in_order()
    {
        using var folder = new TempFolder();
        Write(folder, "top.txt", id: "t", parentId: "b", parents: ["gone.txt", "/abs/base.txt"]);
        var format = new TextChain();

        var e = Assert.Throws<InvalidImageException>(() => SnapshotChain.Open(folder.File("top.txt"), format, SourceOptions.Default));

        Assert.That(e!.Message, Does.EndWith(
            "tried \"gone.txt\" (no such file), \"/abs/base.txt\" (refused: absolute paths are refused (use --allow-external-extents to permit)), "
            + "\"gone.txt\" beside the child (no such file), \"base.txt\" beside the child (no such file)"));
        Assert.That(format.Opened, Has.Count.EqualTo(1));
        Assert.That(format.Opened[0].Disposed);
    }

    [Test]
    public void The_first_name_that_exists_wins()
    {
        using var folder = new TempFolder();
        Write(folder, "second.txt", id: "b");
        Write(folder, "top.txt", id: "t", parentId: "b", parents: ["first.txt", "second.txt"]);

        var chain = Open(folder, "top.txt");

        Assert.That(Names(chain), Is.EqualTo(new[] { "top.txt", "second.txt" }));
        Dispose(chain);
    }

    private static TextFile[] Open(TempFolder folder, string name) => SnapshotChain.Open(folder.File(name), new TextChain(), SourceOptions.Default);

    private static string[] Names(TextFile[] chain) => [.. chain.Select(f => System.IO.Path.GetFileName(f.Path))];

    private static void Dispose(TextFile[] chain)
    {
        foreach (var file in chain)
        {
            file.Dispose();
        }
    }

    private static void Write(TempFolder folder, string name, string id, string? parentId = null, string[]? parents = null, long capacity = 1024)
    {
        var lines = new List<string> { "id=" + id, "capacity=" + capacity.ToString(CultureInfo.InvariantCulture) };
        if (parentId is not null)
        {
            lines.Add("parentId=" + parentId);
        }

        lines.AddRange((parents ?? []).Select(p => "parent=" + p));
        File.WriteAllLines(folder.File(name), lines);
    }

    private sealed class TextFile(string path, Dictionary<string, string> values, string[] parents) : IChainFile
    {
        public string Path => path;
        public long Capacity => long.Parse(values["capacity"], CultureInfo.InvariantCulture);
        public IReadOnlyList<string> Files => [path];
        public string Id => values["id"];
        public string? ParentId => values.GetValueOrDefault("parentId");
        public string[] Parents => parents;
        public bool Disposed { get; private set; }

        public IEnumerable<DiskRange> EnumerateRanges() => [new DiskRange(0, Capacity, RangeKind.Unallocated)];

        public void Read(long offset, Span<byte> destination, ILayerBacking below) => below.Read(offset, destination);

        public void Dispose() => Disposed = true;
    }

    private sealed class TextChain : ChainFormat<TextFile>
    {
        public List<TextFile> Opened { get; } = [];
        public bool OnlyWhenRefused { get; init; }

        public override string ChainName => "text chain";
        public override string CapacityName => "size";
        public override bool BesideOnlyWhenRefused => OnlyWhenRefused;

        public override TextFile Open(string path, IImageFileSystem files)
        {
            var lines = File.ReadAllLines(path).Select(l => l.Split('=', 2)).ToList();
            var file = new TextFile(path, lines.Where(l => l[0] != "parent").ToDictionary(l => l[0], l => l[1]), [.. lines.Where(l => l[0] == "parent").Select(l => l[1])]);
            Opened.Add(file);
            return file;
        }

        public override bool HasParent(TextFile file) => file.ParentId is not null;

        public override IReadOnlyList<string> ParentNames(TextFile child) => child.Parents;

        public override string NoParentNamed(TextFile child) => "names no parent";

        public override bool IdentityMatches(TextFile child, TextFile parent) => parent.Id == child.ParentId;

        public override string IdentityMismatch(TextFile child, TextFile parent, string parentPath) => $"parent {parentPath} is {parent.Id}, not {child.ParentId}";

        public override V2VException ParentMissing(TextFile child, IReadOnlyList<string> names, IReadOnlyList<ParentAttempt> tried) =>
            new InvalidImageException(child.Path, "parent missing; tried " + string.Join(", ", tried));
    }
}
