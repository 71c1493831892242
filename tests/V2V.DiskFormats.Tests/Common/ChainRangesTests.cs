using System.Globalization;
using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Tests.Common;

/// <summary>
/// The union of a chain's data, table-driven. A layer is written "D0-4 U4-16" (kind, start-end in
/// bytes; D data, Z zero, U unallocated); layers are separated by "|", the top one first.
/// </summary>
public class ChainRangesTests
{
    [TestCase("D0-16", 16, "D0-16", TestName = "One layer of data is its own union")]
    [TestCase("U0-16|U0-16", 16, "U0-16", TestName = "Layers without data leave the disk unallocated")]
    [TestCase("", 16, "U0-16", TestName = "No layers at all leave the disk unallocated")]
    [TestCase("D0-4 U4-16|U0-8 D8-12 U12-16", 16, "D0-4 U4-8 D8-12 U12-16", TestName = "Disjoint data of two layers is kept apart by the gap")]
    [TestCase("D0-6 U6-16|U0-4 D4-10 U10-16", 16, "D0-10 U10-16", TestName = "Overlapping data of two layers becomes one run")]
    [TestCase("D0-4 U4-16|U0-4 D4-8 U8-16", 16, "D0-8 U8-16", TestName = "Touching data of two layers becomes one run")]
    [TestCase("D0-12 U12-16|U0-2 D2-4 U4-16", 16, "D0-12 U12-16", TestName = "Data inside another layer's data adds nothing")]
    [TestCase("Z0-8 U8-16|U0-16", 16, "U0-16", TestName = "Zero ranges of a layer are not data")]
    [TestCase("U0-12 D12-16|U0-16", 16, "U0-12 D12-16", TestName = "Data at the end leaves no tail")]
    [TestCase("D0-2 U2-16|U0-4 D4-6 U6-16|U0-1 D1-5 U5-16", 16, "D0-6 U6-16", TestName = "Three layers chain their runs together")]
    [TestCase("U0-2 D2-3 U3-16|U0-14 D14-15 U15-16|U0-7 D7-9 U9-16", 16, "U0-2 D2-3 U3-7 D7-9 U9-14 D14-15 U15-16", TestName = "Runs of three layers come out in disk order")]
    [TestCase("D0-2 D2-4 U4-16|U0-16", 16, "D0-4 U4-16", TestName = "Adjacent data extents of one layer are merged")]
    public void Chain_extents_are_the_union_of_every_layers_data(string layers, long capacity, string expected)
    {
        var parsed = layers.Length == 0 ? [] : layers.Split('|').Select(Parse).ToList();

        var union = ChainRanges.UnionOfData(parsed, capacity).ToList();

        Assert.That(Format(union), Is.EqualTo(expected));
        Assert.That(union.Sum(e => e.Length), Is.EqualTo(capacity), "the union covers the disk exactly");
    }

    private static List<DiskRange> Parse(string layer) =>
        [.. layer.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(text =>
        {
            var kind = text[0] switch { 'D' => RangeKind.Data, 'Z' => RangeKind.Zero, _ => RangeKind.Unallocated };
            var bounds = text[1..].Split('-').Select(b => long.Parse(b, CultureInfo.InvariantCulture)).ToArray();
            return new DiskRange(bounds[0], bounds[1] - bounds[0], kind);
        })];

    private static string Format(IEnumerable<DiskRange> extents) =>
        string.Join(' ', extents.Select(e => $"{(e.Kind == RangeKind.Data ? 'D' : e.Kind == RangeKind.Zero ? 'Z' : 'U')}{e.Offset}-{e.End}"));
}
