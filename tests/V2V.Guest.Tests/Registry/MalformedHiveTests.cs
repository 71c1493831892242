using System.Buffers.Binary;
using System.Diagnostics;
using V2V.Core.Errors;
using V2V.Guest.Registry;
using V2V.TestSupport;
using static V2V.Guest.Tests.Registry.HiveEdits;

namespace V2V.Guest.Tests.Registry;

/// <summary>Damaged hives give an InvalidImageException naming the offset; never a crash, hang or huge allocation.</summary>
public sealed class MalformedHiveTests
{
    [Test]
    public void the_corrupted_system_hive_sample_names_the_hbin_that_is_missing()
    {
        var error = Assert.Throws<InvalidImageException>(() => RegistryHive.OpenFile(HiveSamples.Get("regipy/corrupted_system_hive.xz")))!;
        Assert.That(error.Message, Does.Contain("corrupted_system_hive: hbin at 0x19000 has signature 00000000, not 'hbin'"));
    }

    [Test]
    public void an_hbin_of_size_zero_is_named_by_its_offset()
    {
        byte[] hive = Special();
        SetU32(hive, 4096 + 8, 0);
        Assert.That(Refused(hive), Does.Contain("hbin at 0x0 has size 0"));
    }

    [Test]
    public void a_cell_of_size_zero_is_named_by_its_offset()
    {
        byte[] hive = Special();
        SetI32(hive, 4096 + 32, 0);
        Assert.That(Refused(hive), Does.Contain("cell at 0x20 has size 0"));
    }

    [Test]
    public void an_index_root_that_points_to_an_index_root_is_refused_not_followed()
    {
        byte[] hive = Special();
        int list = FindCell(hive, "lh");
        "ri"u8.CopyTo(hive.AsSpan(list + 4));
        BinaryPrimitives.WriteUInt16LittleEndian(hive.AsSpan(list + 6), 1);
        SetU32(hive, list + 8, (uint)(list - 4096));
        Assert.That(RefusedWhenWalked(hive), Does.Contain($"index root at 0x{list - 4096:X} points to another index root at 0x{list - 4096:X}"));
    }

    [Test]
    public void a_subkey_list_that_points_back_to_the_root_is_a_loop()
    {
        byte[] hive = Special();
        int list = FindCell(hive, "lh");
        SetU32(hive, list + 8, U32(hive, 36));
        Assert.That(RefusedWhenWalked(hive), Does.Contain("points back to the root key"));
    }

    [Test]
    public void a_subkey_list_that_points_up_to_an_ancestor_is_a_loop()
    {
        using var folder = new TempFolder();
        byte[] hive = File.ReadAllBytes(EditedHiveTests.TypedHive(folder));
        var opened = RegistryHive.Open(hive);
        var leaf = opened.OpenKey(@"Types\Ünïcödé ☃ key")!;
        int rootList = (int)U32(hive, 4096 + (int)opened.Root.CellOffset + 4 + 28);
        int nk = 4096 + (int)leaf.CellOffset + 4;
        SetU32(hive, nk + 20, 2);
        SetU32(hive, nk + 28, (uint)rootList);
        Assert.That(RefusedWhenWalked(hive), Does.Contain("is listed by two keys"));
    }

    [Test]
    public void a_value_count_larger_than_the_value_list_is_refused_before_reading()
    {
        byte[] hive = Special();
        int nk = FindCell(hive, "nk", FindCell(hive, "nk") + 8) + 4;
        SetU32(hive, nk + 36, 0x7FFFFFFF);
        Assert.That(RefusedWhenWalked(hive), Does.Contain("claims 2147483647 values"));
    }

    [Test]
    public void data_larger_than_its_cell_is_refused_without_allocating_it()
    {
        using var folder = new TempFolder();
        byte[] hive = File.ReadAllBytes(EditedHiveTests.TypedHive(folder));
        int vk = FindCell(hive, "vk");
        while ((U32(hive, vk + 8) & 0x80000000) != 0)
        {
            vk = FindCell(hive, "vk", vk + 8);
        }

        SetU32(hive, vk + 8, 0x7FFFFFF0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(RefusedWhenWalked(hive), Does.Contain("has 2147483632 bytes of data"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(64L << 20));
    }

    [TestCase(0)]
    [TestCase(100)]
    [TestCase(4095)]
    [TestCase(4096)]
    [TestCase(4200)]
    [TestCase(-1)]
    public void a_truncated_hive_is_refused_with_a_reason(int length)
    {
        using var folder = new TempFolder();
        byte[] hive = File.ReadAllBytes(EditedHiveTests.TypedHive(folder));
        byte[] cut = hive[..(length < 0 ? hive.Length + length : length)];
        Assert.That(Refused(cut), Does.Match("bytes|signature|hive bins data|cut short"));
    }

    [Test]
    public void random_bit_flips_give_a_reading_or_a_v2v_error_never_a_crash()
    {
        using var folder = new TempFolder();
        byte[] original = File.ReadAllBytes(EditedHiveTests.TypedHive(folder));
        var random = new Random(20261129);
        var watch = Stopwatch.StartNew();
        int refused = 0;
        for (int round = 0; round < 400; round++)
        {
            byte[] hive = (byte[])original.Clone();
            for (int flips = random.Next(1, 9); flips > 0; flips--)
            {
                int at = round % 10 == 0 ? random.Next(0, 4096) : random.Next(4096, hive.Length);
                hive[at] ^= (byte)(1 << random.Next(8));
            }

            try
            {
                Walk(RegistryHive.Open(hive));
            }
            catch (V2VException)
            {
                refused++;
            }
        }

        TestContext.Out.WriteLine($"400 damaged hives: {refused} refused, the rest read, in {watch.ElapsedMilliseconds} ms");
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
    }

    private static byte[] Special() => File.ReadAllBytes(HiveSamples.Get("hivex/special"));

    private static string Refused(byte[] hive) => Assert.Throws<InvalidImageException>(() => RegistryHive.Open(hive))!.Message;

    private static string RefusedWhenWalked(byte[] hive) => Assert.Throws<InvalidImageException>(() => Walk(RegistryHive.Open(hive)))!.Message;

    /// <summary>Reads everything a consumer can ask for: keys, names, class names, descriptors, values and their data.</summary>
    private static void Walk(RegistryHive hive)
    {
        var pending = new Stack<RegistryKey>([hive.Root]);
        while (pending.Count > 0)
        {
            var key = pending.Pop();
            _ = key.ClassName;
            _ = key.SecurityDescriptor();
            foreach (var value in key.Values)
            {
                _ = value.Data;
                _ = value.AsString();
                _ = value.AsMultiString();
            }

            foreach (var subkey in key.Subkeys)
            {
                pending.Push(subkey);
            }
        }
    }
}
